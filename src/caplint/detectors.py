"""Python detectors: the checks that data alone cannot express.

A *span* detector yields ``(start, end)`` spans from the caption's text and its spaCy Doc.  A
*caption* detector runs after overlaps are resolved and sees the caption's findings; it yields
``(start, end, detail)`` where ``detail`` names categories or counts, never caption text.

Detectors import nothing heavy: they only read the Doc they are given.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .lexicons import US_STATE_NAMES, CompactSet, fold, iter_lexicon
from .patterns import compile_pattern

if TYPE_CHECKING:
    from .findings import Finding
    from .rules import Rule


@dataclass(frozen=True)
class Context:
    """What a detector may read: the (normalized) caption text and its spaCy Doc."""

    text: str
    doc: Any


SpanDetector = Callable[[Context, "Rule"], Iterable[tuple[int, int]]]
CaptionDetector = Callable[[Context, "Rule", "list[Finding]"], Iterable[tuple[int, int, str]]]

DETECTORS: dict[str, Callable[..., Iterable[Any]]] = {}
CAPTION_DETECTORS: set[str] = set()
#: predicates on a match's text (``detect.filter``): keep the match only if it returns True
FILTERS: dict[str, Callable[[str, int, int, Rule], bool]] = {}


def span_filter(name: str):
    """Register a predicate under ``name`` (the value of ``detect.filter`` in a rule pack)."""

    def register(fn):
        FILTERS[name] = fn
        return fn

    return register


def detector(name: str, *, caption: bool = False):
    """Register a detector under ``name`` (the value of ``detect.detector`` in a rule pack)."""

    def register(fn):
        DETECTORS[name] = fn
        if caption:
            CAPTION_DETECTORS.add(name)
        return fn

    return register


#: the findings a caption-level check counts: the rules' and NER's, not another caption-level
#: finding, and not a learned sentence guess (rules/sentences.yaml: a warning that points at a
#: sentence must not become an error by being counted)
_COUNTED = frozenset({"rule", "ner"})


@detector("category_density", caption=True)
def category_density(ctx: Context, rule: Rule, findings: list[Finding]) -> Iterator[tuple]:
    """A caption with several findings of the rule's category (e.g. a complete history): three
    elements, or two in different sentences.  A single element (one presenting symptom) is fine."""
    own = [f for f in findings if f.category == rule.category and f.source in _COUNTED]
    if len(own) >= 3 or (len(own) >= 2 and _sentence_count(ctx, own) >= 2):
        yield own[0].start, own[-1].end, f"{len(own)} {rule.category.lower()} elements"


def _sentence_count(ctx: Context, findings: list[Finding]) -> int:
    if ctx.doc is None or not ctx.doc.has_annotation("SENT_START"):
        return 1
    starts = set()
    for finding in findings:
        span = ctx.doc.char_span(finding.start, finding.end, alignment_mode="expand")
        if span is not None:
            starts.add(span.sent.start)
    return len(starts)


#: Quasi-identifiers: each alone may be a warning, together they can single out a patient.
QUASI_IDENTIFIERS = (
    "AGE",
    "DATE",
    "LOCATION",
    "DEMOGRAPHIC",
    "HIGH_PROFILE",
    "UNIQUE_FEATURE",
    "NAME",
    "ID",
    "OUTCOME",
    "HISTORY",
)


@detector("combined_risk", caption=True)
def combined_risk(ctx: Context, rule: Rule, findings: list[Finding]) -> Iterator[tuple]:
    """Three or more different quasi-identifier categories in one caption, at least one of them
    only a warning (all-error captions are already blocked; this says *why* the mix matters)."""
    present = [f for f in findings if f.category in QUASI_IDENTIFIERS and f.source in _COUNTED]
    categories = sorted({f.category for f in present}, key=QUASI_IDENTIFIERS.index)
    if len(categories) >= 3 and any(f.severity != "error" for f in present):
        yield (
            min(f.start for f in present),
            max(f.end for f in present),
            "combines " + " + ".join(categories),
        )


#: a gazetteer of more entries than this is a :class:`CompactSet` (the places), smaller ones a
#: ``frozenset`` (first names, demonyms: a few thousand entries, looked up for every word)
COMPACT_GAZETTEER = 20_000
Gazetteer = frozenset[str] | CompactSet


@cache
def _gazetteer(path: Path) -> Gazetteer:
    # each entry also without accents: look-ups fold the caption's words the same way.  The file
    # is read without read_lexicon's cache, so this set holds the only copy of the list
    entries = frozenset(fold(entry.lower()) for entry in iter_lexicon(path))
    return CompactSet(entries) if len(entries) > COMPACT_GAZETTEER else entries


def gazetteer(rule: Rule) -> Gazetteer:
    """The union of the rule's ``gazetteer`` lexicons, lower-cased (built once per rule)."""
    return lexicon_set(rule.lexicon_dir, rule.detect.gazetteer)


@cache
def lexicon_set(folder: Path, names: tuple[str, ...]) -> Gazetteer:
    """The entries of the lexicons ``names`` in ``folder``, lower-cased and folded (cached: the
    gazetteer detectors and the hashtag look-ups share it)."""
    if len(names) == 1:
        return _gazetteer(folder / f"{names[0]}.txt")
    return frozenset().union(*(_gazetteer(folder / f"{name}.txt") for name in names))


class HashtagLookup:
    """The entries of a lexicon set as hashtag bodies, i.e. without their spaces: ``body in
    lookup`` is ``body in {e.replace(" ", "") for e in entries}``.  Only the entries of several
    words are stored again, joined ("newyork"); a one-word body is looked up in the set itself
    (a body with a space never matches: no joined entry has one)."""

    __slots__ = ("entries", "joined")

    def __init__(self, entries: Gazetteer) -> None:
        self.entries = entries
        self.joined = frozenset(e.replace(" ", "") for e in entries if " " in e)

    def __contains__(self, body: str) -> bool:
        return (body in self.entries and " " not in body) or body in self.joined


@cache
def hashtag_lookup(folder: Path, names: tuple[str, ...]) -> HashtagLookup:
    """The hashtag look-up of the lexicons ``names`` (a rule's ``hashtags``), built on first use
    from the folded set the gazetteer detectors read (:func:`lexicon_set`)."""
    return HashtagLookup(lexicon_set(folder, names))


_CAPITALIZED_RUN = compile_pattern(
    r"\p{Lu}[\pL'’.]*(?:[ -]\p{Lu}[\pL'’.]*){0,3}", case_sensitive=True
)
_LOCATIVE_BEFORE = compile_pattern(
    r"\b(?:from|in|near|at|to|outside(?:\s+of)?|around|visiting|of|across|throughout|via|"
    r"off|toward|towards|into|between|and)\s+(?:(?:the|our|their|his|her|a|an|rural|downtown|"
    r"northern|southern|eastern|western|central|upstate|suburban)\s+)?$",
    case_sensitive=True,
)
_SENTENCE_END = frozenset(".!?:\n")
_PLACE_SUFFIXES = ("city", "county", "province", "state", "district", "village", "town")


@detector("place_names")
def place_names(ctx: Context, rule: Rule) -> Iterator[tuple[int, int]]:
    """Capitalized words that are in the rule's gazetteer ("from Dayton", "near Qingdao City",
    "victim 🌪️ Xenia").  The longest known run wins and a trailing "City" is kept.  A single
    word at the start of a sentence counts only after a locative preposition."""
    places = gazetteer(rule)
    given_names = lexicon_set(rule.lexicon_dir, ("first-names",))
    text = ctx.text
    for match in _CAPITALIZED_RUN.finditer(text):
        if match.group(0).isupper() and len(match.group(0)) <= 6:
            continue  # an acronym ("LIMA to LAD"), not a place
        words = match.group(0).split()
        run_start = match.start()
        index = 0
        while index < len(words):
            offset = run_start + len(" ".join(words[:index])) + (1 if index else 0)
            for size in range(len(words) - index, 0, -1):
                candidate = " ".join(words[index : index + size]).rstrip(".,'’")
                key = fold(candidate.lower().removesuffix("'s").removesuffix("’s"))
                if key not in places:
                    continue
                before = text[max(0, offset - 40) : offset]
                stripped = before.rstrip()
                initial = not stripped or stripped[-1] in _SENTENCE_END
                if size == 1 and initial and not _LOCATIVE_BEFORE.search(before):
                    continue
                following = words[index + size : index + size + 1]
                if words[index + size - 1][-1] in ".,;'’":
                    following = []  # the run goes on past the end of a sentence or clause
                if size == 1 and following and key in given_names:
                    nxt = fold(following[0].lower().rstrip(".,'’"))
                    if nxt not in places and nxt not in _PLACE_SUFFIXES:
                        continue  # "Anna Kowalski", "Austin Smith": a name, not a place
                end = offset + len(candidate)
                if following and following[0].lower().rstrip(".,") in _PLACE_SUFFIXES:
                    end = offset + len(" ".join(words[index : index + size + 1]).rstrip(".,"))
                yield offset, end
                index += size - 1
                break
            index += 1


_NAME_WORD = compile_pattern(r"\pL[\pL'-]*", case_sensitive=True)
_NOT_NAME_TEXT = compile_pattern(r"[^\w\s.'-]|\d", case_sensitive=True)
_INITIAL_SURNAME = compile_pattern(r"^[A-Z]\.\s?[A-Z][a-z]+", case_sensitive=True)


def _words(text: str) -> list[str]:
    return [m.group(0) for m in _NAME_WORD.finditer(text)]


@span_filter("person_like")
def person_like(caption: str, start: int, end: int, rule: Rule) -> bool:
    """A PERSON entity is a name when one of its words is a known first name ("Maria", "John
    L.") or it has the "J. Smith" shape; the model also tags eponyms, signs and anatomy."""
    text = caption[start:end]
    if _NOT_NAME_TEXT.search(text):
        return False
    first_names = gazetteer(rule)
    for word in _words(text):
        if word.isupper():
            continue  # an acronym ("ED"), not a name
        for part in fold(word.lower()).removesuffix("'s").split("-"):
            if part in first_names and word[0].isupper():
                return True
    return bool(_INITIAL_SURNAME.search(text))


#: the word before an age written after a name: "Miles (5)", "Kenzie, 14,"
_WORD_BEFORE = compile_pattern(r"(\pL[\pL'’-]*)[\s(,]*$", case_sensitive=True)


@span_filter("after_first_name")
def after_first_name(caption: str, start: int, end: int, rule: Rule) -> bool:
    """The span follows a word :func:`person_like` reads as a name (a capitalized known first
    name of the rule's ``gazetteer``), with only spaces, a comma or an opening parenthesis
    between: "Miles (5)", "Jen (53)" (not "Figure (5)", "Levels C5, 6")."""
    offset = max(0, start - 40)
    found = _WORD_BEFORE.search(caption[offset:start])
    if found is None:
        return False
    return person_like(caption, offset + found.start(1), offset + found.end(1), rule)


@span_filter("not_person_like")
def not_person_like(caption: str, start: int, end: int, rule: Rule) -> bool:
    """The opposite of :func:`person_like`: "from Munising" is a place, "from Anna Kowalski" a
    person (a known first name, from the rule's ``gazetteer``)."""
    return not person_like(caption, start, end, rule)


_PLACE_TAILS = frozenset(
    [
        "city",
        "county",
        "province",
        "island",
        "islands",
        "beach",
        "park",
        "lake",
        "valley",
        "heights",
        "hills",
        "springs",
        "falls",
        "woods",
        "township",
        "village",
        "road",
        "street",
        "avenue",
        "ave",
        "blvd",
        "boulevard",
        "mountains",
        "mountain",
        "river",
        "bay",
    ]
)


@span_filter("place_like")
def place_like(caption: str, start: int, end: int, rule: Rule) -> bool:
    """A LOCATION entity is a place when a run of its words is in the gazetteer ("Qingdao City",
    "Sierra Leone"), it ends like a place name ("Winton Woods"), or it follows a locative
    preposition ("from Smallville"); the model also tags anatomy, diseases and acronyms."""
    text = caption[start:end]
    if any(char.isdigit() for char in text):
        return False
    places = gazetteer(rule)
    words = [w.removesuffix("'s") for w in _words(text)]
    lowered = [fold(w.lower()) for w in words]
    for size in range(len(words), 0, -1):
        for start in range(len(words) - size + 1):
            if " ".join(lowered[start : start + size]) in places:
                return True
    if words and all(w[0].isupper() for w in words) and not text.isupper():
        if len(words) >= 2 and lowered[-1] in _PLACE_TAILS:
            return True
        before = caption[max(0, start - 40) : start]
        return bool(_LOCATIVE_BEFORE.search(before))
    return False


_HASHTAG_WORDS = compile_pattern(r"#([A-Za-z][A-Za-z0-9_]{2,})", case_sensitive=True)
_CAMEL = compile_pattern(r"[A-Z]?[a-z]+|[A-Z]+(?:[a-z]+)?|\d+", case_sensitive=True)
_SUPPORT_WORDS = frozenset(
    [
        "team",
        "strong",
        "prayfor",
        "pray",
        "praying",
        "for",
        "warrior",
        "army",
        "fight",
        "fighter",
        "brave",
        "love",
        "journey",
        "story",
        "justice",
        "for",
        "strength",
        "tough",
        "hero",
        "miracle",
        "bless",
        "blessed",
        "remembering",
        "inmemoryof",
        "memory",
        "rip",
        "forever",
        "angel",
        "legacy",
        "mighty",
        "prayers",
        "power",
        "brigade",
        "crew",
        "squad",
        "baby",
        "little",
        "lil",
        "light",
        "shine",
        "wings",
        "smile",
        "sunshine",
        "courage",
        "lionheart",
    ]
)


@detector("name_hashtags")
def name_hashtags(ctx: Context, rule: Rule) -> Iterator[tuple[int, int]]:
    """Hashtags that pair a first name, possessive or not, with a support word (#TeamEthan,
    #SofiaStrong, #NoorsLight)."""
    first_names = gazetteer(rule)
    places = hashtag_lookup(rule.lexicon_dir, ("places",))
    for match in _HASHTAG_WORDS.finditer(ctx.text):
        body = match.group(1)
        parts = [m.group(0).lower() for m in _CAMEL.finditer(body)]
        if len(parts) < 2 and body.islower():
            continue
        # "#NoorsLight": a possessive name is the name
        has_name = any((p in first_names or (p[-1:] == "s" and p[:-1] in first_names))
                       and p not in _SUPPORT_WORDS for p in parts)
        has_support = any(p in _SUPPORT_WORDS for p in parts)
        if has_name and has_support:
            named = "".join(p for p in parts if p not in _SUPPORT_WORDS)
            if named in places and named not in first_names:
                continue  # "#LakeCharlesStrong" is the town's ("#SofiaStrong" stays a name)
            yield match.span()


#: Words a place hashtag pairs with a town ("#ToledoStrong", "#DaytonProud", "#OhioKids").
_COMMUNITY_WORDS = frozenset(
    [
        "strong",
        "proud",
        "pride",
        "nation",
        "love",
        "kids",
        "family",
        "fam",
        "football",
        "soccer",
        "baseball",
        "basketball",
        "hockey",
        "lacrosse",
        "wrestling",
        "volleyball",
        "softball",
        "athletics",
        "sports",
        "high",
        "hs",
        "school",
        "elementary",
        "county",
        "local",
        "news",
        "tough",
        "united",
        "rising",
        "rad",
        "rads",
        "radiology",
        "together",
        "forever",
        "native",
        "born",
        "raised",
        "life",
        "made",
        "hospital",
        "childrens",
        "peds",
        "nurses",
        "docs",
        "eagles",
        "tigers",
        "lions",
        "bears",
    ]
)
_US_STATES = frozenset(
    [
        "AL",
        "AK",
        "AZ",
        "AR",
        "CA",
        "CO",
        "CT",
        "DE",
        "FL",
        "GA",
        "HI",
        "ID",
        "IL",
        "IN",
        "IA",
        "KS",
        "KY",
        "LA",
        "ME",
        "MD",
        "MA",
        "MI",
        "MN",
        "MS",
        "MO",
        "MT",
        "NE",
        "NV",
        "NH",
        "NJ",
        "NM",
        "NY",
        "NC",
        "ND",
        "OH",
        "OK",
        "OR",
        "PA",
        "RI",
        "SC",
        "SD",
        "TN",
        "TX",
        "UT",
        "VT",
        "VA",
        "WA",
        "WV",
        "WI",
        "WY",
        "DC",
    ]
)
#: one-word US state names, the second half of a town's hashtag ("#TroyOhio", "#MesaArizona")
_STATE_NAMES = frozenset(name for name in US_STATE_NAMES if " " not in name)
_PLACE_PREFIXES = frozenset(["lake", "mount", "mt", "camp", "fort", "port", "saint", "st", "san"])


@cache
def _place_prefixes(places: Gazetteer) -> frozenset[str]:
    """The first two or more words of every place of three or more words ("new smyrna" of
    "new smyrna beach"): a hashtag often drops the last word.  Read as ``run in places or run in
    prefixes``, so a prefix that is itself a place is left out."""
    prefixes = set()
    for place in places:
        if place.isalpha():
            continue  # one word (most places): no prefix
        words = place.split()
        for size in range(2, len(words)):
            prefix = " ".join(words[:size])
            if prefix not in places:
                prefixes.add(prefix)
    return frozenset(prefixes)


@detector("place_hashtags")
def place_hashtags(ctx: Context, rule: Rule) -> Iterator[tuple[int, int]]:
    """Camel-case hashtags that name a place: "#NewSmyrna", "#LakeWinnipesaukee",
    "#ToledoStrong" — a known place of two or more words (or the start of one), a "Lake"/"Camp"
    name, or a known one-word place beside a community word.  One-word hashtags that are a place
    ("#Dayton") are the rule's ``hashtags`` lexicon."""
    places = gazetteer(rule)
    prefixes: frozenset[str] | None = None  # built on the first hashtag of two words or more
    for match in _HASHTAG_WORDS.finditer(ctx.text):
        body = match.group(1)
        if body.islower() or body.isupper():
            continue  # no word boundaries to read
        parts = [m.group(0) for m in _CAMEL.finditer(body)]
        lowered = [fold(p.lower()) for p in parts]
        if len(parts) < 2:
            continue
        if prefixes is None:
            prefixes = _place_prefixes(places)
        hit = False
        for size in range(len(parts), 0, -1):
            for start in range(len(parts) - size + 1):
                run = " ".join(lowered[start : start + size])
                if size >= 2 and (run in places or run in prefixes):
                    hit = True
                elif size == 1 and run in places and len(run) >= 4 and parts[start][0].isupper():
                    others = lowered[:start] + lowered[start + 1 :]
                    hit = all(o in _COMMUNITY_WORDS for o in others)
                if hit:
                    break
            if hit:
                break
        if not hit and lowered[0] in _PLACE_PREFIXES and len(parts) == 2 and parts[1][0].isupper():
            hit = len(parts[1]) >= 4  # "#LakeWinnipesaukee", "#CampKern"
        if (
            not hit
            and len(parts) == 2
            and parts[0][0].isupper()
            and len(parts[0]) >= 4
            and (
                lowered[1] in _PLACE_TAILS or parts[1] in _US_STATES or lowered[1] in _STATE_NAMES
            )
        ):
            hit = True  # "#HockingHills", "#WintergreenVA", "#TroyOhio"
        if (
            not hit
            and len(parts) == 3
            and all(p[0].isupper() and len(p) >= 3 for p in parts)
            and lowered[2] in _PLACE_TAILS
        ):
            hit = True  # "#GreatSmokyMountains", "#BlueRidgeMountains"
        if hit:
            yield match.span()


from . import narrative, sentencemodel  # noqa: E402,F401  (register detectors)

_CAPITALIZED_WORD = compile_pattern(r"\p{Lu}\p{Ll}+(?:-\p{Lu}\p{Ll}+)?", case_sensitive=True)
_NOT_FIRST_NAMES = frozenset(
    [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "christmas",
        "easter",
        # seasons that are rarely given names ("🌸 Spring allergies?"); Summer and Autumn are
        # common ones and stay
        "spring",
        "winter",
    ]
)


#: a place preposition before a given name makes it a place: "a CT at Grady", "in the Mercy
#: clinic", "a ranch outside Cody", "sent over from the Mercy clinic", "transferred to Grady",
#: "skiing Kelly Canyon" (over dev: 24 of 27 given names after at/in/near/outside were places;
#: the others were "at Nan's", which the possessive keeps a name, a newspaper and a
#: championship). "from Ava" and "to Ava" are names ("a kidney from Anna", "goodbye to Mateo");
#: "from the Ava" is not.
_PLACE_PREPOSITION = compile_pattern(
    r"\b(?:(?i:at|in|near|outside(?:\s+of)?|behind|beside|across|along|inside)\s+(?:(?i:the)\s+)?"
    r"|(?i:from|to)\s+(?i:the)\s+"
    r"|(?i:transferred|flown|airlifted|sent|referred|rushed|taken|admitted|moved)\s+(?i:back\s+)?"
    r"(?i:to)\s+"
    r"|(?i:hiking|hiked|climbing|climbed|skiing|skied|summited|summiting)\s+(?:(?i:the)\s+)?)$",
    case_sensitive=True,
)
#: a capitalized word that carries on a place's name: "Mercy West", "Ben Taub", "Jefferson Middle"
_NAME_TAIL_WORD = compile_pattern(r"[ -](\p{Lu}\p{Ll}+)", case_sensitive=True)
#: ... or that starts it: "from the Nile Delta", "behind Holy Grace Church"
_NAME_HEAD_WORD = compile_pattern(r"(\p{Lu}\p{Ll}+) $", case_sensitive=True)


def _place_named_like_a_person(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The place a given name at ``start:end`` is part of, if a place preposition comes before
    the capitalized words around it, which are then its name (at most two before and two after;
    no month or weekday, which would be a date: "in March Ava was"); ``None`` if it is a person."""
    for _ in range(2):
        head = _NAME_HEAD_WORD.search(text[max(0, start - 20) : start])
        if head is None or head.group(1).lower() in _NOT_FIRST_NAMES:
            break
        start -= len(head.group(0))
    if _PLACE_PREPOSITION.search(text[max(0, start - 30) : start]) is None:
        return None
    for _ in range(2):
        word = _NAME_TAIL_WORD.match(text, end)
        if word is None or word.group(1).lower() in _NOT_FIRST_NAMES:
            break  # "at Mercy on Monday", "at Grady Tuesday"
        end = word.end()
    if text[end : end + 1] in ("'", "’"):
        return None  # "at Nan's", "in Sarah Jones's room": a person's home
    return start, end


@detector("first_names")
def first_names(ctx: Context, rule: Rule) -> Iterator[tuple[int, int]]:
    """A known first name, capitalized, inside a sentence ("brought in by grandmother Rose",
    "Sofia beat it"): the model misses many single first names.  Sentence-initial words count
    only when the parser tags them as proper nouns; one in a place's name is
    :func:`given_name_places`'."""
    for start, end, place in _first_names_and_places(ctx, rule):
        if place is None:
            yield start, end


@detector("given_name_places")
def given_name_places(ctx: Context, rule: Rule) -> Iterator[tuple[int, int]]:
    """A place named like a person, after a place preposition: "prior CT at Mercy", "RN at
    Mercy West", "a ranch outside Cody", "from the Nile Delta" (the rule's ``gazetteer`` holds
    the given names)."""
    for _, _, place in _first_names_and_places(ctx, rule):
        if place is not None:
            yield place


#: the caption (its Context) and gazetteer last read by :func:`_first_names_and_places`
_LAST_FIRST_NAMES: list[Any] = []


def _first_names_and_places(
    ctx: Context, rule: Rule
) -> list[tuple[int, int, tuple[int, int] | None]]:
    """Each known first name of the caption, with the place it is part of (``None``: a person);
    NAME007 and LOC010 both read it, so the caption is scanned once."""
    key = (rule.lexicon_dir, rule.detect.gazetteer)
    if _LAST_FIRST_NAMES and _LAST_FIRST_NAMES[0] is ctx and _LAST_FIRST_NAMES[1] == key:
        return _LAST_FIRST_NAMES[2]
    found = [
        (start, end, _place_named_like_a_person(ctx.text, start, end))
        for start, end in _first_name_words(ctx, rule)
    ]
    _LAST_FIRST_NAMES[:] = [ctx, key, found]
    return found


def _first_name_words(ctx: Context, rule: Rule) -> Iterator[tuple[int, int]]:
    names = gazetteer(rule)
    places = _gazetteer(rule.lexicon_dir / "places.txt")
    text = ctx.text
    for match in _CAPITALIZED_WORD.finditer(text):
        if match.start() and (text[match.start() - 1].isalnum() or text[match.start() - 1] in "#-"):
            continue  # inside a hashtag, a word or a compound ("#PedsRadPearl", "Port-au-Prince")
        word = match.group(0)
        after = text[match.end():match.end() + 12]
        if after[:2] in ("'t", "’t"):
            continue  # a contraction: "Don’t touch", "Won't"
        if after[:1] == "-" and after[1:2].islower():
            continue  # a compound: "Clay-shoveler's fracture" (a double name is capitalized)
        if word == "Buddy" and after.lstrip(" -").lower().startswith(("tap", "strap")):
            continue  # "Buddy taping", the splint
        key = fold(word.lower())
        parts = key.split("-")
        if (
            key in _NOT_FIRST_NAMES
            or key in places
            or len(key) < 3
            or not all(p in names for p in parts)
        ):
            continue  # "Florida", "Austin": the place rules decide; "Mercedes-Benz" is no name
        before = text[: match.start()].rstrip()
        if not before or before[-1] in _SENTENCE_END:
            token = _token_at(ctx.doc, match.start())
            if token is None or token.pos_ != "PROPN" or token.ent_type_ not in ("PERSON", ""):
                continue
        yield match.span()


def _token_at(doc: Any, offset: int) -> Any:
    if doc is None:
        return None
    span = doc.char_span(offset, offset + 1, alignment_mode="expand")
    return span[0] if span is not None and len(span) else None
