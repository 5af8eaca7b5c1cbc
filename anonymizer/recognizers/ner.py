"""Named entities from the spaCy pipeline (NorNE labels), mapped to Presidio entities.

A sentence-initial single word whose lower-case form is an ordinary word («Hans mor», «Per i
dag», «Mai og juni») is a name only when the parse agrees: it is the subject or a proper noun
followed by a verb. The NER alone guesses there; the other recognizers add context.
"""

from __future__ import annotations

from collections.abc import Iterable

from spacy.tokens import Doc, Span, Token

from anonymizer import labels, lexicon
from anonymizer.recognizers._doc import (
    MONTHS,
    WEEKDAYS,
    DocRecognizer,
    Found,
    genitive_base,
    is_sentence_start,
)

SCORE = 0.85
NAME_PARTICLES = frozenset({"von", "van", "de", "der", "den", "af", "av", "la", "le", "bin", "al"})


NEVER_IN_NAMES = frozenset({"VERB", "AUX", "ADV", "ADP", "CCONJ", "SCONJ", "PRON", "PUNCT"})
# national or generic institutions: naming them identifies no one
GENERIC = frozenset({"NAV", "Nav", "DPS", "BUP", "Barnevernet", "Politiet", "Legevakten",
                     "Kommunen", "Sykehuset", "Stortinget", "Regjeringen", "Helsedirektoratet"})


def _trim(ent: Span, label: str) -> tuple[int, int]:
    """The entity without lower-case words the NER ran into («Stein inn» → «Stein»).

    A person's name keeps no lower-case word but particles («von», «de»); other names keep
    lower-case nouns and adjectives («Bodø videregående skole») but no verbs or function words.
    """
    start, end = ent.start, ent.end
    doc = ent.doc

    def stray(token: Token) -> bool:
        if not token.text[:1].islower():
            return False
        if label == labels.PERSON:
            return token.lower_ not in NAME_PARTICLES
        return token.pos_ in NEVER_IN_NAMES

    while end > start and stray(doc[end - 1]):
        end -= 1
    while start < end and stray(doc[start]):
        start += 1
    return start, end


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
            start, end = _trim(ent, label)
            if end > start and genitive_base(doc[start:end].text) not in GENERIC:
                yield Found(start, end, label, SCORE, f"NER {ent.label_}")
