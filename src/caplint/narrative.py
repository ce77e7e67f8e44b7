"""Narrative detectors: the patient's *story* told apart from statements about the disease.

Word lists cannot tell "she fell off the monkey bars at recess" (the patient's history) from "the
signal falls off" (physics), or "he died two days later" (an outcome) from "most patients die
without treatment" (the disease's usual course).  The parse can: these detectors read the lemma,
part of speech, dependency arcs and sentence of each token of the Doc the linter already built for
the caption (they never run the pipeline again), and yield character spans for the rule that names
them in ``rules/history.yaml`` or ``rules/outcome.yaml``.

Three questions recur:

* *Is this an event?*  A verb from a small set of event lemmas (``fall``, ``trip``, ``crash``...)
  **or** any past-tense verb with the patient as subject and a motion preposition with a concrete
  object ("toppled from a ladder"), so verbs nobody listed are caught by their shape.
* *Whose story is it?*  The subject (followed up through ``conj``/``xcomp``/``relcl``/``after``
  chains) must be a person or absent (a caption fragment), never a lesion, a signal or a technique.
* *Is it one patient or patients in general?*  Plural or quantified subjects ("most patients",
  "children"), modal verbs ("may", "can") and habitual adverbs ("usually", "typically") make a
  general statement; so does a present-tense verb whose subject is indefinite ("a child recovers").

All word sets are built once at import.  Every detector is a plain function of ``(ctx, rule)``
registered with :func:`caplint.detectors.detector`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import cache, wraps
from typing import TYPE_CHECKING, Any

from .detectors import Context, detector, gazetteer, span_filter
from .lexicons import fold

if TYPE_CHECKING:
    from pathlib import Path

    from .detectors import Gazetteer
    from .rules import Rule

Token = Any  # spacy.tokens.Token (not imported: this module never imports spaCy)
Span = tuple[int, int]


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# --------------------------------------------------------------------------------------- words

#: Nouns (lemmas, lower case) that name a person: the patient or someone in the story.
PERSON_NOUNS = _words("""
patient pt boy girl child kid infant baby neonate newborn toddler adolescent teen teenager youth
man woman male female gentleman lady adult individual person victim student athlete player
soldier veteran driver passenger pedestrian cyclist rider twin son daughter mother father mom
dad parent sibling brother sister husband wife spouse grandmother grandfather grandparent
worker pilot nurse runner skier swimmer diver climber gymnast jockey farmer sailor marine
""")
PERSON_PRONOUNS = frozenset({"he", "she", "i", "we", "who", "they", "him", "her"})
#: Relatives: a relative's report or fate is family or social history.
RELATIVES = _words("""
mother father mom mum dad parent parents grandmother grandfather grandparent grandparents grandma
grandpa brother sister sibling siblings twin aunt uncle cousin family wife husband spouse partner
son daughter caregiver guardian girlfriend boyfriend fiance fiancee roommate
""")
_POSSESSIVES = frozenset({"his", "her", "their", "its", "'s", "’s", "patient", "pt"})
#: Determiners and adjectives that make a subject general ("most patients").
QUANTIFIERS = _words("""
most many some all few several these those such any every each various numerous majority
""")
MODALS = frozenset({"may", "might", "can", "could", "will", "would", "should", "must", "shall",
                    "ca", "wo"})
HABITUAL = _words("""
usually typically generally often commonly frequently rarely normally mostly sometimes
occasionally invariably always seldom classically characteristically eventually_all
""")

#: Verbs of an injury event: falls, collisions, assaults, bites, burns.  The shape test below
#: catches verbs not listed here; this list catches listed ones even without a preposition.
EVENT_VERBS = _words("""
fall trip slip crash collide tumble topple plunge jump dive flip skid drown choke crush kick bite
strike hit eject injure hurt twist stab assault attack beat punch burn scald electrocute impale
tackle wreck overturn roll land throw hang swallow ingest aspirate sustain maul trample gore
""")
INGESTION_VERBS = frozenset({"swallow", "ingest", "aspirate", "inhale", "eat", "drink"})
SWALLOWED_FOR_IMAGING = frozenset({"contrast", "barium", "gastrografin", "water", "tablet",
                                   "pill", "medication", "capsule", "meal", "food", "dye"})
#: Prepositions and particles that give an event its physical circumstance.
MOTION_PREPS = _words("""
off from onto into down over out through against under on by while at during in with across
""")
#: Prepositions a past-tense verb needs to be read as an unlisted event verb ("toppled from").
SHAPE_PREPS = frozenset({"off", "from", "onto", "into", "down", "over", "through", "against",
                         "under", "out"})
#: Verbs that are clinical or administrative, never an injury event, whatever their shape.
CLINICAL_VERBS = _words("""
present come report complain deny develop undergo receive show demonstrate reveal have be do get
refer admit transfer discharge diagnose treat evaluate see find note follow suffer require start
begin stop continue return recover improve resolve remain become seem appear recur progress
spread extend arise originate derive result differ range vary measure obtain perform take give
remove resect drain place insert suffer benefit emerge go move pass die expire succumb perish
survive heal worsen work live stay visit travel
""")
#: Event nouns: "after a fall from a window", "following a motor vehicle collision".
EVENT_NOUNS = _words("""
fall crash collision accident wreck rollover mva mvc mvi assault altercation fight beating
stabbing drowning tackle blow kick mishap ejection ingestion hit impact jump dive gsw gunshot
manipulation
""")
#: What an event noun may hang from: "after a fall", "s/p MVC", "involved in a crash",
#: "leading to a fall".
EVENT_NOUN_HEADS = frozenset({"after", "following", "from", "during", "in", "post", "since",
                              "sustain", "suffer", "have", "experience", "involve", "follow",
                              "before", "with", "to"})
#: Injury nouns that tell a story only with a mechanism: "gunshot wound", "dog bite injury",
#: "stab wound" (not "brain injury" or "trauma", which is what the images need).
WOUND_NOUNS = frozenset({"wound", "injury", "laceration", "victim", "trauma", "burn"})
MECHANISMS = EVENT_NOUNS | _words("""
gunshot gsw stab knife dog horse flame crush sport sports football soccer hockey ski skiing
bicycle bike motorcycle motorbike trampoline playground diving
""")
_SP_PREFIX = ("s/p", "status post", "s\\p")
#: Nouns that make a prepositional phrase a circumstance of the story ("at recess").
CIRCUMSTANCES = _words("""
recess party game practice match tournament trip vacation holiday wedding picnic camp sleepover
school playground pool beach park concert festival gym daycare race competition hike parade fair
carnival rodeo barbecue reunion prom graduation funeral sleepover skatepark trampoline club bar
""")
#: "while ..." activities that describe a symptom, not a story ("pain while walking").
SYMPTOM_ACTIVITIES = _words("""
walk eat sleep rest lie sit stand breathe swallow look read drive take receive undergo await
wait be have get urinate void chew cough talk bend exercise run climb
""")
#: Conveyances and people who bring a patient in: "brought in by ambulance".
CONVEYANCES = _words("""
ambulance helicopter ems paramedic paramedics medic medics police helicopter air airlift
bystander bystanders firefighter firefighters medevac neighbor neighbour friend coworker
colleague teammate coach teacher passerby stranger caretaker babysitter nanny
""") | RELATIVES
ARRIVAL_VERBS = frozenset({"bring", "rush", "carry", "airlift", "fly", "transport", "evacuate",
                           "medevac", "drive", "helicopter", "find", "transfer", "take"})
ARRIVAL_PLACES = frozenset({"ed", "er", "emergency", "hospital", "department", "trauma", "bay",
                            "institution", "center", "centre", "unit", "facility"})

_AGE_SHORTHAND = re.compile(r"^(?:\d{1,3}\s?(?:yo|y/o|y\.o\.|[MF])|[A-Z]\.[A-Z]\.?)$")

# outcome words
DEATH_VERBS = frozenset({"die", "expire", "succumb", "perish", "pass"})
RECOVERY_VERBS = frozenset({"recover", "survive", "improve", "heal", "recuperate", "convalesce"})
WELL_WORDS = frozenset({"well", "fine", "great", "asymptomatic", "alive", "healthy", "free",
                        "symptom-free", "disease-free", "tumor-free", "tumour-free", "cured",
                        "seizure-free", "pain-free", "independent", "ambulatory", "ned"})
#: "is well", "was alive": with "be" only these (the "-free" words are rules/outcome.yaml's).
BE_WELL_WORDS = frozenset({"well", "asymptomatic", "alive", "healthy", "fine"})
#: What an outcome span takes from the verb's right: "died two days later", "was discharged
#: home", "recovered uneventfully" (not its prepositional phrases, which other rules may own).
_OUTCOME_DEPS = frozenset({"prt", "advmod", "npadvmod", "acomp", "oprd", "neg"})


# --------------------------------------------------------------------------------------- helpers


def _lemma(token: Token) -> str:
    return token.lemma_.lower()


def _for_last_doc(function):
    """Keep ``function(doc)`` for the last Doc seen: the rules of a caption all read the same
    Doc, one after the other, so what several of them need is computed once per caption."""
    last: list[Any] = []

    @wraps(function)
    def wrapper(doc: Any) -> Any:
        if last and last[0] is doc:
            return last[1]
        value = function(doc)
        last[:] = [doc, value]
        return value

    return wrapper


@_for_last_doc
def _doc_tokens(doc: Any) -> list[Token]:
    """The Doc's tokens as a list: spaCy builds a new Token object on every iteration, and a
    dozen detectors walk the same Doc (measured: a sixth of lint time went to creating Token
    objects)."""
    return list(doc)


def _span(tokens: Iterable[Token]) -> Span:
    tokens = list(tokens)
    return tokens[0].idx, max(t.idx + len(t.text) for t in tokens)


def _subject(token: Token) -> Token | None:
    """The subject of ``token``'s clause, followed up through coordinated and embedded verbs,
    relative clauses ("the boy who fell" → boy) and "after ...ing" phrases.

    A subject found by following the chain is a guess from the parse ("the diagnosis was
    established ... did well" attaches "did well" to "diagnosis"): it is returned only when it
    names a person, and is otherwise treated as missing."""
    current = token
    for depth in range(6):
        found = None
        for child in current.children:
            if child.dep_ in ("nsubj", "nsubjpass", "csubj"):
                found = child
                if child.lower_ in ("that", "which") and current.dep_ == "relcl":
                    found = current.head
                break
        if found is None and current.dep_ == "relcl":
            found = current.head
        if found is not None and (_is_label(found) or not found.text[:1].isalnum()):
            return None  # "History: fell ...": a line label; "🎄, swallowed ...": an emoji
        if found is not None:
            return found if depth == 0 or is_person(found) else None
        if current.dep_ in ("conj", "xcomp", "pcomp", "prep", "advcl", "acl") \
                and current.head is not current:
            current = current.head
            continue
        return None
    return None


def _is_label(token: Token) -> bool:
    """A line label such as "History:" or "Hx:" (the word before a colon)."""
    doc = token.doc
    return token.i + 1 < len(doc) and doc[token.i + 1].text == ":" and token.n_lefts == 0


def is_person(token: Token) -> bool:
    """Whether ``token`` names a person: a pronoun, a person noun, an age-and-sex shorthand
    ("13F", "3yo"), initials ("J.D.") or a capitalized name the tagger calls a proper noun."""
    if token.lower_ in PERSON_PRONOUNS or _lemma(token) in PERSON_NOUNS \
            or token.lower_ in PERSON_NOUNS or _AGE_SHORTHAND.match(token.text):
        return True
    # a name: the NER label alone is not enough (it calls "Denies Hx" and "Pus" a PERSON), so
    # a known first name ("Sofia beat it") or a word after a title ("Mrs. Okonkwo fell")
    if token.pos_ != "PROPN" or not token.text[:1].isupper() or token.text.isupper():
        return False
    if token.lower_ in _first_names() or fold(token.lower_) in _first_names():
        return True
    previous = token.doc[token.i - 1] if token.i > 0 else None
    return previous is not None and previous.lower_.rstrip(".") in _TITLES


_TITLES = frozenset({"mr", "mrs", "ms", "miss", "mx", "dr", "baby"})


@cache
def _lexicon_if_present(path: Path) -> Gazetteer:
    """The folded entries of a lexicon file (the set the gazetteer rules read, not a second
    copy), or none when the file is absent (a user's pack may not have it)."""
    from .detectors import _gazetteer

    return _gazetteer(path) if path.is_file() else frozenset()


@cache
def _first_names() -> Gazetteer:
    from .paths import bundled_rules_dir

    return _lexicon_if_present(bundled_rules_dir() / "lexicons" / "first-names.txt")


def _quantified(noun: Token) -> bool:
    return noun.lower_ in QUANTIFIERS or any(
        child.lower_ in QUANTIFIERS for child in noun.children if child.dep_ in ("det", "amod"))


def _verb_chain(verb: Token) -> Iterator[Token]:
    """The verb and the verbs it is coordinated with or embedded in (to find modals/adverbs)."""
    current = verb
    for _ in range(4):
        yield current
        if current.dep_ in ("conj", "xcomp") and current.head is not current:
            current = current.head
        else:
            return


def _modal_or_habitual(verb: Token) -> bool:
    """"may require", "is usually treated": a modal or habitual word on the verb chain."""
    return any((child.dep_ == "aux" and child.lower_ in MODALS)
               or (child.dep_ == "advmod" and child.lower_ in HABITUAL)
               for link in _verb_chain(verb) for child in link.children)


def is_general_statement(verb: Token, subject: Token | None) -> bool:
    """Whether ``verb`` states what happens in general, not what happened to this patient.

    General: a modal ("may die"), a habitual adverb ("usually resolves"), a plural or quantified
    subject ("most patients recover", "children do well"), or a present-tense verb whose subject
    is indefinite or absent ("a child recovers fully").
    """
    for link in _verb_chain(verb):
        for child in link.children:
            if child.dep_ == "aux" and child.lower_ in MODALS:
                return True
            if child.dep_ == "advmod" and child.lower_ in HABITUAL:
                return True
    if subject is not None:
        if subject.tag_ in ("NNS", "NNPS") or _quantified(subject):
            return True
        if subject.lower_ in ("they", "it", "this", "these"):
            return True
    has_aux = any(c.dep_ in ("aux", "auxpass") for c in verb.children)
    if verb.tag_ in ("VBZ", "VBP") and not has_aux:
        indefinite = subject is None or any(
            c.lower_ in ("a", "an", "any", "every", "each") for c in subject.children)
        if indefinite:
            return True
    return False


#: Words that make the rest of a sentence a statement of what happens in general: the habitual
#: adverbs, "most" ("most children are walking again by 6 weeks") and the modals but "will" and
#: "can" ("she will need a transplant", "he can run again" are this patient's course).
_HEDGES = (MODALS - {"will", "wo", "can", "ca", "could"}) | HABITUAL | {"most", "majority"}
_SENTENCE_BREAKS = ".!?;\n"


@span_filter("not_hedged")
def not_hedged(caption: str, start: int, end: int, rule: Any) -> bool:
    """The match is not in a hedged statement: no modal or habitual word between the start of
    its sentence and the match ("repair follows stabilization, sometimes on ECMO", "severe
    cases may be placed on ECMO")."""
    begin = max(caption.rfind(mark, 0, start) for mark in _SENTENCE_BREAKS) + 1
    words = re.findall(r"[A-Za-z]+", caption[begin:start])
    return not any(word.lower() in _HEDGES for word in words)


def _patient_subject(verb: Token, *, allow_missing: bool = True) -> bool:
    """A person (or, in a fragment, nobody) is the subject, and it is not a general statement."""
    subject = _subject(verb)
    if subject is None:
        if not allow_missing:
            return False
    elif not is_person(subject):
        return False
    return not is_general_statement(verb, subject)


def _right_edge(head: Token, deps: frozenset[str], limit: int) -> int:
    """Index of the last token of ``head``'s right-hand dependents of the given kinds, stopping
    at a coordinated clause ("... and died") and at ``limit`` tokens."""
    end = head.i
    for child in head.rights:
        if child.dep_ in ("cc", "conj", "punct", "relcl", "appos"):
            break
        if child.dep_ in deps:
            end = max(end, child.right_edge.i)
    sentence_end = head.sent.end - 1
    end = min(end, sentence_end, head.i + limit)
    return end


def _left_start(verb: Token) -> int:
    """Include the auxiliaries and negation just before a verb ("was brought", "did not")."""
    start = verb.i
    for child in verb.lefts:
        if child.dep_ in ("aux", "auxpass", "neg") and child.i >= verb.i - 3:
            start = min(start, child.i)
    return start


def _tokens(doc: Any, start: int, end: int) -> Span:
    """Characters of tokens ``start``..``end`` in either order (the verb may come before its
    subject: "..., said his mother")."""
    if end < start:
        start, end = end, start
    return _span(doc[start:end + 1])


def _governor(token: Token) -> Token | None:
    """The preposition that introduces ``token`` ("after" in "after falling"), if any."""
    head = token.head
    if token.dep_ in ("pcomp", "pobj") and (head.dep_ == "prep" or head.pos_ == "ADP"):
        return head
    return None


# --------------------------------------------------------------------------------------- history


def _is_event_verb(token: Token) -> bool:
    if token.pos_ != "VERB":
        return False
    following = token.nbor(1) if token.i + 1 < len(token.doc) else None
    if following is not None and following.text == "-" and not token.whitespace_:
        return False  # "punched-out lesions", "fall-related"
    lemma = _lemma(token)
    if lemma in CLINICAL_VERBS:
        return False
    preps = {c.lower_ for c in token.children if c.dep_ in ("prep", "prt", "agent")}
    if lemma == "run":  # "was run over by a car", not "ran a shop"
        return "over" in preps or any(c.dep_ == "agent" for c in token.children)
    if lemma in INGESTION_VERBS:  # "swallowed a button battery", not "swallowed contrast"
        return any(c.dep_ == "dobj" and _lemma(c) not in SWALLOWED_FOR_IMAGING
                   for c in token.children) or bool(preps & MOTION_PREPS)
    if lemma in EVENT_VERBS:
        # a listed event verb still needs a circumstance or an agent ("fell off", "was hit by"),
        # or to be the story itself ("after falling", "s/p being kicked")
        return bool(preps & MOTION_PREPS) or _governor(token) is not None or any(
            c.dep_ == "advcl" for c in token.children)
    # an unlisted verb: past tense, a person as subject, a motion preposition with an object
    if token.tag_ not in ("VBD", "VBN"):
        return False
    subject = _subject(token)
    if subject is None or not is_person(subject):
        return False
    return any(c.dep_ in ("prep", "prt") and c.lower_ in SHAPE_PREPS
               and any(g.dep_ == "pobj" for g in c.children) for c in token.children)


@detector("injury_story")
def injury_story(ctx: Context, rule: Rule) -> Iterator[Span]:
    """How the injury happened: an event verb or event noun with its circumstances
    ("fell off the monkey bars at recess", "after a fall from a second-story window",
    "was kicked by a horse", "toppled from a ladder").  Not "presented with limp"."""
    doc = ctx.doc
    if doc is None:
        return
    for token in _doc_tokens(doc):
        if _is_event_verb(token):
            subject = _subject(token)
            if subject is not None and not is_person(subject):
                continue
            if is_general_statement(token, subject):
                continue
            governor = _governor(token)
            start = governor.i if governor is not None else _left_start(token)
            yield _tokens(doc, start, _verb_phrase_end(token))
        elif token.pos_ in ("NOUN", "PROPN") and _is_event_noun(token):
            head = token.head
            after_sp = _after_status_post(ctx.text, token)
            if token.dep_ not in ("pobj", "dobj", "nsubj", "nsubjpass", "conj", "appos", "ROOT",
                                  "attr") and not after_sp:
                continue
            wound = _lemma(token) not in EVENT_NOUNS  # "gunshot wound": the mechanism is named
            if _lemma(head) not in EVENT_NOUN_HEADS and not _has_circumstance(token) \
                    and not after_sp and not wound:
                continue
            if _lemma(token) == "fall" and any(c.dep_ == "prep" and c.lower_ in ("in", "of")
                                               for c in token.children):
                continue  # "a fall in hemoglobin"
            start = _modifiers_start(token)
            if head.pos_ == "ADP" and head.i < token.i and not after_sp:
                start = head.i
            yield _tokens(doc, _trim_names(doc, start, token.i), token.i)


# Spans are kept short on purpose: the verb with its particle and preposition ("fell off",
# "was kicked by", "after falling from"), the event noun with its modifiers ("after a motor
# vehicle collision").  Overlapping findings of one tier are resolved to the longest span
# (docs/design.md), so a span that took in the whole clause would hide a HIGH_PROFILE cue
# inside it, including one from a department's own pack ("hurt in the Riverfest collapse").


def _verb_phrase_end(verb: Token) -> int:
    """The verb, its particles and the preposition or agent word right after it."""
    end = verb.i
    for child in verb.rights:
        if child.dep_ in ("prt", "neg") and child.i <= end + 1:
            end = child.i
        elif child.dep_ in ("prep", "agent") and child.i <= end + 1:
            end = child.i
            break
        else:
            break
    return end


def _trim_names(doc: Any, start: int, end: int) -> int:
    """Move ``start`` past any capitalized word before ``end``: a name inside the phrase ("the
    Riverfest festival") is left for rules that name it (a department's own pack)."""
    for i in range(end - 1, start, -1):
        word = doc[i]
        if word.text[:1].isupper() and not word.is_sent_start and word.pos_ != "DET":
            return end
    return start


def _is_event_noun(token: Token) -> bool:
    lemma = _lemma(token)
    if lemma in EVENT_NOUNS:
        return True
    return lemma in WOUND_NOUNS and any(
        c.dep_ in ("compound", "amod", "nmod") and (_lemma(c) in MECHANISMS or c.lower_ in
                                                    MECHANISMS) for c in token.children)


def _modifiers_start(token: Token) -> int:
    """The first of the words just before ``token`` that modify it ("motor vehicle accident"),
    not reaching back over "status post" or the patient."""
    start = token.i
    doc = token.doc
    while start > 0:
        prev = doc[start - 1]
        if prev.dep_ not in ("compound", "amod", "nmod", "nummod", "punct", "det") \
                or prev.lower_ in ("post", "p", "s", "/", "status", "\\") or is_person(prev) \
                or not (token.left_edge.i <= prev.i):
            break
        start -= 1
    while start < token.i and doc[start].dep_ == "punct":
        start += 1
    return start


def _after_status_post(text: str, token: Token) -> bool:
    """Whether the noun phrase of ``token`` follows "s/p" or "status post" closely."""
    begin = _modifiers_start(token)
    before = text[max(0, token.doc[begin].idx - 14):token.doc[begin].idx].lower()
    return any(prefix in before for prefix in _SP_PREFIX)


def _has_circumstance(token: Token) -> bool:
    return any(c.dep_ in ("prep", "advcl") and (
        c.lower_ in ("while", "at", "during", "from", "off", "on")
        or any(m.lower_ == "while" for m in c.children)) for c in token.children)


@detector("story_circumstance")
def story_circumstance(ctx: Context, rule: Rule) -> Iterator[Span]:
    """Where or during what the event happened: "at recess", "at a birthday party",
    "during a football game", "on a fishing trip", "while skiing" — not "pain while walking"."""
    doc = ctx.doc
    if doc is None:
        return
    for token in _doc_tokens(doc):
        lower = token.lower_
        if token.dep_ == "prep" and lower in ("at", "during", "on", "in"):
            objects = [c for c in token.children if c.dep_ == "pobj"]
            if not objects:
                continue
            obj = objects[0]
            words = {_lemma(obj), obj.lower_} | {_lemma(c) for c in obj.children
                                                   if c.dep_ == "compound"}
            if not words & CIRCUMSTANCES:
                continue
            if lower == "in" and _lemma(obj) not in ("game", "match", "tournament", "race"):
                continue
            if lower == "on" and _lemma(obj) not in ("trip", "vacation", "holiday", "trampoline",
                                                    "playground", "field"):
                continue
            if _lemma(obj) == "trampoline" and lower == "on":
                continue  # "jumping on a trampoline" is the event, reported by injury_story
            yield _tokens(doc, _trim_names(doc, token.i, obj.i), obj.i)
        elif lower == "while" and token.dep_ == "mark":
            verb = token.head
            gerund = verb.tag_ == "VBG" or (verb.pos_ == "NOUN" and verb.lower_.endswith("ing"))
            if not gerund or _lemma(verb) in SYMPTOM_ACTIVITIES \
                    or verb.lower_[:-3] in SYMPTOM_ACTIVITIES:
                continue
            if _lemma(verb.head) in SYMPTOM_VERBS_HEADS:
                continue
            end = _right_edge(verb, frozenset({"dobj", "prep", "prt", "advmod", "npadvmod"}), 10)
            yield _tokens(doc, token.i, end)


#: A "while ..." clause under these verbs describes a symptom ("pain worse while skiing"?
#: no: "complains of pain while ...").  Kept small on purpose.
SYMPTOM_VERBS_HEADS = frozenset({"complain", "report", "note", "experience", "feel", "describe",
                                 "worsen", "improve", "occur", "present"})


#: Relatives that name the patient when they stand alone ("twin B", "a son of"): these are the
#: patient's relatives only with a possessive ("the patient's twin").
_OWNED_ONLY = frozenset({"twin", "son", "daughter", "partner", "spouse", "wife", "husband",
                         "guardian", "caregiver", "roommate", "girlfriend", "boyfriend"})


def _owned(noun: Token) -> bool:
    return any(c.dep_ == "poss" and (c.lower_ in _POSSESSIVES or is_person(c))
               for c in noun.children)


def is_relative(noun: Token) -> bool:
    """A relative of the patient: "his mother", "the patient's twin", or, since a caption is
    about one patient, a bare "older brother" or "Father Kevin"; not "the mother of all
    fractures", "a sister lesion" or "conjoined twins" (the patients themselves)."""
    lemma = _lemma(noun)
    if lemma not in RELATIVES and noun.lower_ not in RELATIVES:
        return False
    if _owned(noun):
        return True
    if lemma in _OWNED_ONLY or noun.lower_ in ("twins", "sons", "daughters"):
        return False
    if noun.dep_ in ("compound", "amod", "nmod") or noun.pos_ not in ("NOUN", "PROPN"):
        return False  # "sister chromatid", "family history" (rules/history.yaml has that)
    articles = {c.lower_ for c in noun.children if c.dep_ == "det"}
    if articles & {"a", "an", "this", "that", "all", "each", "every"}:
        return False
    return not articles or noun.lower_ in ("family", "parents")


#: A relative who consents or asks ("her mom asked us to share", "the family has given us
#: permission") is not telling the history.
CONSENT_VERBS = frozenset({"ask", "give", "consent", "allow", "permit", "agree", "share", "want",
                           "wish", "thank", "request", "approve", "let"})


@detector("relative_story")
def relative_story(ctx: Context, rule: Rule) -> Iterator[Span]:
    """A relative as the teller or subject of the story: "his mother reports", "her parents
    noticed", "his mother died of lung cancer", "according to his father"."""
    doc = ctx.doc
    if doc is None:
        return
    for token in _doc_tokens(doc):
        if not is_relative(token):
            continue
        owned = _owned(token)
        bare = True
        verb = token.head
        if token.dep_ in ("nsubj", "nsubjpass") and verb.pos_ in ("VERB", "AUX") \
                and _lemma(verb) not in CONSENT_VERBS:
            # the relative and the verb only ("his mother reports"): a short span does not hide
            # an outcome or a high-profile cue in the rest of the clause when overlaps resolve
            end = max([verb.i] + [c.i for c in verb.children
                                  if c.dep_ in ("prt", "neg") and c.i > verb.i])
            start = token.left_edge.i if owned else token.i
            # ("..., said his mother": the verb comes first, the span still ends on the relative)
            yield _tokens(doc, min(start, verb.i), max(end, token.i))
        elif any(c.dep_ == "relcl" and _lemma(c) not in CONSENT_VERBS and any(
                g.dep_ in ("nsubj", "nsubjpass") and g.lower_ in ("who", "that")
                for g in c.children) for c in token.children) and (owned or bare):
            # "three siblings who had the same findings", "a brother who died of it"
            clause = next(c for c in token.children if c.dep_ == "relcl")
            yield _tokens(doc, token.left_edge.i if owned else token.i, clause.i)
        elif token.dep_ not in ("pobj", "compound") and any(
                c.dep_ == "prep" and c.lower_ == "with" for c in token.children):
            # "mother with poorly controlled diabetes", "a brother with cardiomyopathy"
            prep = next(c for c in token.children if c.dep_ == "prep" and c.lower_ == "with")
            end = min(prep.right_edge.i, token.i + 8)
            yield _tokens(doc, token.left_edge.i if owned else token.i, end)
        elif token.dep_ == "pobj" and token.head.lower_ in ("to", "per", "by") and (
                token.head.lower_ == "per"
                or (token.head.head is not None and _lemma(token.head.head) == "accord")):
            start = token.head.head.i if token.head.lower_ == "to" else token.head.i
            yield _span(doc[start:token.i + 1])


@detector("arrival_story")
def arrival_story(ctx: Context, rule: Rule) -> Iterator[Span]:
    """How the patient arrived: "was brought in by ambulance", "was airlifted to a trauma
    center", "was found down by her roommate", "brought to the ED by his parents"."""
    doc = ctx.doc
    if doc is None:
        return
    for token in _doc_tokens(doc):
        if token.pos_ != "VERB":
            continue
        lemma = _lemma(token)
        by_whom = [g for c in token.children if c.dep_ in ("agent", "prep") and c.lower_ in (
            "by", "via") for g in c.children if g.dep_ == "pobj"
            and (g.lower_ in CONVEYANCES or _lemma(g) in CONVEYANCES
                 or any(_lemma(m) in CONVEYANCES for m in g.children if m.dep_ == "compound"))]
        to_where = [g for c in token.children if c.dep_ == "prep" and c.lower_ in ("to", "into")
                    for g in c.children if g.dep_ == "pobj" and (
                        g.lower_ in ARRIVAL_PLACES or _lemma(g) in ARRIVAL_PLACES)]
        if lemma in ("present", "refer", "admit"):
            continue
        if not by_whom and not (lemma in ARRIVAL_VERBS and (to_where or lemma in (
                "airlift", "medevac", "evacuate", "helicopter"))):
            continue
        if lemma == "find" and not by_whom:
            continue
        subject = _subject(token)
        if subject is not None and not is_person(subject):
            continue
        end = token.i
        for child in token.rights:
            if child.dep_ in ("cc", "conj", "punct"):
                break
            if child.dep_ in ("prt", "agent") or (child.dep_ == "prep" and child.lower_ in (
                    "to", "into", "by", "via", "from")):
                end = max(end, child.right_edge.i)
            elif child.dep_ not in ("advmod",):
                break
        yield _tokens(doc, _left_start(token), end)


# --------------------------------------------------------------------------------------- outcome


def patient_outcomes(doc: Any) -> Iterator[tuple[str, Span]]:
    """What happened to this patient afterwards, as ``(kind, span)`` with kind ``death``
    (died, expired, succumbed, passed away), ``recovery`` (survived, recovered, improved),
    ``course`` (did well, remains well) or ``discharge`` (was discharged).

    Not the disease's usual course ("most patients recover fully", "usually resolves with
    casting"), not "the technique died out", not a relative's death (family history: see
    ``relative_story``), not an imaging description ("improved flow")."""
    if doc is None:
        return
    for token in _doc_tokens(doc):
        if token.lower_ == "stillborn":
            stillborn = _stillborn(token)
            if stillborn is not None:
                yield "death", stillborn
            continue
        if token.pos_ not in ("VERB", "AUX"):
            continue
        lemma = _lemma(token)
        particles = {c.lower_ for c in token.children if c.dep_ in ("prt", "advmod")}
        complements = {c.lower_ for c in token.children
                       if c.dep_ in ("advmod", "acomp", "attr", "oprd", "dobj")}
        if lemma in DEATH_VERBS:
            if lemma == "pass" and "away" not in particles:
                continue
            if lemma == "die" and particles & {"out", "down", "off", "back"}:
                continue
            kind = "death"
        elif lemma in RECOVERY_VERBS:
            kind = "recovery"
        elif (lemma == "do" and complements & {"well", "fine", "great", "poorly", "badly"}) or (
                lemma in ("remain", "stay") and complements & WELL_WORDS):
            kind = "course"
        elif lemma == "go" and complements & {"well", "smoothly", "uneventfully", "fine"} \
                and token.tag_ == "VBD":
            yield "course", _tokens(doc, token.i, _right_edge(token, _OUTCOME_DEPS, 4))
            continue  # "the Ladd procedure went well": the procedure is the subject
        elif lemma == "be" and complements & BE_WELL_WORDS and token.tag_ in ("VBZ", "VBP") \
                and not particles & {"previously", "otherwise", "formerly", "initially"}:
            kind = "course"  # "is well", "is alive" (not "was previously healthy": history)
        elif lemma == "discharge" and token.tag_ in ("VBN", "VBD") and not (
                token.dep_ == "conj" and _lemma(token.head) in ("see", "evaluate", "examine")):
            # (not "seen at an outside hospital and discharged": that earlier visit is history)
            kind = "discharge"
        else:
            continue
        subject = _subject(token)
        if subject is not None and is_relative(subject):
            continue  # "his mother died of lung cancer": family history, not an outcome
        allow_missing = kind in ("death", "recovery", "course", "discharge") and (
            token.tag_ in ("VBD", "VBN", "VBG") or lemma == "survive")
        if kind == "recovery" and lemma in ("improve", "heal") and subject is None:
            continue  # "improved flow", "healed fracture" describe images
        if kind in ("recovery", "course") and any(
                c.dep_ == "nsubj" and c.lower_ in ("that", "which") for c in token.children):
            continue  # "morning stiffness that improves with exercise": a thing, not the patient
        if not _patient_subject(token, allow_missing=allow_missing):
            continue
        if token.dep_ in ("amod", "acl") and not is_person(token.head):
            continue  # "the recovered fragment", "pus discharged from the sinus"
        end = _right_edge(token, _OUTCOME_DEPS, 8)
        yield kind, _tokens(doc, _left_start(token), end)


def _stillborn(token: Token) -> Span | None:
    """"The infant was stillborn" is an outcome; "the patient's twin was stillborn" is family
    history (``relative_story`` reports it)."""
    subject = _subject(token.head) if token.dep_ in ("acomp", "attr", "oprd") else None
    noun = subject if subject is not None else (token.head if token.dep_ == "amod" else None)
    if noun is not None and (_lemma(noun) in RELATIVES or noun.lower_ in RELATIVES) and any(
            c.dep_ == "poss" for c in noun.children):
        return None
    return _span([token])


#: The outcomes of the last Doc seen: three rules read them, the parse is walked once.
@_for_last_doc
def _outcomes_of(doc: Any) -> list[tuple[str, Span]]:
    return list(patient_outcomes(doc))


@detector("patient_death")
def patient_death(ctx: Context, rule: Rule) -> Iterator[Span]:
    """The patient died (any verb form, any subject naming the patient or none)."""
    return (span for kind, span in _outcomes_of(ctx.doc) if kind == "death")


@detector("patient_recovery")
def patient_recovery(ctx: Context, rule: Rule) -> Iterator[Span]:
    """The patient survived, recovered, improved, did well or remains well."""
    return (span for kind, span in _outcomes_of(ctx.doc) if kind in ("recovery", "course"))


@detector("patient_discharge")
def patient_discharge(ctx: Context, rule: Rule) -> Iterator[Span]:
    """The patient was discharged."""
    return (span for kind, span in _outcomes_of(ctx.doc) if kind == "discharge")


# ------------------------------------------------------------------------------- treatment

#: Words and endings that name a treatment or procedure ("appendectomy", "embolization").
TREATMENT_WORDS = _words("""
surgery operation resection repair drainage reduction pinning fixation procedure
chemotherapy radiotherapy radiation antibiotics transfusion ivig steroids intubation ventilation
embolization ablation thrombectomy thrombolysis stenting stent coiling craniotomy laparotomy
amputation debridement decompression excision enucleation implantation transplantation
therapy treatment immunotherapy cast casting splinting traction shunt ligation clipping
dilation dilations dilatation dilatations ecmo dialysis transplant pyloromyotomy fundoplication
kasai nissen ladd fontan glenn norwood rastelli jatene senning mustard sano blalock swenson soave
duhamel psarp ponseti pavlik ilizarov salter pemberton dega whipple hartmann puestow
""")
_TREATMENT_ENDINGS = ("ectomy", "otomy", "ostomy", "plasty", "pexy", "ization", "isation",
                      "ectomies", "otomies", "plasties")
TREATMENT_VERBS = frozenset({"undergo", "receive", "require", "need", "get", "have"})
_PRIOR_WORDS = frozenset({"previously", "prior", "initially", "originally", "formerly", "ago",
                          "earlier", "already", "before", "remote"})


#: Verbs of a procedure done to the patient, read as the treatment course in a fragment.
PROCEDURE_VERBS = _words("""
reduce drain repair resect excise embolize coil clip stent shunt fix pin amputate debride
decompress intubate transfuse operate manage treat splint cast reimplant untether enucleate remove
implant place anticoagulate heparinize ablate cauterize ligate band cardiovert extubate biopsy
bronch scope revise boot retrieve
""")
IMAGING_WORDS = _words("""
ct mri mr scan radiograph radiography x-ray xray ultrasound us sonography ultrasonography imaging
study examination exam image angiogram angiography venography mammogram mammography pet
fluoroscopy echocardiography echocardiogram echo test sequence reconstruction acquisition
injection measurement evaluation assessment analysis follow-up followup cxr kub spect scintigraphy
biopsy aspiration fna puncture endoscopy egd colonoscopy bronchoscopy cystoscopy workup work-up
""")


def _undergone(token: Token) -> Span | None:
    """"underwent splenectomy": the first treatment noun before the clause ends."""
    doc = token.doc
    end = None
    for follower in doc[token.i + 1:min(len(doc), token.i + 8)]:
        if follower.is_punct or follower.lower_ in ("and", "but", "which", "who"):
            break
        if _is_treatment(follower):
            end = follower.i
    if end is None:
        # "underwent division of the vascular ring": no listed treatment word, but the first
        # noun after "underwent" is what was done, unless it is an imaging study
        noun = next((f for f in doc[token.i + 1:min(len(doc), token.i + 4)]
                     if f.pos_ in ("NOUN", "PROPN")), None)
        if noun is None or _lemma(noun) in IMAGING_WORDS or noun.lower_ in IMAGING_WORDS:
            return None
        end = noun.i
    clause = doc[max(token.sent.start, token.i - 4):end + 4]
    if any(t.lower_ in _PRIOR_WORDS or (t.like_num and len(t.text) == 4) for t in clause):
        return None  # "previously underwent", "underwent surgery in 2011": history
    subject = _subject(token)
    if subject is not None and (not is_person(subject) or is_general_statement(token, subject)):
        return None
    return _span(doc[token.i:end + 1])


def _is_treatment(noun: Token) -> bool:
    lemma = _lemma(noun)
    return lemma in TREATMENT_WORDS or noun.lower_ in TREATMENT_WORDS or lemma.endswith(
        _TREATMENT_ENDINGS)


_MONTHS = _words("""jan january feb february mar march apr april may jun june jul july aug august
sep sept september oct october nov november dec december""")


def _bare_year(token: Token) -> bool:
    """A year on its own ("in 2011": an earlier episode), not the year of a full date ("on June
    14, 2023": when this episode's treatment happened)."""
    if not (token.like_num and len(token.text) == 4 and token.text[:2] in ("19", "20")):
        return False
    before = token.doc[max(0, token.i - 4):token.i]
    return not any(t.lower_.rstrip(".") in _MONTHS for t in before)


def _is_prior(verb: Token) -> bool:
    """Said of the patient's past: "previously underwent", "underwent surgery in 2011",
    "9 years ago" (history, reported by rules/history.yaml)."""
    return any(t.lower_ in _PRIOR_WORDS or _bare_year(t) for t in verb.subtree)


#: Words that put a verb after the presentation: what happened next is the outcome.
_AFTERWARDS = frozenset({"later", "subsequently", "eventually", "afterwards", "afterward",
                         "ultimately", "thereafter", "since", "finally", "now"})


def _afterwards(verb: Token) -> bool:
    """"walked out of the PICU 10 days later", "eventually required", "went on to ERCP"."""
    if any(t.lower_ in _AFTERWARDS for t in verb.subtree if t.i > verb.i - 3):
        return True
    lemma = _lemma(verb)
    preps = [c for c in verb.children if c.dep_ in ("prep", "prt")]
    if lemma == "go" and any(p.lower_ in ("on", "for", "to") for p in preps) and any(
            _is_treatment(g) or g.lower_ in ("or", "surgery", "theatre", "ercp", "ir")
            for p in preps for g in p.subtree):
        return True  # "went on to ERCP with stent", "went for valve surgery"
    return lemma == "start" and any(p.lower_ == "on" for p in preps)  # "started on RIPE"


@detector("treatment_course")
def treatment_course(ctx: Context, rule: Rule) -> Iterator[Span]:
    """The treatment this patient went on to receive: "underwent appendectomy", "was treated
    with in situ pinning", "untethering was performed at 3 months", "was taken to the OR".
    Not an earlier treatment ("previously underwent", "in 2011": history), not what is usually
    done ("is treated with casting", "may require surgery"), not an imaging study ("CT was
    performed")."""
    doc = ctx.doc
    if doc is None:
        return
    for token in _doc_tokens(doc):
        if token.lower_ in ("underwent", "undergone"):
            # the tagger often reads "underwent" as an adjective: go by the words that follow
            span = _undergone(token)
            if span is not None:
                yield span
            continue
        if token.pos_ != "VERB" or token.tag_ not in ("VBD", "VBN"):
            continue
        lemma = _lemma(token)
        objects = [c for c in token.children if c.dep_ in ("dobj", "nsubjpass", "attr")]
        hit = False
        if lemma in TREATMENT_VERBS:
            hit = any(_is_treatment(c) for c in objects if c.dep_ == "dobj")
        elif lemma in ("treat", "manage"):
            passive = any(c.dep_ == "auxpass" for c in token.children)
            hit = passive and any(c.dep_ in ("prep", "advmod") for c in token.children)
        elif lemma in ("perform", "do", "achieve", "complete") and any(
                c.dep_ == "auxpass" for c in token.children):
            # any procedure but an imaging study ("CT was performed")
            hit = any(c.pos_ == "NOUN" and _lemma(c) not in IMAGING_WORDS
                      and c.lower_ not in IMAGING_WORDS for c in objects if c.dep_ == "nsubjpass")
        elif lemma in PROCEDURE_VERBS and token.tag_ == "VBN" and token.dep_ in ("ROOT", "conj") \
                and not any(c.dep_ in ("nsubj", "nsubjpass") for c in token.children):
            hit = True  # a fragment: "Reduced with air enema", "Managed non-operatively"
        elif lemma in ("take", "rush", "go") and any(
                g.lower_ in ("or", "theatre", "theater", "surgery") for c in token.children
                if c.dep_ == "prep" and c.lower_ == "to" for g in c.children):
            hit = True
        if not hit or _is_prior(token):
            continue
        subject = _subject(token)
        if lemma not in ("perform", "do", "achieve", "complete") and subject is not None \
                and not is_person(subject):
            continue
        if is_general_statement(token, subject):
            continue
        end = token.i
        for child in token.rights:
            if child.dep_ in ("dobj", "prt", "neg") or (child.dep_ == "prep"
                                                        and child.lower_ == "with"):
                end = max(end, min(child.right_edge.i, token.i + 15, token.sent.end - 1))
            elif child.dep_ not in ("advmod",):
                break
        yield _tokens(doc, _left_start(token), end)


# ------------------------------------------------------------------------------- demographic

#: Nouns a demonym or ethnicity must qualify to be about a person ("a French man"), so that
#: "French catheter", "Mediterranean fever" and "Swiss cheese appearance" are left alone.
DEMOGRAPHIC_HEADS = PERSON_NOUNS | _words("""
national citizen immigrant tourist traveler traveller resident native refugee descent origin
ancestry heritage nationality ethnicity background extraction family community
footballer player athlete worker farmer miner soldier student nurse physician driver engineer
teacher officer sailor pilot cook chef herder laborer labourer diplomat merchant fisherman
""")  # (a nationality before a job describes the person: "a Nigerian professional footballer")


_ORIGIN_WORDS = frozenset({"descent", "origin", "ancestry", "heritage", "nationality",
                           "ethnicity", "extraction", "background"})


@cache
def _demonym_index(names: frozenset[str]) -> dict[str, int]:
    """First word of each entry → the most tokens an entry starting with it can take (a hyphen
    is a token of its own: "african-american" is three)."""
    index: dict[str, int] = {}
    for name in names:
        first = re.split(r"[ '-]", name)[0]
        pieces = len(re.findall(r"[ '-]", name))  # each separator may be a token of its own
        index[first] = max(index.get(first, 0), 2 * pieces + 1)
    return index


def _demonym_at(doc: Any, i: int, names: frozenset[str], index: dict[str, int]) -> Any:
    size = index.get(doc[i].lower_)
    if size is None:
        return None
    for n in range(min(size, len(doc) - i), 0, -1):
        words = doc[i:i + n]
        text = words.text.lower().replace("’", "'")
        if text in names or text.replace("-", " ") in names:
            return words
    return None


def _is_legend(hit: Any) -> bool:
    """An abbreviation legend, "SA, South Asian; WE, Western European": the word before the
    comma is the initials of the entry (a study population, not the patient)."""
    doc = hit.doc
    if hit.start < 2 or doc[hit.start - 1].text != ",":
        return False
    initials = "".join(t.text[0] for t in hit if t.text[:1].isalpha()).upper()
    return doc[hit.start - 2].text.upper() == initials


def _describes_person(last: Token, jobs: frozenset[str] = frozenset()) -> bool:
    head = last.head
    after = last.doc[last.i + 1] if last.i + 1 < len(last.doc) else None

    def person_word(token: Token | None) -> bool:
        return token is not None and (_lemma(token) in DEMOGRAPHIC_HEADS
                                      or token.lower_ in DEMOGRAPHIC_HEADS)

    if (head.i > last.i and person_word(head)) or person_word(after):
        return True  # "a Chinese man", "Han nationality"
    if after is not None and after.text in ("M", "F"):
        return True  # the sex letter of a header: "45 y/o Hispanic M"
    if head.i > last.i and head.i - last.i <= 4 and jobs:
        # a job the occupations lexicon knows: "a Hispanic farmworker", "a Vietnamese-American
        # nail salon owner" (the words from the demonym to the noun, or the noun alone)
        words = last.doc[last.i + 1:head.i + 1]
        if fold(words.text.lower()) in jobs or head.lower_ in jobs or _lemma(head) in jobs:
            return True
    if last.dep_ == "pobj" and head.lower_ == "of" and person_word(head.head):
        return True  # "a man of Han nationality" (entry ends in the noun)
    if last.dep_ in ("attr", "acomp"):
        subject = _subject(head)
        return subject is not None and is_person(subject)  # "he is Hispanic"
    # used as a noun for the person, in a list of the patient's attributes:
    # "Adult woman, Caucasian, pelvic pain", "9 y/o Jehovah's Witness, refuses transfusion"
    if last.dep_ in ("appos", "conj", "ROOT", "nsubj", "nsubjpass", "npadvmod", "dobj") \
            and last.pos_ in ("NOUN", "PROPN", "ADJ"):
        return True
    # an item of a comma-separated header, whatever the parse: "45 y/o F, Hispanic, G3P2"
    before = [t for t in last.doc[max(0, last.i - 4):last.i] if t.text in (",", ";", ":")]
    return bool(before) and after is not None and after.text in (",", ";", ".")


@detector("demonym_person")
def demonym_person(ctx: Context, rule: Rule) -> Iterator[Span]:
    """A nationality or ethnicity from the rule's gazetteer that describes a person: "a Chinese
    man", "of African origin", "a 23-year-old French man", "he is Hispanic" — not "French
    catheter", "Mediterranean fever" or "Swiss cheese appearance"."""
    doc = ctx.doc
    if doc is None:
        return
    names = gazetteer(rule)
    if not names:
        return
    index = _demonym_index(names)
    jobs = _lexicon_if_present(rule.lexicon_dir / "occupations.txt")
    i = 0
    while i < len(doc):
        hit = _demonym_at(doc, i, names, index)
        if hit is None:
            i += 1
            continue
        last = hit[-1]
        if _describes_person(last, jobs) and any(t.text[:1].isupper() for t in hit) \
                and not _is_legend(hit):
            end = last.i
            following = doc[end + 1] if end + 1 < len(doc) else None
            if following is not None and _lemma(following) in _ORIGIN_WORDS:
                end += 1  # "Han nationality", "African origin"
            yield _span(doc[hit.start:end + 1])
        i = hit.end


# ------------------------------------------------------------------------------- occupation


@detector("works_as")
def works_as(ctx: Context, rule: Rule) -> Iterator[Span]:
    """"worked as a nurse", "is employed as a welder": the job named after "as", up to its
    noun (not what follows: "worked as a nurse at our institution" ends at "nurse").  Devices
    that "work as a guide" are not people: the subject must be a person or absent."""
    doc = ctx.doc
    if doc is None:
        return
    for token in _doc_tokens(doc):
        if _lemma(token) not in ("work", "employ", "serve", "train", "retire") \
                or token.pos_ != "VERB":
            continue
        for prep in token.children:
            if prep.dep_ != "prep" or prep.lower_ != "as":
                continue
            jobs = [c for c in prep.children if c.dep_ == "pobj" and c.pos_ in ("NOUN", "PROPN")]
            if not jobs:
                continue
            subject = _subject(token)
            if subject is None and token.tag_ in ("VBZ", "VBP", "VB"):
                continue  # "works as a guide": a device, unless a person is named
            if subject is not None and not is_person(subject):
                continue
            yield _span(doc[_left_start(token):jobs[0].i + 1])


# ------------------------------------------------------------------------------- story verbs

#: Verbs that describe the images, the disease or the teaching, never the patient's story.
DESCRIPTIVE_VERBS = _words("""
show demonstrate reveal depict confirm suggest display exhibit identify see note visualize measure
obtain acquire image scan compare indicate represent correspond appear extend involve contain
cause arise surround displace compress enhance abut encase cross span narrow widen fill occupy
replace localize describe associate call name prove recommend reformat reconstruct request
mistake know consider term define classify characterize correlate differ relate base mark
highlight outline depict label circle point annotate reformatte use publish report_in coin
credit courtesy share post tag caption illustrate label arrow review read interpret solve
guess answer reveal reproduce adapt modify permit debate fuse spiculate calcify lobulate septate
loculate opacify aerate distend dilate thicken hyperenhance attenuate weight contrast
""")
#: What a story verb about the patient's outcome looks like ("regressed", "perforated").
OUTCOME_VERBS = DEATH_VERBS | RECOVERY_VERBS | _words("""
regress resolve shrink disappear vanish recur relapse progress perforate rupture deteriorate
decline worsen succumb discharge undergo receive require treat manage operate reduce repair
resect excise drain embolize coil stent shunt fix pin amputate intubate transfuse extubate wean
cure remit respond achieve complete return ground retire complicate start give place implant
insert remove administer enucleate extubate cannulate decannulate stop discontinue withdraw
end
""")
#: Non-person subjects whose past change is the patient's outcome ("the lesions regressed").
_CHANGE_VERBS = _words("""
regress resolve shrink disappear vanish recur relapse progress perforate rupture heal improve
worsen grow enlarge return respond recover survive complicate fail normalize
""")
#: Line headers of the patient's story ("History: ...").
_HISTORY_HEADERS = ("history", "hx", "clinical", "presentation", "case", "background")


#: People of the story besides the patient and relatives: who noticed, examined or reported.
STORY_PEOPLE = _words("""
pediatrician doctor physician pcp gp teacher coach nurse paramedic neighbor neighbour friend
babysitter nanny coworker teammate classmate dentist orthodontist optometrist midwife surgeon
cardiologist oncologist neurologist counselor officer police
""")


def _story_person(token: Token) -> bool:
    return is_person(token) or is_relative(token) or _lemma(token) in STORY_PEOPLE \
        or token.lower_ in STORY_PEOPLE


def _negated(verb: Token) -> bool:
    """"did not fall", "had no smoking history", "never smoked"."""
    for child in verb.children:
        if child.dep_ == "neg" or child.lower_ in ("never", "no"):
            return True
        if child.dep_ in ("dobj", "attr") and any(
                g.dep_ == "det" and g.lower_ in ("no", "neither") for g in child.children):
            return True
    return False


#: Verbs of what was done to the patient, whatever the grammatical subject ("was implanted").
_GIVEN_VERBS = frozenset({"start", "give", "place", "implant", "insert", "remove", "administer",
                          "excise", "enucleate", "amputate", "transfuse", "intubate", "extubate",
                          "cannulate", "decannulate", "stop", "discontinue", "withdraw"})
_FINDINGS_LABELS = frozenset({"findings", "finding", "impression", "imaging", "diagnosis", "dx",
                              "ddx", "answer", "image", "images"})


def _imaging_line(header: str) -> bool:
    """Whether the line so far starts with an imaging label ("CT:", "VCUG:", "Findings:")."""
    # the label governs its own sentence only: "Child with SB. VCUG: elongated ..."
    label, colon, _ = re.split(r"[.!?]\s", header)[-1].partition(":")
    if not colon:
        return False
    words = label.strip().lower().split()
    return bool(words) and len(words) <= 3 and (
        words[-1] in IMAGING_WORDS or words[-1] in _FINDINGS_LABELS
        or words[-1] in ("vcug", "xr", "cxr", "kub", "axr", "ivp", "ugi", "cta", "mra", "mrcp",
                         "dexa", "film", "films", "radiographs", "doppler", "ultrasound"))


@_for_last_doc
def _doc_text(doc: Any) -> str:
    """``doc.text`` (spaCy joins the tokens on every access)."""
    return doc.text


def _line_header(token: Token) -> str:
    """The text of ``token``'s line before it, lower-cased ("history: 9 y/o, ")."""
    text = _doc_text(token.doc)
    start = text.rfind("\n", 0, token.idx) + 1
    return text[start:token.idx].lower().lstrip(" #*-•📌💡")


def _procedure_done(token: Token) -> bool:
    """"Pyloromyotomy done", "arterial switch performed": a procedure of this patient."""
    if token.lower_ not in ("done", "performed", "completed"):
        return False
    subject = next((c for c in token.children if c.dep_ in ("nsubj", "nsubjpass")), None)
    if subject is None and token.dep_ in ("acl", "relcl", "amod"):
        subject = token.head
    if subject is None and token.i > 0:
        subject = token.doc[token.i - 1]
    return subject is not None and (_is_treatment(subject) or _lemma(subject) in (
        "switch", "repair", "procedure", "surgery", "operation"))


def _procedure_fragment(token: Token) -> bool:
    """"Enucleated, no chemo needed", "..., coiled.", "Drain placed by IR": a procedure verb as a
    caption fragment, which the parser often takes for an adjective."""
    if token.tag_ not in ("VBN", "VBD", "JJ") or not token.text.lower().endswith("ed"):
        return False
    lemma = _lemma(token)
    if lemma not in PROCEDURE_VERBS and lemma not in _GIVEN_VERBS \
            and not token.lower_.endswith(("embolized", "embolised", "ablated", "biopsied")):
        return False
    doc = token.doc
    before = doc[token.i - 1] if token.i > 0 else None
    after = doc[token.i + 1] if token.i + 1 < len(doc) else None
    if any(c.dep_ == "agent" for c in token.children):
        return True  # "placed by IR", "removed by GI"
    starts = before is None or (before.is_sent_start and before.is_punct) or before.text in (
        ",", ";", ".", "→", "->", "—", "-", "\n") or token.is_sent_start
    ends = after is None or after.is_punct or after.is_space or after.lower_ in (
        "and", "then", "with", "on", "in", "at", "via", "endoscopically", "surgically",
        "percutaneously", "successfully", "uneventfully", "twice", "emergently")
    return starts and ends


def _is_story_verb(token: Token) -> bool:
    if not token.text.replace("-", "").replace("'", "").replace("’", "").isalpha():
        return False  # an emoji or a URL the tagger took for a verb
    if token.lower_ in ("left", "right") and token.i + 1 < len(token.doc) \
            and token.doc[token.i + 1].pos_ in ("NOUN", "PROPN", "ADJ"):
        subject = _subject(token)
        if subject is None or not _story_person(subject):
            return False  # "→ left leg DVT": a side the tagger took for a verb ("he left school"
            # stays a story)
    if _procedure_done(token) or _procedure_fragment(token):
        return True
    if token.pos_ not in ("VERB", "AUX") or token.dep_ in ("amod", "compound", "aux", "auxpass"):
        return False
    lemma = _lemma(token)
    if lemma in ("be", "do", "let", "make", "present"):
        return False
    if lemma in DESCRIPTIVE_VERBS:
        # what an image shows, unless a person of the story saw it ("his coach saw him fall")
        subject = _subject(token)
        if subject is None or not _story_person(subject) or subject.lower_ in ("we", "i"):
            return False
    aux = [c for c in token.children if c.dep_ in ("aux", "auxpass")]
    if token.tag_ == "VBD":
        pass
    elif token.tag_ == "VBN":
        lemma_known = lemma in OUTCOME_VERBS or lemma in PROCEDURE_VERBS \
            or lemma in EVENT_VERBS or lemma in _GIVEN_VERBS
        if not aux and token.dep_ in ("ROOT", "conj") and not lemma_known:
            return False  # "Thickened, elongated peduncles": a finding, not an event
        if not aux and token.dep_ not in ("ROOT", "conj") and not (
                token.dep_ == "acl" and _story_person(token.head)
                and any(c.dep_ in ("prep", "agent") for c in token.children)):
            # "the fracture seen on CT": a reduced clause describing an image (but "10 yo boy,
            # pinned under the float" tells the story)
            return False
        if any(a.lower_ in MODALS for a in aux):
            return False
    elif token.tag_ in ("VBZ", "VBP"):
        # present tense only for what a person in the story does ("refuses transfusion",
        # "tells you") — not what a lesion does ("extends into the canal"); with no subject,
        # only on a history line ("History: 9 y/o, refuses transfusion")
        subject = _subject(token)
        if subject is None:
            if not _line_header(token).startswith(_HISTORY_HEADERS):
                return False
        elif not (_story_person(subject) and subject.lower_ not in ("we", "they")):
            return False
        if lemma in ("have",) or any(a.lower_ in MODALS for a in aux):
            return False
    else:
        return False
    return True


def story_events(doc: Any) -> Iterator[tuple[str, Span]]:
    """Past events of this patient's story, as ``(kind, span)`` with kind ``history`` or
    ``outcome``: any past-tense verb whose subject is the patient, a relative or nobody (a
    caption fragment), or a lesion that changed afterwards ("the lesions regressed after
    chemotherapy").  The generic net under the specific detectors above: it knows no event
    words, only the shape of a story, so phrasings nobody listed are caught.  Not image
    descriptions ("CT showed"), not general statements ("most resolve").  A teaching point's
    first sentence, up to a clause about this patient, is the ``teaching-lines`` allow list's."""
    if doc is None:
        return
    for token in _doc_tokens(doc):
        if not _is_story_verb(token):
            continue
        header = _line_header(token)
        lemma = _lemma(token)
        if lemma in CONSENT_VERBS or _negated(token):
            continue  # "her mom asked us to share", "had no smoking history"
        if lemma in INGESTION_VERBS and any(
                c.dep_ == "dobj" and _lemma(c) in SWALLOWED_FOR_IMAGING for c in token.children):
            continue  # "swallowed barium for the esophagram"
        subject = _subject(token)
        person = subject is not None and _story_person(subject)
        if _procedure_fragment(token):
            yield "outcome", _span([token])  # ("..., coiled." even on an imaging line)
            continue
        if not person and _imaging_line(header):
            continue  # "VCUG: elongated, trabeculated bladder": the images, not the story
        if _procedure_done(token):
            yield "outcome", _span(doc[max(token.i - 1, token.sent.start):token.i + 1])
            continue
        if subject is not None and not person and lemma in EVENT_VERBS \
                and token.tag_ == "VBD" and subject.pos_ in ("NOUN", "PROPN") \
                and _lemma(subject) not in IMAGING_WORDS:
            person = True  # "8 year olf fell 3 m from the climbing wall": a typo'd patient
        if subject is not None and not person and token.tag_ == "VBN" and any(
                c.dep_ == "auxpass" for c in token.children) and (
                    lemma in _GIVEN_VERBS or lemma in PROCEDURE_VERBS):
            person = True  # "Everolimus was started", "An ICD was implanted": done to the patient
        if subject is not None and not person:
            # a thing as subject: only a past change of this case ("the lesions regressed",
            # "thrombectomy achieved reperfusion"), or any past event of a subject that is
            # neither an image nor a pronoun ("Influencer, 24F, swallowed magnets")
            if token.tag_ not in ("VBD", "VBN"):
                continue
            if _lemma(subject) in IMAGING_WORDS or subject.lower_ in IMAGING_WORDS \
                    or subject.pos_ == "PRON" or lemma == "discharge":
                continue  # ("pus discharged from the sinus": a finding)
            if lemma not in _CHANGE_VERBS and not _is_treatment(subject) and (
                    subject.pos_ not in ("NOUN", "PROPN") or not subject.text[:1].isupper()
                    or token.tag_ != "VBD" or any(c.dep_ == "compound" for c in subject.children)):
                continue  # (not "Rocky Mountain spotted fever", parsed as Mountain + spotted)
        if subject is not None and subject.lower_ in ("we", "i"):
            continue  # "we performed", "I called": the authors, not the patient
        # a definite subject in the past tense is this case ("the lesions regressed"), even if
        # it is plural; otherwise the usual test for general statements
        # ("all three siblings survived": a number names these patients, not patients in general)
        definite = subject is not None and token.tag_ in ("VBD", "VBN") and (
            (any(c.dep_ in ("det", "poss") and c.lower_ in ("the", "his", "her", "their", "its")
                 for c in subject.children) and not _quantified(subject))
            or any(c.dep_ == "nummod" or c.lower_ == "both" for c in subject.children))
        fragment = subject is None and token.tag_ in ("VBZ", "VBP")  # "History: ..., refuses"
        if (not definite and not fragment and is_general_statement(token, subject)) \
                or _modal_or_habitual(token):
            continue
        kind = "outcome" if lemma in OUTCOME_VERBS or _is_treatment(token) \
            or _afterwards(token) else "history"
        if kind == "outcome" and (_is_prior(token) or (
                lemma == "discharge" and token.dep_ == "conj"
                and _lemma(token.head) in ("see", "evaluate", "examine"))):
            kind = "history"  # "previously underwent", "seen elsewhere and discharged"
        if subject is not None and is_relative(subject):
            kind = "history"  # a relative's illness or death is family history
        # the verb with its auxiliaries and particle only: a short span never hides what a
        # specific rule reports on the same words (the longer span wins when overlaps resolve)
        end = max([token.i] + [c.i for c in token.rights if c.dep_ in ("prt", "neg")
                               and c.i <= token.i + 2])
        yield kind, _tokens(doc, _left_start(token), end)


@_for_last_doc
def _story_of(doc: Any) -> list[tuple[str, Span]]:
    found = list(story_events(doc)) + [("outcome", span) for span in treatment_fragments(doc)]
    return found + [("outcome", span) for span in treatment_mentions(doc)]


@detector("story_history")
def story_history(ctx: Context, rule: Rule) -> Iterator[Span]:
    """A past event of the patient's story that is not an outcome (see :func:`story_events`)."""
    return (span for kind, span in _story_of(ctx.doc) if kind == "history")


@detector("story_outcome")
def story_outcome(ctx: Context, rule: Rule) -> Iterator[Span]:
    """What happened to the patient afterwards, caught by its shape (see :func:`story_events`)."""
    return (span for kind, span in _story_of(ctx.doc) if kind == "outcome")


# ------------------------------------------------------------------------------- age at event

_AGE_UNITS = frozenset({"day", "days", "week", "weeks", "wk", "wks", "month", "months", "mo",
                        "mos", "year", "years", "yr", "yrs"})


@detector("age_at_event")
def age_at_event(ctx: Context, rule: Rule) -> Iterator[Span]:
    """The patient's age when something happened, read from the parse: "transferred from
    another hospital at 3 weeks", "diagnosed at 22 months", "walked at 18 months" — a past-tense
    verb of this patient with "at" and a number of days to years.  Not "delayed images at 4
    hours" (a noun, and hours), not "most cases are diagnosed at 6 months" (general)."""
    doc = ctx.doc
    if doc is None:
        return
    for token in _doc_tokens(doc):
        if token.lower_ not in ("at", "@") or token.dep_ != "prep":
            continue
        verb = token.head
        procedure = verb.pos_ in ("NOUN", "PROPN") and _is_treatment(verb)  # "Kasai at 7 weeks"
        if not procedure and (verb.pos_ != "VERB" or verb.tag_ not in ("VBD", "VBN")):
            continue
        for unit in token.children:
            if unit.dep_ != "pobj":
                continue
            if unit.like_num and unit.text.isdigit() and 10 <= int(unit.text) <= 99 \
                    and not procedure:
                # "diagnosed at 19", "married at 18": a bare age (not "at 3", a time)
                following = unit.doc[unit.i + 1] if unit.i + 1 < len(unit.doc) else None
                if following is None or following.lower_ not in ("am", "pm", "h", "%", ":"):
                    numbers = [unit]
                    unit_end = unit
                else:
                    continue
            elif unit.lower_ in _AGE_UNITS:
                numbers = [c for c in unit.children if c.dep_ == "nummod" and c.i < unit.i]
                unit_end = unit
                if not numbers:
                    continue
            else:
                continue
            subject = None if procedure else _subject(verb)
            if subject is not None and not _story_person(subject) and (
                    _lemma(subject) in IMAGING_WORDS or subject.lower_ in IMAGING_WORDS
                    or not _is_treatment(subject)):
                continue
            if not procedure and is_general_statement(verb, subject):
                continue
            yield _span(doc[numbers[0].i:unit_end.i + 1])


_TIME_WORDS = frozenset({"day", "night", "morning", "evening", "afternoon", "week", "month",
                         "overnight", "today", "yesterday", "tonight", "hd", "pod", "dol",
                         "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
                         "sunday", "january", "february", "march", "april", "may", "june", "july",
                         "august", "september", "october", "november", "december", "hours",
                         "days", "weeks", "months", "later"})


def treatment_fragments(doc: Any) -> Iterator[Span]:
    """A procedure named with when it happened, in a caption fragment: "TEVAR that night",
    "Corrective osteotomy in August", "Pyloromyotomy the same day", "Started VDC/IE chemo on
    Monday".  Not "follow-up at 6 weeks is recommended" (no treatment)."""
    if doc is None:
        return
    for token in _doc_tokens(doc):
        if token.pos_ not in ("NOUN", "PROPN") or not (
                _is_treatment(token) or (token.text.isupper() and 3 <= len(token.text) <= 6
                                         and token.dep_ == "ROOT")):
            continue
        if token.dep_ not in ("ROOT", "dobj", "nsubj", "nsubjpass", "appos", "conj"):
            continue
        if token.dep_ != "ROOT" and token.head.pos_ in ("VERB", "AUX") and _lemma(
                token.head) not in ("start", "begin", "schedule", "plan", "do", "complete"):
            continue
        if _imaging_line(_line_header(token)):
            continue
        window = token.doc[token.i + 1:min(token.i + 5, token.sent.end)]
        if not any(t.lower_ in _TIME_WORDS for t in window):
            continue
        if any(t.lower_ in MODALS or t.lower_ in HABITUAL for t in token.sent):
            continue  # "surgery is usually done within days"
        yield _span(doc[_modifiers_start(token):token.i + 1])


#: Words that make a sentence about treatment general ("Treatment is surgical resection").
_GENERAL_TREATMENT_WORDS = frozenset({"treatment", "therapy", "management", "options", "option",
                                      "choice", "standard", "indicated", "recommended", "mainstay",
                                      "definitive", "curative", "first-line", "consider",
                                      "requires", "require", "needs", "role", "may", "can",
                                      "should", "usually", "typically", "often", "most", "if",
                                      "when", "unless", "vs", "versus", "or", "?"})
_PROCEDURE_NOUN_ENDINGS = ("ectomy", "otomy", "ostomy", "plasty", "pexy", "ectomies", "otomies")
_PROCEDURE_NOUNS = frozenset({"radiosurgery", "craniectomy", "reduction", "embolization",
                              "chemoembolization", "tace", "y-90", "radioembolization",
                              "chole", "appy", "ex-fix", "orif", "crif", "pinning", "stenting",
                              "coiling", "thrombectomy", "transplant", "transplantation",
                              "resection", "amputation", "debridement", "ecmo", "dialysis",
                              "chemo", "chemotherapy", "radiotherapy", "radiation", "ivig",
                              "intubation", "tracheostomy", "gastrostomy", "shunt", "fusion",
                              "fixation", "repair", "drainage", "ablation", "irrigation",
                              "kasai", "nissen", "ladd", "fontan", "glenn", "norwood",
                              "vats", "tevar", "evar", "edas", "crpp", "etv", "evd", "trach",
                              "pleurodesis", "sclerotherapy", "angioplasty", "crrt",
                              "plasmapheresis", "hsct", "bmt", "pavlik", "spica", "nuss",
                              "ravitch", "bka", "thrombolysis", "revision", "pull-through"})


#: procedures by name (not "resection", "repair"): a verbless line naming one is a note of what
#: was done ("Bilateral EDAS.", "Kasai at 6 weeks."); "Resection with tumor-free margins." is not
_NAMED_PROCEDURES = frozenset({"kasai", "nissen", "ladd", "fontan", "glenn", "norwood", "nuss",
                               "ravitch", "pavlik", "spica", "pull-through", "chole", "appy",
                               "ex-fix", "trach", "chemoembolization", "radioembolization"})


def _fragment(sent: Any) -> bool:
    """A short line without a verb ("ORIF + 2 screws.", "Chest tube, then VATS."): in a caption
    that is the note of what was done to this patient, not a statement about the disease."""
    words = [t for t in sent if not (t.is_punct or t.is_space)]
    return 0 < len(words) <= 8 and not any(t.pos_ in ("VERB", "AUX") for t in words)


def treatment_mentions(doc: Any) -> Iterator[Span]:
    """A procedure or treatment named in a sentence about this patient ("Despite decompressive
    craniectomy she died", "he ended up with a subtotal colectomy", "closed reduction in the
    ED"), read as the treatment course.  Not a sentence about treatment in general ("Treatment
    is surgical", "may require ECMO", a question), not an imaging line."""
    if doc is None:
        return
    for sent in doc.sents:
        candidates = [t for t in sent if t.pos_ in ("NOUN", "PROPN") and t.dep_ not in (
            "compound", "amod") and (t.lower_ in _PROCEDURE_NOUNS
                                     or t.lower_.endswith(_PROCEDURE_NOUN_ENDINGS))]
        if not candidates:
            continue
        words = {t.lower_ for t in sent}
        if words & _GENERAL_TREATMENT_WORDS or words & MODALS or words & HABITUAL:
            continue
        if _imaging_line(_line_header(sent[-1])) and not any(
                _story_person(t) for t in sent if t.dep_ in ("nsubj", "nsubjpass")):
            continue
        if any(t.tag_ in ("NNS",) and t.dep_ in ("nsubj", "nsubjpass") for t in sent):
            continue  # "patients undergo ...": a general statement
        if words & _PRIOR_WORDS or any(_bare_year(t) for t in sent):
            continue  # "previously underwent appendectomy", "in 2011": history
        specific = any(t.text.isupper() or t.lower_ in _NAMED_PROCEDURES
                       or t.lower_.endswith(_PROCEDURE_NOUN_ENDINGS) for t in candidates)
        if not (specific and _fragment(sent)) and not any(
            _story_person(t) or t.tag_ in ("VBD", "VBN") or t.lower_ in _TIME_WORDS for t in sent
        ):
            continue  # "Resection is the treatment": nothing ties it to this patient
        for token in candidates:
            if token.head.lower_ in ("after", "post", "following", "before", "prior"):
                continue  # "after fundoplication": the history rules report it
            yield _span(doc[_modifiers_start(token):token.i + 1])
