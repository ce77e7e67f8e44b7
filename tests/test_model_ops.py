"""caplint.model: the pipeline's matrix products go through numpy's BLAS instead of blis, with
the same annotations as the stock pipeline, and without touching the process's current ops."""

from __future__ import annotations

import pytest

spacy = pytest.importorskip("spacy")

from test_attributes import _texts  # noqa: E402
from thinc.api import NumpyOps, get_current_ops  # noqa: E402

from caplint.model import build_pipeline, load_pipeline, resolve_model_name  # noqa: E402


def _annotations(nlp, texts):
    return [
        (
            [t.tag_ for t in doc],
            [(t.dep_, t.head.i) for t in doc],
            [(e.start, e.end, e.label_) for e in doc.ents],
        )
        for doc in nlp.pipe(texts, batch_size=64)
    ]


def test_layers_multiply_with_numpy_and_the_current_ops_are_left_alone() -> None:
    before = get_current_ops()
    nlp = load_pipeline()
    for name in ("tok2vec", "tagger", "parser", "ner"):
        for layer in nlp.get_pipe(name).model.walk():
            assert isinstance(layer.ops, NumpyOps) and not layer.ops.use_blis, (name, layer.name)
    after = get_current_ops()
    assert type(after) is type(before)
    assert getattr(after, "use_blis", None) == getattr(before, "use_blis", None)


def test_same_tags_parses_and_entities_as_with_blis() -> None:
    texts = _texts()
    stock = build_pipeline(resolve_model_name(), numpy_matmul=False)
    assert all(
        getattr(layer.ops, "use_blis", True) for layer in stock.get_pipe("ner").model.walk()
    ), "the pipeline built with numpy_matmul=False should use blis, or this test compares nothing"
    ours = _annotations(load_pipeline(), texts)
    theirs = _annotations(stock, texts)
    for text, a, b in zip(texts, ours, theirs, strict=True):
        assert a == b, text


def test_blas_thread_count_is_restored_after_linting() -> None:
    from threadpoolctl import threadpool_info

    before = [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]
    list(load_pipeline().pipe(["A 7 yo from Dayton with Wilms tumor."] * 40, batch_size=32))
    after = [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]
    assert after == before
