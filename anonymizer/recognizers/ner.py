"""Named entities from the spaCy pipeline (NorNE labels), mapped to Presidio entities.

A sentence-initial single word whose lower-case form is an ordinary word («Hans mor», «Per i
dag», «Mai og juni») is a name only when the parse agrees: it is the subject or a proper noun
followed by a verb. The NER alone guesses there; the other recognizers add context.
"""

from __future__ import annotations

from collections.abc import Iterable

from spacy.tokens import Doc, Span

from anonymizer import labels, lexicon
from anonymizer.recognizers._doc import MONTHS, WEEKDAYS, DocRecognizer, Found, is_sentence_start

SCORE = 0.85


def _doubtful(ent: Span) -> bool:
    if len(ent) != 1:
        return False
    token = ent[0]
    low = token.lower_
    if low in MONTHS or low in WEEKDAYS:
        return True
    if not (is_sentence_start(token) and lexicon.is_common_word(token.text)):
        return False
    nxt = token.doc[token.i + 1] if token.i + 1 < len(token.doc) else None
    subject_like = token.dep_ in ("SUBJ", "nsubj") or (
        nxt is not None and nxt.pos_ in ("VERB", "AUX")
    )
    return not subject_like


class NerRecognizer(DocRecognizer):
    """PERSON, LOCATION and ORGANIZATION from the trained NER."""

    ENTITIES = (labels.PERSON, labels.LOCATION, labels.ORGANIZATION)

    def find(self, doc: Doc, analysis: dict[str, lexicon.Analysis]) -> Iterable[Found]:
        for ent in doc.ents:
            label = labels.NORNE.get(ent.label_)
            if label is None or _doubtful(ent):
                continue
            yield Found(ent.start, ent.end, label, SCORE, f"NER {ent.label_}")
