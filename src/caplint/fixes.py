"""Per-finding fixes: turn each finding into an edit of the caption, apply the edits, tidy up.

What each fix action does (the rule packs' ``fix: {action, safe}`` say which applies):

``age-group``
    The exact age becomes its age group, and the phrase stays grammatical: the article agrees
    ("An 80-year-old man" → "An elderly man"), the person noun is folded in.  For children the
    age group *is* the noun ("A 7-year-old boy with" → "A child with"); for adults the sex is
    kept as the noun ("45 y/o F" → "adult woman", "72M" → "Elderly man").  Before another noun
    the group is an adjective ("45yo nurse" → "Adult nurse").  Gestational ages are dropped or
    become "preterm" ("born at 26 weeks" → "born preterm", "fetus at 22 weeks" → "fetus").
``remove``
    The span goes, with the words that only served it: the preposition of a place or date
    ("from Dayton", "on March 3, 2024", "in Florida"), the label of an identifier ("MRN",
    "Contact:"), a title before a name ("Dr.").  A name that is the subject of its sentence
    becomes "The patient".  A named hospital after "transferred from" becomes "an outside
    hospital".
``remove-clause``
    The clause holding the span goes (a comma-separated segment, or a trailing "who ..." /
    "after ..." / "and ..." clause); if nothing of the disease is left, the sentence goes.
``remove-sentence``
    The sentence goes; if the sentence also names the disease (a diagnosis word outside the
    span), only the clause goes.
``none``
    No automatic fix.

After the edits, the text around each edit is tidied: no double spaces, no space before
punctuation, no dangling comma or connector, no empty parentheses, "a"/"an" agree, a sentence
starts with a capital, and a sentence left with nothing but function words is dropped.  Text
away from the edits is never touched, so fixing is idempotent and a caption without findings
comes back unchanged.

**Safety.** A fix is *safe* when the rule pack says ``safe: true``: it removes or generalizes
an identifier without changing what the caption teaches (ages, names, places, absolute dates,
identifiers).  ``caplint fix`` applies those.  Fixes that change meaning (relative intervals,
clinicians' names, history and outcome clauses) need ``--unsafe-fixes``.

The edits are applied with presidio-anonymizer's ``AnonymizerEngine``: a removal is its
``redact`` operator, a replacement its ``replace`` operator.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any

from .agegroups import age_group
from .findings import SEVERITY_RANK, Finding
from .lexicons import US_STATE_NAMES

#: fix actions, as the rule packs spell them
ACTIONS = ("age-group", "remove", "remove-clause", "remove-sentence", "none")




def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# ================================================================================= sentences

_ABBREVIATIONS = _words(
    "dr mr mrs ms mx prof st mt vs e.g i.e etc fig figs no nos approx jr sr inc cf al ca "
    "min max dept univ hosp ave rd blvd yr yrs wk wks mo mos hr hrs sec ref pt pts"
)
_SENTENCE_END = re.compile(r"(?<![.!?…])[.!?…]+[\"'”’)\]]*(?=[ \t]+\S)")
_NEXT_CHAR = re.compile(r"[ \t]*(\S)")
_LABEL = re.compile(r"(?:[A-Z][A-Za-z0-9/&'’ -]{0,28}|[A-Z]{1,4}):[ \t]+")


@dataclass(frozen=True)
class Sentence:
    """A sentence of a caption: [start, end) without trailing whitespace; ``line_start`` and
    ``line_end`` bound its line (``line_end`` excludes the line break)."""

    start: int
    end: int
    line_start: int
    line_end: int


def _lines(text: str) -> list[tuple[int, int]]:
    lines, start = [], 0
    for match in re.finditer(r"\r\n|\r|\n", text):
        lines.append((start, match.start()))
        start = match.end()
    lines.append((start, len(text)))
    return lines


def sentences(text: str) -> list[Sentence]:
    """The sentences of a caption.  A line break always ends a sentence; inside a line a
    sentence ends at ``.``/``!``/``?`` followed by a space, except after an abbreviation
    ("Dr.", "e.g.") or an initial ("J.")."""
    found: list[Sentence] = []
    for line_start, line_end in _lines(text):
        line = text[line_start:line_end]
        cursor = 0
        for match in _SENTENCE_END.finditer(line):
            begin = match.start()
            while begin > 0 and match.start() - begin < 24 and (line[begin - 1].isalnum()
                                                               or line[begin - 1] in "._"):
                begin -= 1
            token = line[begin:match.start()].lower()
            if match.group(0).startswith(".") and (
                token.rstrip(".") in _ABBREVIATIONS
                or re.fullmatch(r"[a-z]", token)
                or re.fullmatch(r"(?:[a-z]\.)+[a-z]?", token)
            ):
                continue
            following = _NEXT_CHAR.match(line, match.end())
            if following and following.group(1).islower() and match.group(0)[0] in ".…":
                continue
            _add_sentence(found, text, line_start + cursor, line_start + match.end(),
                          line_start, line_end)
            cursor = match.end()
        _add_sentence(found, text, line_start + cursor, line_end, line_start, line_end)
    return found


def _add_sentence(found: list[Sentence], text: str, start: int, end: int, line_start: int,
                  line_end: int) -> None:
    while start < end and text[start] in " \t":
        start += 1
    while end > start and text[end - 1] in " \t":
        end -= 1
    if end > start:
        found.append(Sentence(start, end, line_start, line_end))


def sentence_at(sentences_: Sequence[Sentence], position: int) -> Sentence | None:
    for sentence in sentences_:
        if sentence.start <= position <= sentence.end:
            return sentence
    return None


def label_end(text: str, sentence: Sentence) -> int:
    """Where a sentence's content starts, after a "History: " or "Dx: " label at line start."""
    start = sentence.start
    while start < sentence.end and (unicodedata.category(text[start])[0] == "S"
                                    or text[start] in " \t\u200d\ufe0f"):
        start += 1  # "📋 History: ..."
    match = _LABEL.match(text, start, sentence.end)
    return match.end() if match else sentence.start


def at_sentence_start(text: str, position: int, sentences_: Sequence[Sentence]) -> bool:
    sentence = sentence_at(sentences_, position)
    if sentence is None:
        return False
    head = text[label_end(text, sentence):position]
    return not re.search(r"[\w#@]", head)


# ================================================================================= vocabulary

#: words that carry no teaching content on their own: a sentence left with only these is dropped
STOPWORDS = _words("""
a an the this that these those it its it's he she they his her their him them we our us you your
i me my one ones who whom whose which what when where while whereas as at by for from in into of
on onto to with without within via per about after before during since until till than then so
and or but nor also too very just only still again even yet not no is are was were be been being
has have had having do does did done will would can could may might shall should must get got
gets getting there here now later earlier ago today s
patient patients pt pts person people individual case cases figure fig image images photo video
man men woman women male female boy boys girl girls child children kid kids baby babies infant
infants newborn newborns neonate neonates toddler toddlers adolescent adolescents teen teens
teenager teenagers adult adults elderly young old year years month months week weeks day days
family parents parent mom mother dad father son daughter sibling siblings wife husband
seen treated admitted transferred referred presented presents presenting imaged evaluated scanned
brought came went taken sent managed followed operated underwent undergoing performed obtained
done noted found shared
see call email contact follow visit check cheer reach dm message text share updates update details
story more info information reference link thanks thank please out request requests questions
""")

#: a sentence that names a person but nothing else ("A child.") is kept; it is not empty
PERSON_WORDS = _words("""
patient man woman male female boy girl child kid baby infant newborn neonate toddler adolescent
teen teenager adult elderly fetus twins
""")

#: suffixes and words that mark disease / imaging content: what a sentence must not lose
_DISEASE_WORD = re.compile(
    r"(?i)\b(?:\w+(?:oma|omas|itis|osis|oses|emia|pathy|plasia|trophy|ectasia|cele|algia|"
    r"rrhage|rrhages|graphy|gram|ism|iasis)|syndrome|disease|disorder|"
    r"fracture|fractures|sign|tumou?r|cancer|carcinoma|mass|lesion|lesions|cyst|cysts|nodule|"
    r"nodules|stenosis|infarct|infarction|aneurysm|malformation|dissection|thrombus|thrombosis|"
    r"embolism|emboli|hematoma|haematoma|hemorrhage|haemorrhage|abscess|effusion|edema|oedema|"
    r"atresia|anomaly|volvulus|intussusception|pneumothorax|appendicitis|diagnosis|dx|"
    r"findings?|CT|MRI|MR|US|CXR|radiograph|ultrasound|scan|x-ray|xray|angiogram|fluoroscopy|"
    r"enhancement|opacity|opacities|calcification|calcifications|dilatation|dilation|"
    r"consolidation|collection|laceration|contusion|injury|injuries|trauma|obstruction|"
    r"perforation|rupture|torsion|herniation|hernia|metastases|metastasis|lymphoma|leukemia|"
    r"infection|pneumonia|tuberculosis|TB|bleed|bleeding|clot)\b"
)


def has_disease_words(text: str) -> bool:
    return _DISEASE_WORD.search(text) is not None


def content_words(text: str) -> list[str]:
    """The words of ``text`` that say something beyond function words and people."""
    words = re.findall(r"[^\W\d_][\w'’-]*", text)
    return [w for w in words if w.lower().strip("'’") not in STOPWORDS]


# ================================================================================= edits


@dataclass(frozen=True)
class Edit:
    """Replace ``[start, end)`` of the caption with ``replacement`` ("" removes it)."""

    start: int
    end: int
    replacement: str
    finding: Finding | None = field(default=None, compare=False)
    #: capitalize the replacement / the text after a removal if it starts a sentence
    capitalize: bool = True
    #: False for a bare span cut out of the middle of a sentence: the sentence may not read
    #: well afterwards, so it is only done for errors
    clean: bool = True


def fixable(finding: Finding, unsafe: bool = False) -> bool:
    """Whether ``caplint fix`` fixes this finding: it has a fix action, it is safe (or unsafe
    fixes were asked for), and it is a span finding (caption-level findings go away when their
    elements do)."""
    if finding.source == "caption" or finding.fix not in ACTIONS or finding.fix == "none":
        return False
    return finding.fix_safe or unsafe


def plan(text: str, findings: Iterable[Finding], doc: Any = None,
         force: bool = False) -> list[Edit]:
    """Edits for ``findings`` (offsets into ``text``), non-overlapping and sorted.

    ``force`` also turns findings without a fix action into removals (the rewrite's last
    resort)."""
    sents = sentences(text)
    edits: list[Edit] = []
    ages: list[Finding] = []
    findings = list(findings)
    for finding in findings:
        action = finding.fix
        if action == "none" and force:
            action = "remove" if finding.tier == "identifier" else "remove-clause"
        if action == "age-group":
            ages.append(finding)  # planned last: they read the words the other edits keep
            continue
        if action == "remove-clause":
            finding = expand_predicate(text, finding, doc)
        elif action == "remove" and finding.category in _PERSON_DESCRIPTORS:
            finding = expand_noun(text, finding, doc, [
                (f.start, f.end) for f in findings if f.tier == "identifier" and f is not finding])
        finding = _clip(text, finding, sents)
        edit = _plan_one(text, finding, action, sents, doc)
        if edit is not None and (edit.end > edit.start or edit.replacement):
            edits.append(_graphemes(text, _balanced(text, _absorb_article(text, edit))))
    removed = [(e.start, e.end) for e in edits if not e.replacement]
    for finding in ages:
        edit = _age_edit(text, finding, sents, doc, removed)
        if edit is not None and (edit.end > edit.start or edit.replacement):
            edits.append(_graphemes(text, edit))
    return _resolve([e for e in edits if (e.end > e.start or e.replacement)
                     and (e.clean or e.finding is None or e.finding.severity == "error")])


_ARTICLE_END = re.compile(r"(?i)(?:^|(?<=[\s(]))(?:the|a|an)[ \t]+$")
_NP_ENDED = re.compile(r"(?i)(?<![ \t])[ \t]*(?:$|[\r\n.,;:!?)\]]|[^\w\s(\[\"'“‘#@-]|"
                       r"(?:with|who|was|is|has|had|and|of|in|on|at|to|shows?|born|were|are)\b)")


#: categories whose findings describe the person with a noun ("nurse", "NFL linebacker")
_PERSON_DESCRIPTORS = ("DEMOGRAPHIC", "HIGH_PROFILE")


def expand_noun(text: str, finding: Finding, doc: Any,
                blocked: Sequence[tuple[int, int]] = ()) -> Finding:
    """A person noun ("musician") grows over the modifiers right before it ("Famous local
    musician"), so that no adjective is left without its noun."""
    if doc is None:
        return finding
    span = doc.char_span(finding.start, finding.end, alignment_mode="expand")
    if span is None or not len(span):
        return finding
    head = span[-1]
    if head.pos_ not in ("NOUN", "PROPN"):
        return finding
    start = span[0].i
    while start > 0:
        token = doc[start - 1]
        if start <= token.head.i <= head.i and token.dep_ in (
                "amod", "compound", "nmod", "advmod", "npadvmod") and not re.search(
                r"\d|(?i:old|elderly|adult|young|child|infant|toddler|adolescent|newborn|y/?o|"
                r"yrs?|years?|months?|mos?|wks?|weeks?)",
                token.text) and not any(s < token.idx + len(token) and token.idx < e
                                        for s, e in blocked):
            start -= 1
            continue
        break
    begin = doc[start].idx
    if begin >= finding.start:
        return finding
    return replace(finding, start=begin, text=text[begin:finding.end])


def _absorb_article(text: str, edit: Edit) -> Edit:
    """A removed noun phrase takes its article ("the first reported case of" → "of")."""
    if edit.replacement or edit.end <= edit.start:
        return edit
    article = _ARTICLE_END.search(text, 0, edit.start)
    if article and _NP_ENDED.match(text, edit.end) and text[edit.start:edit.end][:1].isalnum():
        return replace(edit, start=article.start())
    return edit


def _joins(char: str) -> bool:
    """A character that belongs to the one before it: a combining mark, a variation selector,
    an emoji skin-tone modifier, a zero-width joiner."""
    return (unicodedata.category(char) in ("Mn", "Me", "Mc") or char in "\u200d\ufe0e\ufe0f"
            or "\U0001f3fb" <= char <= "\U0001f3ff")


def _graphemes(text: str, edit: Edit) -> Edit:
    """An edit never splits a character from its combining marks or an emoji sequence
    ("Jose\u0301", "👩🏽‍⚕️"): it grows to whole user-perceived characters."""
    start, end = edit.start, edit.end
    while 0 < start < len(text) and (_joins(text[start]) or text[start - 1] == "\u200d"):
        start -= 1
    while end < len(text) and (_joins(text[end]) or (end > 0 and text[end - 1] == "\u200d")):
        end += 1
    if (start, end) == (edit.start, edit.end):
        return edit
    return replace(edit, start=start, end=end)


def _balanced(text: str, edit: Edit) -> Edit:
    """A removal never takes one bracket of a pair: it grows to take the whole pair."""
    if edit.replacement:
        return edit
    start, end = edit.start, edit.end
    for opening, closing in ("()", "[]"):
        depth = 0
        for char in text[start:end]:
            if char == opening:
                depth += 1
            elif char == closing:
                depth -= 1
        while depth < 0:  # a ")" without its "(": take the "(" before
            index = text.rfind(opening, 0, start)
            if index < 0 or "\n" in text[index:start]:
                return replace(edit, end=edit.start)
            start = index
            depth += 1
        while depth > 0:  # a "(" without its ")": take the ")" after
            index = text.find(closing, end)
            if index < 0 or "\n" in text[end:index]:
                return replace(edit, end=edit.start)
            end = index + 1
            depth -= 1
    return replace(edit, start=start, end=end)


_NOT_PREDICATE = frozenset(("nsubj", "nsubjpass", "csubj", "csubjpass", "conj", "cc", "expl",
                            "mark", "parataxis"))


def expand_predicate(text: str, finding: Finding, doc: Any) -> Finding:
    """A story finding on a verb ("fell off", "died") grows to the verb's predicate: its
    objects, particles and prepositional phrases ("fell off his trampoline at a party"), never
    its subject, a coordinated clause ("and ..."), or a part that names the disease."""
    if doc is None or finding.tier != "narrative":
        return finding
    span = doc.char_span(finding.start, finding.end, alignment_mode="expand")
    if span is None:
        return finding
    verb = next((t for t in span if t.pos_ in ("VERB", "AUX") and t.dep_ not in (
        "amod", "compound", "aux", "auxpass")), None)
    if verb is None:
        return finding
    tokens = [verb]
    for child in verb.children:
        if child.dep_ in _NOT_PREDICATE or (child.dep_ == "punct" and child.i > verb.i):
            continue
        subtree = list(child.subtree)
        piece = text[subtree[0].idx:subtree[-1].idx + len(subtree[-1])]
        if has_disease_words(piece) and not (finding.start <= subtree[0].idx < finding.end):
            continue
        tokens.extend(subtree)
    sentence = sentence_at(sentences(text), finding.start)
    low, high = (sentence.start, sentence.end) if sentence else (0, len(text))
    tokens = [t for t in tokens if low <= t.idx and t.idx + len(t) <= high and not t.is_space]
    if not tokens:
        return finding
    start = min(t.idx for t in tokens)
    end = max(t.idx + len(t) for t in tokens)
    start, end = min(start, finding.start), max(end, finding.end)
    while end > start and text[end - 1] in " \t.,;:":
        end -= 1
    return replace(finding, start=start, end=end, text=text[start:end])


_IMAGING_VERB = re.compile(r"(?i)[ \t]\b(?:shows?|showed|demonstrates?|demonstrated|reveals?|"
                           r"revealed|depicts?|confirms?|confirmed)\b")


def _clip(text: str, finding: Finding, sents: Sequence[Sentence]) -> Finding:
    """A story finding ends with its sentence: a clause never runs on into the next line."""
    if finding.tier == "identifier" and finding.fix in ("age-group", "remove"):
        return finding
    verb = _IMAGING_VERB.search(text, finding.start + 1, finding.end)
    if verb:  # "boxer who punched a wall shows a fracture": the story ends at the verb
        end = verb.start()
        while end > finding.start and text[end - 1] in " \t":
            end -= 1
        finding = replace(finding, end=end, text=text[finding.start:end])
    sentence = sentence_at(sents, finding.start)
    if sentence is None or finding.end <= sentence.end:
        return finding
    end = sentence.end
    while end > finding.start and text[end - 1] in " \t.!?":
        end -= 1
    return replace(finding, end=max(end, finding.start + 1), text=text[finding.start:end])


def _resolve(edits: list[Edit]) -> list[Edit]:
    """One edit per region: a removal that contains another edit wins; otherwise the earlier,
    longer edit wins and the other is left for the next round."""
    kept: list[Edit] = []
    for edit in sorted(edits, key=lambda e: (-(e.end - e.start), e.start)):
        clash = [k for k in kept if k.start < edit.end and edit.start < k.end]
        if not clash:
            kept.append(edit)
            continue
        if edit.replacement == "" and all(k.replacement == "" for k in clash):
            start = min([edit.start] + [k.start for k in clash])
            end = max([edit.end] + [k.end for k in clash])
            kept = [k for k in kept if k not in clash]
            kept.append(Edit(start, end, "", edit.finding, edit.capitalize))
    return sorted(kept, key=lambda e: e.start)


def _plan_one(text: str, finding: Finding, action: str, sents: Sequence[Sentence],
              doc: Any) -> Edit | None:
    if action == "age-group":
        return _age_edit(text, finding, sents, doc)
    if action == "remove":
        words = text[finding.start:finding.end].lower().split()
        if finding.tier == "identifier" and words and all(
                w in _AGE_GROUP_WORDS or w in PERSON_WORDS for w in words):
            return None  # "Young adult" is what an age fix wrote, not a name
        return _remove_edit(text, finding, sents)
    if action == "remove-clause":
        return _clause_edit(text, finding, sents)
    if action == "remove-sentence":
        return _sentence_edit(text, finding, sents)
    return None


# ------------------------------------------------------------------------------ age groups

_SEX_M = re.compile(r"(?i)\b(?:m|male|man|boy|gentleman|wm|bm|he|his|son)\b|\d\s?m\b|^m/")
_SEX_F = re.compile(r"(?i)\b(?:f|female|woman|girl|lady|wf|bf|she|her|daughter)\b|\d\s?f\b|^f/")
_PERSON_AFTER = re.compile(
    r"(?<![ \t])[ \t]*(?:,[ \t]*)?(?P<noun>(?i:boy|girl|male|female|man|woman|gentleman|lady|"
    r"patient|pt|"
    r"child|kid|person|individual|baby|infant|neonate|newborn|toddler|son|daughter|twins|"
    r"adolescent|teenager|teen)|M|F)(?P<poss>['’]s)?\b(?![-/])"
)
_PERSON_BEFORE = re.compile(
    r"(?:(?P<article>\b[Aa]n?|\b[Tt]he)[ \t]+)?(?P<noun>(?i:boy|girl|male|female|man|woman|"
    r"patient|pt|child|infant|baby|teen|teenager|adolescent|patients))[ \t]*(?:,[ \t]*)?$"
)
_ARTICLE_BEFORE = re.compile(r"\b(?P<article>[Aa]n?|[Tt]he|[Tt]his|[Tt]hat|[Hh]is|[Hh]er|"
                             r"[Tt]heir|[Oo]ur)[ \t]+$")
_PEDIATRIC = ("fetus", "newborn", "infant", "toddler", "child", "adolescent")
_NOUN_MODE_WORDS = _words("""
with w/ who whose which that presenting presented presents presentation p/w c/o complaining has
had have having is was were being in on at from after since and or but found swallowed fell
falling refusing refused brought admitted seen referred transferred status post s/p h/o hx
undergoing underwent following for to by of as if when while because who's now
""")


def _sex(*texts: str) -> str | None:
    for text in texts:
        if not text:
            continue
        if _SEX_F.search(text):
            return "f"
        if _SEX_M.search(text):
            return "m"
    return None


def _group_of(span: str) -> str:
    group = age_group(span)
    return "elderly" if group == "elderly patient" else group


def age_noun(group: str, sex: str | None, noun: str | None = None) -> str:
    """The noun phrase for an age group: "child", "adult woman", "elderly man", "young adult"."""
    noun = (noun or "").lower()
    plural = noun == "patients"
    if noun == "twins":
        return f"{_adjective(group)} twins"
    if group in _PEDIATRIC:
        return group + ("s" if plural and group != "fetus" else "")
    person = {"m": "man", "f": "woman"}.get(sex or "", "")
    if noun in ("male", "female") and sex:
        person = noun
    if noun in ("patient", "patients", "pt"):
        person = "patients" if plural else "patient"
    if group == "young adult":
        return f"young {person}" if person in ("man", "woman") else (
            f"young adult {person}".strip())
    if group == "adult":
        return f"adult {person}".strip()
    return f"elderly {person or 'patient'}"


def _adjective(group: str) -> str:
    return "fetal" if group == "fetus" else group


def _article_for(phrase: str) -> str:
    first = phrase.split()[0] if phrase.split() else ""
    word = first.lower()
    if first.isupper() and 1 < len(first) <= 5:  # an MRI, an NF1 patient, a CT
        return "an" if first[0] in "AEFHILMNORSX" else "a"
    if re.match(r"(?:eu|uni|use|one|u[bcfhjkqrst][aeiou])", word):
        return "a"
    if re.match(r"[aeiou]|hour|honest|heir", word):
        return "an"
    return "a"


def _match_case(article: str, template: str) -> str:
    return article[0].upper() + article[1:] if template[:1].isupper() else article


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def _next_token_kind(text: str, position: int, doc: Any,
                     removed: Sequence[tuple[int, int]] = ()) -> str:
    """'noun' when the age is used as a noun (followed by punctuation, a verb, a preposition),
    'adjective' when a noun follows ("45yo nurse").  Words that another edit removes are
    skipped ("45yo nurse" with "nurse" removed is a noun)."""
    moved = True
    while moved:
        moved = False
        gap = re.match(r"[ \t]*", text[position:])
        after = position + (gap.end() if gap else 0)
        for start, end in removed:
            if start <= after < end or (start == position and end > position):
                position, moved = end, True
                break
    rest = text[position:]
    match = re.match(r"[ \t]*([^\s]+)", rest)
    if not match or rest[:1] in ",;:.!?)\n\r" or not rest.strip():
        return "noun"
    word = match.group(1)
    if not word[0].isalnum():
        return "noun"
    bare = re.sub(r"[^\w/'’-].*$", "", word).lower()
    if bare in _NOUN_MODE_WORDS:
        return "noun"
    if doc is not None:
        start = position + match.start(1)
        for token in doc:
            if token.idx >= start:
                if token.idx == start:
                    if token.pos_ in ("NOUN", "PROPN", "ADJ", "NUM") and token.tag_ not in (
                            "VBD", "VBN", "VBG"):
                        return "adjective"
                    if token.dep_ in ("amod", "compound") and token.head.pos_ in ("NOUN",
                                                                                  "PROPN"):
                        return "adjective"
                    return "noun"
                break
    if bare.endswith(("ed", "ing")):
        return "noun"
    return "adjective"


_GESTATION = re.compile(
    r"(?i)^(?P<lead>born|delivered|fetus|foetus|pregnancy|twins?)\s+(?:at|of|at about|around)\s")


_PERIOD = {
    "fetus": "utero", "newborn": "the newborn period", "infant": "infancy",
    "toddler": "early childhood", "child": "childhood", "adolescent": "adolescence",
    "young adult": "young adulthood", "adult": "adulthood", "elderly": "old age",
}
_PERIOD_LEAD = re.compile(
    r"(?i)\b(?P<prep>at|since|from|until|till|by|before|after)[ \t]+(?:(?:the[ \t]+)?age"
    r"(?:[ \t]+of)?[ \t]+)?$")
_PERIOD_SPAN = re.compile(
    r"(?i)(?P<prep>at|since|from|until|till|by|before|after)[ \t]+(?:the[ \t]+)?age(?:[ \t]+of)?"
    r"\b")
_BARE_AGE = re.compile(r"(?i)^(?:age[ \t:]{0,3})?(?:\d{1,3}(?:\.\d)?|one|two|three|four|five|six|"
                       r"seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|"
                       r"seventeen|eighteen|nineteen|twenty)(?:[ \t-]{0,3}(?:years?|yrs?|y|months?|"
                       r"mos?|weeks?|wks?|days?)\b|[ \t-]{1,3}(?:and|\d{1,3})\b){0,6}[ \t.]{0,3}$")


def _period_phrase(prep: str, group: str) -> str:
    period = _PERIOD[group]
    if prep.lower() == "at":
        return "in " + period
    return f"{prep} {period}"


def _age_edit(text: str, finding: Finding, sents: Sequence[Sentence], doc: Any,
              removed: Sequence[tuple[int, int]] = ()) -> Edit | None:
    start, end = finding.start, finding.end
    if re.search(r"(?i)[a-z]\.[a-z]$", text[start:end]) and text[end:end + 1] == ".":
        end += 1  # "16 y.o." with the finding on "16 y.o"
    span = text[start:end]
    if finding.code.startswith("AGE006") or _GESTATION.match(span) or re.search(
            r"(?i)week(?:er|s?'?\s*(?:gest|GA)|s?\s+(?:preterm|premature))|gestation", span):
        return _gestational_edit(text, finding, sents)
    before = text[:start]
    if re.match(r"(?i)(?:day\s+of\s+life|DOL)\b", span):
        lead = re.search(r"(?i)\b(?:on|at|by|from)[ \t]+$", before)
        return _removal(text, lead.start() if lead else start, end, finding)
    group = _group_of(span)
    sex = _sex(span)
    # "diagnosed at age 6", "since age 6", "performed at 12 months": a period of life
    inner = _PERIOD_SPAN.match(span)
    if inner:
        return Edit(start, end, _period_phrase(inner.group("prep"), group), finding)
    lead = _PERIOD_LEAD.search(before)
    if lead and _BARE_AGE.match(span):
        if lead.group("prep").lower() == "at" and re.search(r"(?i)weeks?|wks?", span) and (
                re.search(r"(?i)pregnan|gravid|\bG\d+\s*P\d+|gestation|fetal|fetus|foetal|"
                          r"prenatal|antenatal|in utero|twins|obstetric", text)):
            return _removal(text, lead.start(), end, finding)
        return Edit(lead.start(), end, _period_phrase(lead.group("prep"), group), finding)
    noun: str | None = None
    after = _PERSON_AFTER.match(text, end)
    possessive = ""
    if after and not (after.group("noun") in ("M", "F") and sex):
        noun = after.group("noun")
        sex = sex or _sex(noun)
        possessive = after.group("poss") or ""
        end = after.end()
    noun_mode = noun is not None or _next_token_kind(text, end, doc, removed) == "noun"
    if not noun_mode and re.fullmatch(r"\d{1,3}", span.strip()):
        return None  # "3 prior admissions": a count, not an age; left for the author
    # "a man aged 45", "Boy, age 9", "Infant, 4 months", "A woman in her 60s": one noun phrase
    person = _PERSON_BEFORE.search(before) if noun is None and noun_mode else None
    if person:
        noun = person.group("noun")
        sex = sex or _sex(noun)
        start = person.start("noun") if person.group("article") is None else person.start()
        article = person.group("article")
        phrase = age_noun(group, sex, noun)
        if article and article.lower() in ("a", "an"):
            phrase = f"{_match_case(_article_for(phrase), article)} {phrase}"
        elif article:
            phrase = f"{article} {phrase}"
        if at_sentence_start(text, start, sents) and text[start:start + 1].isupper():
            phrase = _cap(phrase)
        comma = re.match(r"[ \t]*,(?=[ \t]*(?:with|presenting|who|w/)\b)", text[end:])
        if comma and "," in text[start:finding.start]:  # "Boy, age 9, with" → "Child with"
            end += comma.end()
        return Edit(start, end, phrase, finding)
    if noun_mode:
        phrase = age_noun(group, sex, None if noun in ("M", "F") else noun) + possessive
    else:
        phrase = _adjective(group)
    article = _ARTICLE_BEFORE.search(before)
    if article and article.group("article").lower() in ("a", "an"):
        start = article.start()
        phrase = f"{_match_case(_article_for(phrase), article.group('article'))} {phrase}"
    elif article is None and noun_mode and not at_sentence_start(text, start, sents) and (
            re.search(r"(?i)\b(?:is|was|of|in|to|from|for|on|as|like)[ \t]+$", before)):
        phrase = f"{_article_for(phrase)} {phrase}"
    if at_sentence_start(text, start, sents) and (text[start:start + 1].isupper()
                                                  or text[start:start + 1].isdigit()):
        phrase = _cap(phrase)
    return Edit(start, end, phrase, finding)


def _gestational_edit(text: str, finding: Finding, sents: Sequence[Sentence]) -> Edit:
    start, end = finding.start, finding.end
    span = text[start:end]
    lead = _GESTATION.match(span)
    weeks = re.search(r"\d{1,2}", span)
    preterm = weeks is None or int(weeks.group(0)) < 37
    if re.search(r"(?i)week(?:er|[- ]old)", span):
        former = re.match(r"(?i)(ex-?\s*|former\s+)", span)
        phrase = ("former " if former else "") + ("preterm infant" if preterm else "infant")
        if at_sentence_start(text, start, sents):
            phrase = _cap(phrase)
        return Edit(start, end, phrase, finding)
    if lead:
        word = lead.group("lead")
        if word.lower() in ("born", "delivered"):
            if re.search(r"(?i)\b(?:preterm|premature|newborn|neonate|infant|baby)\W*$",
                         text[:start]) or not preterm:
                return _removal(text, start, end, finding)
            return Edit(start, end, f"{word} preterm", finding)
        return Edit(start, end, word, finding)
    rest = span[weeks.end():] if weeks else ""
    tail = re.match(r"(?i)\s*-?\s*weeks?\s+(preterm|premature)", rest)
    if tail:
        return Edit(start, end, tail.group(1), finding)
    prep = re.search(r"(?i)\b(?:at|of|by|around|about)[ \t]+$", text[:start])
    if prep:
        start = prep.start()
    return _removal(text, start, end, finding)


# ------------------------------------------------------------------------------ removals

_LOCATIVE = re.compile(
    r"(?i)(?:\b(?:who\s+)?(?:lives?|living|resides?|residing|based|raised|grew\s+up|"
    r"born)[ \t]+)?\b(?:from|in|near|at|to|of|outside(?:[ \t]+of)?|around|visiting|across|"
    r"throughout|via|on|into|off)[ \t]+(?:the[ \t]+)?$"
)
_TEMPORAL = re.compile(
    r"(?i)\b(?:on|in|since|during|from|until|till|by|of|at|as\s+of|back\s+in|dated|over|"
    r"before|after|around|circa|obtained|performed|acquired|taken)[ \t]+(?:the[ \t]+)?$"
)
_TITLE = re.compile(r"(?i)\b(?:dr|mr|mrs|ms|miss|mx|prof|doctor|professor|nurse|patient|pt)"
                    r"\.?[ \t]+$")
_CLINICIAN_LEAD = re.compile(r"(?i)\b(?:by|to|with|under)[ \t]+$")
_ID_LABEL = re.compile(
    r"(?i)(?:\b(?:case|study|patient|pt|exam|pathology)[ \t]+)?\b(?:mrn|id|acc(?:ession)?|\w*uid|"
    r"serial|sn|s/n|uid|no\.?|number|#|email|e-mail|phone|tel|call|contact|text|website|"
    r"link|url|see|at|via|on|reference|ref|handle)[ \t]*[:#]?[ \t]*$"
)
_TRANSFER = re.compile(r"(?i)\b(?:transferred|transfer|referred|sent|airlifted|flown|"
                       r"transported|moved)[ \t]+(?P<prep>from|to|by)[ \t]+(?:the[ \t]+)?$")
_STATES = "|".join(
    (*US_STATE_NAMES, "usa", "us", "uk", "canada", "england", "scotland", "wales", "ireland",
     "australia")
)
_PLACE_TAIL = re.compile(
    r"(?<![ \t])[ \t]*,[ \t]*(?:A[LKZR]|C[AOT]|D[EC]|FL|GA|HI|I[DLNA]|K[SY]|LA|M[EDAINSOT]|"
    r"N[EVHJMYCD]|"
    r"O[HKR]|PA|RI|S[CD]|T[NX]|UT|V[TA]|W[AVIY]|(?i:" + _STATES + r"))\b(?:[ \t]+\d{5})?"
)
#: after "the <place>": the noun phrase goes on ("in the Route 9 school bus crash"), so the
#: preposition stays
_NP_GOES_ON = re.compile(r"(?<![ \t])[ \t]+(?!(?:and|or|but|with|who|which|was|were|is|are|has|"
                         r"had|in|on|"
                         r"at|for|to|after|before|during|shows?|last|this|yesterday|today|"
                         r"tonight|when|while|where|because|since|then|ago|one|two|three|four|"
                         r"five|six|seven|eight|nine|ten|several|few|a|an|the|\w+ed|\w+ing)\b)"
                         r"[a-z]")
_STATE = re.compile(r"[A-Z]{2}|(?i:" + _STATES + r")")
_CITY_BEFORE = re.compile(r"(?P<city>\b[A-Z][\w'’.-]*(?:[ \t]+[A-Z][\w'’.-]*){0,2}),[ \t]*$")
_SUBJECT_VERB = re.compile(
    r"(?<![ \t])[ \t]*(?:['’]s[ \t]+)?(?:was|is|had|has|have|presented|presents|developed|"
    r"underwent|"
    r"reports|reported|noticed|complained|came|fell|sustained|suffered|went|said|says|"
    r"underwent|arrived|died|passed|received|required|needed|needs|did|does|will|would|"
    r"can|could|should|experienced|began|started|lives|lived|works|worked)\b", re.I
)


def _removal(text: str, start: int, end: int, finding: Finding | None,
             capitalize: bool = True) -> Edit:
    """Remove ``[start, end)`` plus one side's whitespace; the tidy pass does the rest."""
    return Edit(start, end, "", finding, capitalize)


def _remove_edit(text: str, finding: Finding, sents: Sequence[Sentence]) -> Edit:
    start, end = finding.start, finding.end
    before = text[:start]
    category = finding.category
    span = text[start:end]
    # an initial's period ("Maria G." with the finding on "Maria G")
    if re.search(r"(?:^|[\s.])[A-Z]$", span) and text[end:end + 1] == ".":
        end += 1
    if span.startswith("#"):
        return _removal(text, start, end, finding)
    if category == "LOCATION":
        suffix = re.match(r"[ \t]+(?:Township|County|City|Village|Parish|District|Borough|"
                          r"Province|Prefecture|Beach|Park)\b", text[end:])
        if suffix:
            end += suffix.end()
        tail = _PLACE_TAIL.match(text, end)
        if tail:
            end = tail.end()
        transfer = _TRANSFER.search(before)
        if transfer and re.search(r"(?i)hospital|medical|clinic|cent(?:er|re)|infirmary", span):
            lead = re.search(r"(?i)\bthe[ \t]+$", before)
            return Edit(lead.start() if lead else start, end, "an outside hospital", finding)
        city = _CITY_BEFORE.search(before) if _STATE.fullmatch(span) else None
        if city:
            before = text[:city.start("city")]
            start = city.start("city")
        lead = _LOCATIVE.search(before)
        if lead and not (re.search(r"(?i)\b(?:the|a|an)[ \t]+$", before)
                         and _NP_GOES_ON.match(text, end)):
            start = lead.start()
    elif category == "DATE":
        tail = re.match(r"(?i)[ \t]+(?:morning|afternoon|evening|night)\b", text[end:])
        if tail:
            end += tail.end()
        possessive = re.match(r"(?:['’]s)?[ \t]+[\w-]+", text[end:]) if re.search(
            r"['’]s$", text[start:end]) else re.match(r"['’]s[ \t]+[\w-]+", text[end:])
        if possessive:  # "from last night's call", "during Friday night's game"
            end += possessive.end()
            lead = _TEMPORAL.search(before)
            return _removal(text, lead.start() if lead else start, end, finding)
        if not re.match(r"(?i)(?:on|in|at|since|during|over|before|after|last|this|next)\b",
                        span):
            lead = _TEMPORAL.search(before)
            if lead:
                start = lead.start()
    elif category == "NAME":
        title = _TITLE.search(before)
        if title:
            start = title.start()
            before = text[:start]
        if finding.severity != "error" or re.match(r"(?i)(?:dr|prof|doctor|professor|nurse)\b",
                                                   text[start:end]):
            lead = _CLINICIAN_LEAD.search(before)
            if lead:
                start = lead.start()
        elif at_sentence_start(text, start, sents) and (
                _SUBJECT_VERB.match(text, end)
                or re.match(r"\.?,[ \t]+(?:a|an|the)\b", text[end:], re.I)):
            possessive = re.match(r"['’]s\b", text[end:])
            phrase = "The patient" + ("'s" if possessive else "")
            return Edit(start, end + (possessive.end() if possessive else 0), phrase, finding)
        possessive = re.match(r"['’]s\b", text[end:])
        if possessive:
            return Edit(start, end + possessive.end(), "the patient's", finding)
        lead = re.search(r"(?i)\b(?:by|from|to|with)[ \t]+$", before)
        if lead:
            start = lead.start()
        elif re.search(r"(?i)\b(?:of|for|in|on|about)[ \t]+$", before):
            return Edit(start, end, "the patient", finding)
    elif category == "ID":
        lead = _ID_LABEL.search(before)
        if lead:
            start = lead.start()
    elif finding.tier == "narrative" and _narrative_sentence(text, finding, sents):
        return _sentence_removal(text, sentence_at(sents, finding.start), finding)
    elif finding.tier == "narrative" and re.match(r"[ \t]*(?:[.,;:!?)]|$|\n|(?:shows?|"
                                                  r"demonstrates?|reveals?|was|is)\b)",
                                                  text[end:]):
        prep = _PREP_BEFORE.search(before)
        if prep:  # "radiograph after an IED blast shows"
            start = prep.start()
    return _parenthetical(text, start, end, finding, sents)


_VERB_AFTER = re.compile(r"(?<![ \t])[ \t]*,[ \t]+(?=(?:shows?|demonstrates?|reveals?|depicts?|"
                         r"confirms?|"
                         r"was|is|were|are|has|had|presented|underwent|developed)\b)")


def _parenthetical(text: str, start: int, end: int, finding: Finding,
                   sents: Sequence[Sentence]) -> Edit:
    """A removal between commas before the verb ("CT, January 2020, shows") takes both
    commas; a contact detail that leaves only "for details" takes its sentence."""
    comma = re.search(r",[ \t]*$", text[:start])
    after = _VERB_AFTER.match(text, end)
    if comma and after:
        return _removal(text, comma.start(), after.end() - 1, finding)
    if finding.category == "ID":
        sentence = sentence_at(sents, finding.start)
        if sentence is not None:
            rest = (text[label_end(text, sentence):start] + " " + text[end:sentence.end]).strip()
            prose = re.sub(r"#\w+", "", rest)
            if not re.search(r"#\w", rest) and (
                    not content_words(prose)
                    or re.match(r"\W*(?:for|to|if|at|on|via|and|or)\b", prose, re.I)):
                return _sentence_removal(text, sentence, finding)
    return _removal(text, start, end, finding)


# ------------------------------------------------------------------------------ clauses

_CLAUSE_DELIMITER = re.compile(r"(?<![ \t])[ \t]*(?:[,;]|[ \t]-{1,2}[ \t]|[ \t][–—][ \t]|—)"
                               r"[ \t]*")
_CONNECTORS = _words("who which that after when while and but then with because since "
                     "following before until whose where so as")


def _connector_before(text: str, start: int, end: int) -> int | None:
    """Where the run of connectors ("who", "and then", ", which") that ends at ``end`` starts,
    if the text just before ``end`` is one."""
    cursor, found = end, None
    while True:
        position = cursor
        while position > start and text[position - 1] in " \t":
            position -= 1
        word_end = position
        while position > start and text[position - 1].isalpha():
            position -= 1
        if position == word_end or text[position:word_end].lower() not in _CONNECTORS or (
                position > start and text[position - 1].isalnum()):
            break
        cursor = found = position
        while cursor > start and text[cursor - 1] in " \t":
            cursor -= 1
        if cursor > start and text[cursor - 1] in ",;":
            cursor = found = cursor - 1
    return found


def _segments(text: str, sentence: Sentence) -> list[tuple[int, int]]:
    """Comma/semicolon/dash-separated segments of a sentence (content only, no delimiters)."""
    begin = label_end(text, sentence)
    end = sentence.end
    while end > begin and text[end - 1] in ".!?…":
        end -= 1
    segments, cursor = [], begin
    depth = 0
    for index in range(begin, end):
        char = text[index]
        if char in "([":
            depth += 1
        elif char in ")]":
            depth = max(0, depth - 1)
        elif depth == 0:
            match = _CLAUSE_DELIMITER.match(text, index)
            if match and match.group(0).strip() and index >= cursor and (
                    char in ",;—–" or text[index] in " \t"):
                if char == "," and re.match(r",\d{3}\b", text[index:index + 5]):
                    continue
                segments.append((cursor, index))
                cursor = match.end()
    segments.append((cursor, end))
    return [(s, e) for s, e in segments if e > s]


_NARRATIVE_START = re.compile(
    r"(?i)\W{0,12}(?:he|she|they|his|her|their|(?:the|our|this|his|her|their)\s+"
    r"(?:patient|child|kid|baby|infant|boy|girl|man|woman|family|parents?|mother|father|mom|"
    r"dad|wife|husband|sister|brother|son|daughter|little\s+\w+)|mother|father|mom|mum|dad|"
    r"parents?|family|grandmother|grandfather)\b"
)
_MARKER = re.compile(r"(?i)(?:s/p|h/o|hx|h/x|pmh|psh|pmhx|history\s+of|status\s+post|known|"
                     r"prior|previous|previously|former)\b")
_PREP_BEFORE = re.compile(
    r"(?i)\b(?:at|in|on|from|after|during|with|by|of|for|following|before|since|into|"
    r"through)[ \t]+(?:(?:a|an|the|his|her|their|this|that|its)[ \t]+)?$"
)


def _narrative_sentence(text: str, finding: Finding, sents: Sequence[Sentence]) -> bool:
    """Whether the finding sits in a sentence about the person ("She has been seizure-free
    since ...") that says nothing of the disease outside the finding."""
    sentence = sentence_at(sents, finding.start)
    if sentence is None or not _NARRATIVE_START.match(text, label_end(text, sentence)):
        return False
    outside = (text[label_end(text, sentence):finding.start] + " "
               + text[finding.end:sentence.end])
    return not has_disease_words(outside)


def _clause_edit(text: str, finding: Finding, sents: Sequence[Sentence]) -> Edit | None:
    sentence = sentence_at(sents, finding.start)
    if sentence is None:
        return _removal(text, finding.start, finding.end, finding)
    segments = _segments(text, sentence)
    covered = [(s, e) for s, e in segments if s < finding.end and finding.start < e]
    if not covered:
        return _removal(text, finding.start, finding.end, finding)
    start, end = covered[0][0], covered[-1][1]
    f_start, f_end = finding.start, finding.end
    if _MARKER.fullmatch(text[f_start:f_end].strip()) or (
            _MARKER.match(text, f_start) and len(text[f_start:f_end].split()) <= 2):
        f_end = max(f_end, end)  # "s/p CABG", "h/o breast CA": the marker leads its clause
    outside = text[start:f_start] + " " + text[f_end:end]
    sentence_outside = (text[label_end(text, sentence):f_start] + " "
                        + text[f_end:sentence.end])
    if _NARRATIVE_START.match(text, label_end(text, sentence)) and not has_disease_words(
            sentence_outside):
        # "She passed away the next week", "The patient died before embolization"
        return _sentence_removal(text, sentence, finding)
    words = content_words(_strip_decoration(outside))
    if not words or (
            not has_disease_words(outside) and len(words) <= 3
            and not _AGE_PERSON.search(outside)):
        # the whole segment serves the finding: take it with its delimiter
        return _segment_removal(text, sentence, segments, covered, finding)
    # a trailing clause: "boy who fell off ...", "woman on warfarin", "..., and died"
    lead_at = _connector_before(text, start, f_start)
    lead = text[lead_at:f_start] if lead_at is not None else None
    cut_start = lead_at if lead_at is not None else f_start
    tail = text[f_end:end]
    if not content_words(_strip_decoration(tail)):
        if not lead:
            prep = _PREP_BEFORE.search(text, start, f_start)
            cut_start = prep.start() if prep else cut_start
        return _removal(text, cut_start, end, finding)
    if lead and re.match(r"(?i)[,;]?[ \t]*(?:who|which|that)\b", lead) and (
            _IMAGING_VERB.match(text, f_end) or text[f_end:f_end + 1] in ",;)"):
        # "a boxer who punched a wall shows ...": the relative clause goes, cleanly
        return _removal(text, cut_start, f_end, finding)
    prep = _PREP_BEFORE.search(text, start, f_start)
    if prep:  # "Gross specimen at autopsy shows": the preposition goes with its object
        return Edit(prep.start(), f_end, "", finding, clean=False)
    return Edit(cut_start if lead else f_start, f_end, "", finding, clean=False)


_AGE_PERSON = re.compile(r"(?i)\b(?:child|toddler|infant|newborn|neonate|adolescent|adult|"
                         r"elderly|young|fetus|teen(?:ager)?|boy|girl|man|woman|male|female|"
                         r"patient)s?\b|\d")


_PERSON_ONLY = re.compile(r"(?i)\b(?:" + "|".join(sorted(PERSON_WORDS)) + r")s?\b")


def _strip_decoration(text: str) -> str:
    return "".join(ch for ch in text if unicodedata.category(ch)[0] in "LNZP" or ch in "'’-")


def _segment_removal(text: str, sentence: Sentence, segments: list[tuple[int, int]],
                     covered: list[tuple[int, int]], finding: Finding) -> Edit:
    first = segments.index(covered[0])
    last = segments.index(covered[-1])
    if len(covered) == len(segments):
        return _sentence_removal(text, sentence, finding)
    if last + 1 < len(segments):
        # remove the segment(s) and the delimiter after them
        return _removal(text, covered[0][0], segments[last + 1][0], finding)
    # the last segment(s): remove the delimiter before them
    return _removal(text, segments[first - 1][1], covered[-1][1], finding)


def _sentence_removal(text: str, sentence: Sentence, finding: Finding | None) -> Edit:
    """Remove a sentence: with its line if it is alone on it, else with the space after it."""
    line = text[sentence.line_start:sentence.line_end]
    content_start = label_end(text, sentence)
    head = text[sentence.line_start:content_start if content_start > sentence.start
                else sentence.start]
    alone = not head.strip() and not text[sentence.end:sentence.line_end].strip()
    if alone and line.strip():
        start, end = sentence.line_start, sentence.line_end
        newline = re.match(r"\r\n|\r|\n", text[end:])
        if newline:
            end += newline.end()
        else:
            previous = re.search(r"(?:\r\n|\r|\n)$", text[:start])
            if previous:
                start = previous.start()
        return Edit(start, end, "", finding, capitalize=False)
    start, end = sentence.start, sentence.end
    if content_start > sentence.start and not text[sentence.line_start:sentence.start].strip():
        start = content_start
    space = re.match(r"[ \t]+", text[end:])
    if space and end + space.end() < sentence.line_end:
        end += space.end()
    elif start > sentence.line_start:
        lead = re.search(r"[ \t]+$", text[:start])
        if lead:
            start = lead.start()
    return Edit(start, end, "", finding, capitalize=False)


def _sentence_edit(text: str, finding: Finding, sents: Sequence[Sentence]) -> Edit | None:
    sentence = sentence_at(sents, finding.start)
    if sentence is None:
        return _removal(text, finding.start, finding.end, finding)
    outside = text[label_end(text, sentence):finding.start] + " " + text[finding.end:sentence.end]
    if has_disease_words(outside) and not _NARRATIVE_START.match(text, label_end(text, sentence)):
        return _clause_edit(text, finding, sents)
    return _sentence_removal(text, sentence, finding)


# ================================================================================= applying


@cache
def _anonymizer() -> Any:
    from presidio_anonymizer import AnonymizerEngine

    return AnonymizerEngine()


def apply_edits(text: str, edits: Sequence[Edit]) -> tuple[str, list[int]]:
    """Apply non-overlapping edits with presidio-anonymizer (``redact`` removes, ``replace``
    substitutes).  Returns the new text and the positions of the edits in it (where the tidy
    pass looks)."""
    if not edits:
        return text, []
    from presidio_anonymizer.entities import OperatorConfig, RecognizerResult

    results, operators = [], {}
    for index, edit in enumerate(edits):
        entity = f"CAPLINT_EDIT_{index}"
        results.append(RecognizerResult(entity_type=entity, start=edit.start, end=edit.end,
                                        score=1.0))
        operators[entity] = (OperatorConfig("replace", {"new_value": edit.replacement})
                             if edit.replacement else OperatorConfig("redact"))
    result = _anonymizer().anonymize(text, results, operators, merge_entities_with_spaces=False)
    points: list[int] = []
    for item in result.items:
        points.extend((item.start, item.end))
    return result.text, sorted(set(points))


# ------------------------------------------------------------------------------ tidying

_TIDY: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\([ \t]*[,;:]?[ \t]*\)|\[[ \t]*[,;:]?[ \t]*\]"), ""),   # empty brackets
    (re.compile(r"\([ \t]*[,;:][ \t]*"), "("),
    (re.compile(r"(?<![ \t])[ \t]*[,;:][ \t]*\)"), ")"),
    (re.compile(r"\([ \t]+"), "("),
    (re.compile(r"(?<![ \t])[ \t]+\)"), ")"),
    (re.compile(r"(?<![ \t])[ \t]*,(?:[ \t]*,)+"), ","),
    (re.compile(r"(?<![ \t])[ \t]*;(?:[ \t]*[;,])+"), ";"),
    (re.compile(r",[ \t]*;"), ";"),
    (re.compile(r":[ \t]*[,;][ \t]*"), ": "),  # "Got this one: , elderly patient"
    (re.compile(r"(?<![ \t])[ \t]*[,;:][ \t]*(?=[.!?](?:\s|$))"), ""),
    (re.compile(r"(?<![ \t])[ \t]*[,;][ \t]*(?=\r?\n|$)"), ""),
    (re.compile(r"(?<=[.!?])([ \t]+)[,;:](?=[ \t]|$)"), r"\1"),  # "480 g. : sudden" ("DOL 9:" gone)
    (re.compile(r"(?<![.])\.[ \t]*\.(?!\.)"), "."),
    (re.compile(r"(?<![ \t])[ \t]{2,}"), " "),
    (re.compile(r"(?<=[^:.!?\s])[ \t]+(?=[,.;:!?](?:\s|$|[^\w]))"), ""),
    (re.compile(r"(?<=\w)[ \t]+(?=[”’])"), ""),
    (re.compile(r"(?i)\b(?:in|at|on|of|for|from|with|by|during|after|into)[ \t]+"
                r"(?=(?:shows?|demonstrates?|reveals?|depicts?)\b)"), ""),
    (re.compile(r"(?<![ \t])[ \t]*[,;]([ \t]*[^\w\s,;.!?#]++)(?=[ \t]*(?:\r?\n|$))"), r"\1"),
    (re.compile(r"(?i)(?<![ \t])[ \t]+\b(?:for|from|in|at|on|to|of|by|near|into)[ \t]*"
                r"(?=[,.;:!?](?:\s|$))"), ""),
    (re.compile(r"(?<![ \t])[ \t]*(?:“[ \t]*”|‘[ \t]*’|\"[ \t]*\"|«[ \t]*»)"), ""),
    (re.compile(r"(?i)\b(?:obtained|acquired|performed|taken|done|imaged|scanned|[a-z]{1,30}ed)"
                r"[ \t]+"
                r"(?=(?:shows?|demonstrates?|reveals?|depicts?|confirms?)\b)"), ""),
    (re.compile(r"\b(?:[Tt]he|[Aa]n?)[ \t]+(?=(?:born|with|who|was|is|has|had|and|of|in|on|at|"
                r"to|shows?)\b|[.,;:!?])"), ""),
    (re.compile(r"(?<![ \t])[ \t]+\b(?:the|a|an)(?=[.,;:!?](?:\s|$))"), ""),
    (re.compile(r"(?<![ \t])[ \t]+(?=\r?\n|$)"), ""),
    (re.compile(r"(?:(?<=\n)|^)[ \t]+"), ""),
    (re.compile(r"(?i)(?<![ \t,;])[,;]?[ \t]*\b(?:and|or|but|then|with|who|which|whereas|while|"
                r"after)[ \t]*(?=[.;!?](?:\s|$)|\r?\n|$)"), ""),
    (re.compile(r"(?i),[ \t]*\b(?:and|or|but|then)[ \t]*,"), ","),
]
_LEADING_PUNCT = re.compile(r"[,;:]+[ \t]*")
_LEADING_CONNECTOR = re.compile(r"(?i)(?:and|or|but|then|with|who|which)\b[ \t]*")
_ARTICLE_FIX = re.compile(r"\b([Aa])(n?)([ \t]+)([\w-]+)")


def tidy(text: str, points: Iterable[int]) -> str:
    """Clean up around the edit ``points``: spaces, punctuation, brackets, articles, the
    capital at a sentence start, and sentences left without content."""
    points = sorted(set(points))
    if not points:
        return text
    for _ in range(6):
        before = text
        for pattern, replacement in _TIDY:
            text, points = _sub_near(pattern, replacement, text, points)
        text, points = _fix_starts(text, points)
        text, points = _fix_articles(text, points)
        if text == before:
            break
    text, points = _drop_empty_sentences(text, points)
    text, points = _fix_starts(text, points)
    return text


def _touches(points: Sequence[int], start: int, end: int) -> bool:
    return any(start <= p <= end for p in points)


def _replace(text: str, points: list[int], start: int, end: int,
             replacement: str) -> tuple[str, list[int]]:
    delta = len(replacement) - (end - start)
    moved = []
    for p in points:
        if p < start:
            moved.append(p)
        elif p > end:
            moved.append(p + delta)
        else:
            moved.extend((start, start + len(replacement)))
    return text[:start] + replacement + text[end:], sorted(set(moved))


def _sub_near(pattern: re.Pattern[str], replacement: str, text: str,
              points: list[int]) -> tuple[str, list[int]]:
    position = 0
    while True:
        match = pattern.search(text, position)
        if match is None:
            return text, points
        if match.end() == match.start():
            position = match.end() + 1
            if position > len(text):
                return text, points
            continue
        if _touches(points, match.start(), match.end()):
            text, points = _replace(text, points, match.start(), match.end(),
                                    match.expand(replacement))
            position = match.start()
        else:
            position = match.end()


def _fix_starts(text: str, points: list[int]) -> tuple[str, list[int]]:
    """At a sentence start next to an edit: no leading punctuation or connector, a capital."""
    for sentence in sentences(text):
        begin = _skip_symbols(text, label_end(text, sentence), sentence.end)
        if not _touches(points, sentence.start, begin + 1) and not _touches(
                points, begin, begin):
            continue
        space = " " if begin > sentence.start and text[begin - 1] not in " \t" else ""
        match = _LEADING_PUNCT.match(text, begin)
        if match and match.end() > begin:
            text, points = _replace(text, points, begin, match.end(), space)
            return _fix_starts(text, points)
        match = _LEADING_CONNECTOR.match(text, begin)
        if match and _touches(points, begin, begin):
            text, points = _replace(text, points, begin, match.end(), space)
            return _fix_starts(text, points)
        word = re.match(r"[^\W\d_][\w'’-]*", text[begin:])
        if (word and word.group(0)[0].islower() and _touches(points, begin, begin)
                and not re.search(r"[A-Z\d]", word.group(0)[1:])
                and _previous_sentence_capitalized(text, begin)):
            text = text[:begin] + text[begin].upper() + text[begin + 1:]
    for point in points:
        # "Adolescent. weight loss ...": a sentence start the splitter cannot see yet
        begin = _skip_symbols(text, point, len(text))
        word = re.match(r"[^\W\d_][\w'’-]*", text[begin:])
        if not word or not word.group(0)[0].islower() or re.search(r"[A-Z\d]", word.group(0)):
            continue
        before = text[:point].rstrip(" \t")
        if (before.endswith(("!", "?", "…")) or (before.endswith(".") and not re.search(
                r"(?:^|[\s(])(?:[A-Za-z]|" + "|".join(sorted(_ABBREVIATIONS)).replace(".", r"\.")
                + r")\.$", before, re.I))) and _previous_sentence_capitalized(text, begin):
            text = text[:begin] + text[begin].upper() + text[begin + 1:]
    return text, points


_FIRST_WORD = re.compile(r"(?<![#@\w])([^\W\d_])")


def _skip_symbols(text: str, position: int, end: int) -> int:
    """Past emoji, symbols and spaces at a sentence start ("📸 Pacemaker ...")."""
    while position < end and (text[position] in " \t\u200d\ufe0f"
                              or unicodedata.category(text[position])[0] == "S"
                              or unicodedata.category(text[position]) == "Mn"):
        position += 1
    return position


def _previous_sentence_capitalized(text: str, position: int) -> bool:
    """Authors who write in lower case keep their style: capitalize only if the caption's
    other sentences start with capitals."""
    firsts = []
    for sentence in sentences(text):
        if sentence.start <= position <= sentence.end:
            continue
        word = _FIRST_WORD.search(text, sentence.start, sentence.end)
        if word:
            firsts.append(word.group(1))
    if not firsts:
        return True
    return sum(c.isupper() for c in firsts) >= len(firsts) / 2


def _fix_articles(text: str, points: list[int]) -> tuple[str, list[int]]:
    for match in list(_ARTICLE_FIX.finditer(text)):
        if not _touches(points, match.start(), match.end()):
            continue
        wanted = _article_for(match.group(4))
        current = (match.group(1) + match.group(2)).lower()
        if current != wanted:
            article = _match_case(wanted, match.group(1))
            text, points = _replace(text, points, match.start(), match.start(3), article)
            return _fix_articles(text, points)
    return text, points


def is_empty_sentence(text: str, sentence: Sentence) -> bool:
    """A sentence with nothing of the disease or the case left: only function words, people
    words without an age group, punctuation, emoji."""
    body = text[label_end(text, sentence):sentence.end]
    if re.search(r"#\w", body):
        return False
    return _empty_prose(body)


_AGE_GROUP_WORDS = _words("child toddler infant newborn neonate adolescent adult elderly young "
                          "fetus teenager teen")


def _empty_prose(body: str) -> bool:
    words = re.findall(r"[^\W\d_][\w'’-]*", body)
    if not words:
        return not re.search(r"\d", body)
    if content_words(body):
        return False
    # "History: Elderly woman." keeps its age group and person: not empty
    return not ({w.lower() for w in words} & _AGE_GROUP_WORDS)


def _trailing_tags(text: str, begin: int, end: int) -> int | None:
    """Where the hashtags that end a sentence start ("... #pedsrad #neuro"), if it ends so."""
    cursor, found = end, None
    while cursor > begin:
        position = cursor
        while position > begin and text[position - 1] in " \t":
            position -= 1
        token_end = position
        while position > begin and not text[position - 1].isspace():
            position -= 1
        if not re.match(r"#\w", text[position:token_end]) or "#" in text[position + 1:token_end]:
            break
        cursor = found = position
    return found


def _drop_empty_sentences(text: str, points: list[int]) -> tuple[str, list[int]]:
    for sentence in reversed(sentences(text)):
        if not _touches(points, sentence.start, sentence.end):
            continue
        begin = label_end(text, sentence)
        tags = _trailing_tags(text, begin, sentence.end)
        if tags is not None and tags > begin and not re.search(r"#\w", text[begin:tags]):
            # "Cheer her on: #childhoodcancer": drop the words, keep the disease hashtags
            prose = text[begin:tags]
            if re.search(r"\w", prose) and _empty_prose(prose) and (
                    begin == sentence.start or not text[sentence.start:begin].strip()):
                text, points = _replace(text, points, begin, tags, "")
            continue
        if is_empty_sentence(text, sentence):
            edit = _sentence_removal(text, sentence, None)
            text, points = _replace(text, points, edit.start, edit.end, "")
    # a label left alone ("History:") or a line of only punctuation
    for sentence in reversed(sentences(text)):
        body = text[sentence.start:sentence.end]
        if _touches(points, sentence.start, sentence.end) and (
                _LABEL.fullmatch(body + " ") or not re.search(r"[\w#@]", body)):
            edit = _sentence_removal(text, sentence, None)
            text, points = _replace(text, points, edit.start, edit.end, "")
    # a line the edits left blank goes with its line break
    for start, end in reversed(_lines(text)):
        if text[start:end].strip(" \t") or not _touches(points, start, end) or (
                start == 0 and end == len(text)):
            continue
        newline = re.match(r"\r\n|\r|\n", text[end:])
        if newline:
            text, points = _replace(text, points, start, end + newline.end(), "")
        else:
            previous = re.search(r"(?:\r\n|\r|\n)$", text[:start])
            if previous:
                text, points = _replace(text, points, previous.start(), end, "")
    return text, points


# ================================================================================= fixing

#: captions longer than this are not fixed (a caption is a few hundred characters; Instagram
#: stops at 2,200): the fixer is not a document editor, and its work must stay bounded
MAX_FIX_CHARS = 20_000

#: lints a caption text (already masked and filtered by the caller)
LintFn = Callable[[str], list[Finding]]
#: spans of a caption text that no edit may touch (inline suppression comments)
ProtectFn = Callable[[str], list[tuple[int, int]]]


@dataclass
class FixResult:
    """The fixed text, the findings that were fixed, and the findings left in the fixed text."""

    text: str
    applied: list[Finding] = field(default_factory=list)
    remaining: list[Finding] = field(default_factory=list)
    rounds: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.applied)


def fix_text(text: str, findings: Iterable[Finding], doc: Any = None, force: bool = False,
             protected: Sequence[tuple[int, int]] = ()) -> tuple[str, list[Finding]]:
    """One round: plan edits for ``findings``, apply them, tidy.  Returns the new text and the
    findings whose edits were applied.  No edit touches a ``protected`` span."""
    edits = plan(text, findings, doc, force=force)
    if protected:
        edits = [e for e in edits
                 if not any(e.start < end and start < e.end for start, end in protected)]
    if not edits:
        return text, []
    new, points = apply_edits(text, edits)
    return tidy(new, points), [e.finding for e in edits if e.finding is not None]


def parse(nlp: Any, text: str) -> Any:
    """The caption's Doc for part-of-speech decisions (no NER: it is not read here)."""
    if nlp is None:
        return None
    skip = [name for name in ("ner", "lemmatizer") if name in getattr(nlp, "pipe_names", ())]
    return nlp(text, disable=skip) if skip else nlp(text)


def fix_loop(text: str, lint: LintFn, nlp: Any = None, unsafe: bool = False,
             max_rounds: int = 4, protect: ProtectFn | None = None) -> FixResult:
    """Lint, fix what is fixable, lint again, until nothing changes (at most ``max_rounds``):
    a fix may uncover another finding, and fixing the result again changes nothing."""
    result = FixResult(text)
    current = lint(text)
    if len(text) > MAX_FIX_CHARS:
        result.remaining = current
        return result
    for round_ in range(max_rounds):
        todo = [f for f in current if fixable(f, unsafe)]
        if not todo:
            break
        doc = parse(nlp, result.text)
        protected = protect(result.text) if protect is not None else ()
        new, applied = fix_text(result.text, todo, doc, protected=protected)
        if new == result.text:
            break
        result.text = new
        result.applied.extend(applied)
        result.rounds = round_ + 1
        current = lint(new)
    result.remaining = current
    return result


def fix_caption(linter: Any, text: str, unsafe: bool = False, max_rounds: int = 4) -> FixResult:
    """Fix one caption with ``linter``'s rules: the safe fixes, or all of them with
    ``unsafe``.  ``fix_caption(linter, fix_caption(linter, t).text).text`` is the same text."""
    return fix_loop(text, linter.lint, getattr(linter, "nlp", None), unsafe, max_rounds)


# ================================================================================= files


@dataclass
class FileFix:
    """The result of fixing one file: its text before and after, and how many findings the
    fixes removed."""

    path: str
    original: str
    text: str
    applied: int = 0
    #: findings left after fixing that only ``--unsafe-fixes`` would fix
    unsafe_left: int = 0

    @property
    def changed(self) -> bool:
        return self.text != self.original


class _Masker:
    """Blanks inline suppression comments out of a caption (as the linter sees it) and keeps
    edits away from them, however the text around them changes."""

    def __init__(self, comments: Sequence[str]) -> None:
        self.comments = sorted({c for c in comments if c}, key=len, reverse=True)

    def spans(self, text: str) -> list[tuple[int, int]]:
        found: list[tuple[int, int]] = []
        for comment in self.comments:
            start = text.find(comment)
            while start >= 0:
                found.append((start, start + len(comment)))
                start = text.find(comment, start + len(comment))
        return found

    def mask(self, text: str) -> str:
        spans = self.spans(text)
        if not spans:
            return text
        chars = list(text)
        for start, end in spans:
            for index in range(start, end):
                if chars[index] not in "\r\n":
                    chars[index] = " "
        return "".join(chars)


def fix_source(linter: Any, source: Any, config: Any, unsafe: bool = False,
               rewrite: bool = False, max_rounds: int = 4) -> FileFix:
    """Fix every caption of a :class:`~caplint.sources.SourceFile` and write the results back
    into its text (everything outside the captions is kept byte for byte).

    Findings of rules that the file's ``per-file-ignores`` or any valid inline suppression in
    the file names are never fixed, and no edit touches a suppression comment.  ``rewrite``
    applies the disease-focused rewrite (see :mod:`caplint.rewrite`) instead of the per-finding
    fixes."""
    from . import suppressions
    from .config import rule_matches
    from .configfile import ignored_for

    comments = suppressions.find_comments(source)
    parsed = suppressions.parse(source, comments, linter.ruleset.rules,
                                allowed=config.allow_suppressions,
                                forbidden_by=str(config.source or "the configuration"))
    keys = [k for s in parsed if s.problem is None and s.action != "enable" for k in s.keys]
    keys.extend(ignored_for(config, source.path))

    def allowed(finding: Finding) -> bool:
        return not (keys and rule_matches(finding, keys))

    by_caption: dict[int, list[str]] = {}
    for comment in comments:
        if comment.caption is not None and comment.caption_span is not None:
            start, end = comment.caption_span
            text = source.captions[comment.caption].text
            by_caption.setdefault(comment.caption, []).append(text[start:end])
    nlp = linter.nlp
    new_texts, applied, unsafe_left = [], 0, 0
    for index, caption in enumerate(source.captions):
        masker = _Masker(by_caption.get(index, ()))

        def lint(text: str, masker: _Masker = masker) -> list[Finding]:
            return [f for f in linter.lint(masker.mask(text)) if allowed(f)]

        if rewrite:
            from .rewrite import rewrite_loop

            result = rewrite_loop(caption.text, lint, nlp, protect=masker.spans)
        else:
            result = fix_loop(caption.text, lint, nlp, unsafe, max_rounds, protect=masker.spans)
        new_texts.append(result.text)
        applied += len(result.applied)
        unsafe_left += sum(1 for f in result.remaining if fixable(f, True) and not fixable(f))
    text = source.with_captions(new_texts) if any(
        new != caption.text for new, caption in zip(new_texts, source.captions, strict=True)
    ) else source.text
    return FileFix(source.path, source.text, text, applied, unsafe_left)


def unified_diff(path: str, before: str, after: str) -> str:
    """A unified diff of one file's fix (``--- a/path``, ``+++ b/path``), line endings kept."""
    import difflib

    lines = difflib.unified_diff(before.splitlines(keepends=True),
                                 after.splitlines(keepends=True),
                                 fromfile=f"a/{path}", tofile=f"b/{path}")
    out = []
    for line in lines:
        if not line.endswith(("\n", "\r")):
            line += "\n\\ No newline at end of file\n"
        out.append(line)
    return "".join(out)


def worst(findings: Iterable[Finding]) -> str | None:
    """The highest severity among ``findings`` (None if there are none)."""
    ranked = sorted(findings, key=lambda f: SEVERITY_RANK.get(f.severity, 0), reverse=True)
    return ranked[0].severity if ranked else None
