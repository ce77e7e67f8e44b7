"""A pipeline component: a line break starts a sentence.

Captions are written in lines ("History: ...", an Instagram caption's one-liners, hashtags on the
last line), often without a full stop.  spaCy's parser runs such lines together and attaches a
verb on one line to a subject on the line before ("#tbt to Christmas Eve call 🎄 / 3yo swallowed
a button battery"), which hides the story from the narrative detectors.  Set before the parser,
these sentence starts are respected by it.  Imported only when the model loads (it imports spaCy).
"""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

NAME = "caplint_line_breaks"


@Language.component(NAME)
def line_breaks(doc: Doc) -> Doc:
    for token in doc[1:]:
        previous = doc[token.i - 1]
        if "\n" in previous.whitespace_ or (previous.is_space and "\n" in previous.text):
            token.is_sent_start = True
    return doc
