"""A faster ``pipe`` for spaCy's English rule lemmatizer, with the same lemmas.

The stock component calls ``rule_lemmatize`` on every token, in Python: ~0.4 ms of a ~270-character
caption on the benchmark machine (~5% of ``nlp.pipe``), most of it on tokens whose lemma needs no
rule at all.  ``rule_lemmatize`` decides in this order:

1. a (text, part of speech, morphology) it has lemmatized by rule before: the remembered lemma;
2. a space or end-of-line: the lower-case text;
3. a base form (``EnglishLemmatizer.is_base_form``: a singular noun, an infinitive, a positive
   adjective, ...): the lower-case text;
4. a part of speech without lemma tables: the text if a proper noun, else the lower-case text;
5. otherwise the rules and exception tables for the text (remembered, see 1).

Steps 2-4 depend on the part of speech and the morphology only, never on the word: so the kind
of lemma a token gets (its lower-case text, its text, or "by rule") is worked out once per
distinct (part of speech, morphology) (a few hundred in English), by the component's own
``is_base_form`` on the first token that has it, and every other token takes its lemma from
``Doc.to_array``'s LOWER or ORTH column without a call.  Only the tokens that need the rules (3 in
10) go to ``rule_lemmatize`` as before, which remembers its results as before; the lemmas are
written back with one ``Doc.from_array``.  ``tests/test_lemmas.py`` compares every token's lemma
with the stock component's.

Only ``nlp.pipe`` uses it (``Language.pipe`` calls a component's ``pipe``); ``nlp(text)`` calls the
class's ``__call__``, the stock loop, with the same result.  Imported only when the model loads.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import numpy
from spacy.attrs import LEMMA, LOWER, MORPH, ORTH, POS
from spacy.errors import Errors
from spacy.lang.en.lemmatizer import EnglishLemmatizer
from spacy.tokens import Doc

_COLUMNS = [POS, MORPH, LEMMA, LOWER, ORTH]
#: the kinds of lemma (see the module docstring)
_LOWER, _TEXT, _RULES = range(3)
#: distinct (part of speech, morphology) remembered (English has a few hundred)
KINDS_SIZE = 4_096


class FastLemmatize:
    """``Lemmatizer.pipe`` for a rule-mode ``EnglishLemmatizer``: same lemmas, fewer calls."""

    def __init__(self, lemmatizer: Any) -> None:
        self.lemmatizer = lemmatizer
        self._kinds: dict[tuple[int, int], int] = {}

    def _kind(self, token: Any) -> int | None:
        """Which lemma ``token`` gets (steps 2-4 of ``rule_lemmatize``), None for the stock
        call (no part of speech: it warns)."""
        lemmatizer = self.lemmatizer
        univ_pos = token.pos_.lower()
        if univ_pos == "":
            return None
        if univ_pos in ("eol", "space") or lemmatizer.is_base_form(token):
            kind = _LOWER
        elif not any(
            lemmatizer.lookups.get_table(name, {}).get(univ_pos)
            for name in ("lemma_index", "lemma_exc", "lemma_rules")
        ):
            kind = _TEXT if univ_pos == "propn" else _LOWER
        else:
            kind = _RULES
        if len(self._kinds) < KINDS_SIZE:
            self._kinds[(token.pos, token.morph.key)] = kind
        return kind

    def lemmatize(self, doc: Doc) -> Doc:
        """Set the lemma of every token that has none (of every token with ``overwrite``)."""
        lemmatizer = self.lemmatizer
        if not lemmatizer._validated:
            lemmatizer._validate_tables(Errors.E1004)
        overwrite = lemmatizer.overwrite
        strings = doc.vocab.strings
        kinds, cache = self._kinds, lemmatizer.cache
        lemmas = []
        for i, (pos, morph, lemma, lower, orth) in enumerate(doc.to_array(_COLUMNS).tolist()):
            if lemma and not overwrite:
                lemmas.append(lemma)
                continue
            kind = kinds.get((pos, morph))
            if kind is None:
                kind = self._kind(doc[i])
            if kind == _LOWER:
                lemmas.append(lower)
            elif kind == _TEXT:
                lemmas.append(orth)
            else:  # step 1, else the stock call (which remembers what it finds by rule)
                forms = cache.get((orth, pos, morph))
                if forms is None:
                    forms = lemmatizer.lemmatize(doc[i])
                lemmas.append(strings.add(forms[0]))
        if lemmas:
            doc.from_array([LEMMA], numpy.array(lemmas, dtype=numpy.uint64))
        return doc

    def pipe(self, stream: Iterable[Doc], *, batch_size: int = 128) -> Iterator[Doc]:
        """The component's ``pipe``: each Doc lemmatized, errors to its error handler."""
        error_handler = self.lemmatizer.get_error_handler()
        for doc in stream:
            try:
                yield self.lemmatize(doc)
            except Exception as e:
                error_handler(self.lemmatizer.name, self.lemmatizer, [doc], e)


def speed_up_lemmatizer(nlp: Any, name: str = "lemmatizer") -> bool:
    """Give the pipeline's English rule lemmatizer the faster ``pipe``; False when it has none
    (another language, another mode, or a subclass with its own base forms)."""
    if name not in nlp.pipe_names:
        return False
    lemmatizer = nlp.get_pipe(name)
    if (
        type(lemmatizer) is not EnglishLemmatizer
        or lemmatizer.mode != "rule"
        or getattr(lemmatizer.lemmatize, "__func__", None) is not EnglishLemmatizer.rule_lemmatize
    ):
        return False
    lemmatizer.pipe = FastLemmatize(lemmatizer).pipe
    return True
