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
from anonymizer.recognizers.organization import GENERIC_SERVICES

SCORE = 0.85
NAME_PARTICLES = frozenset({"von", "van", "de", "der", "den", "af", "av", "la", "le", "bin", "al"})


NEVER_IN_NAMES = frozenset({"VERB", "AUX", "ADV", "ADP", "CCONJ", "SCONJ", "PRON", "PUNCT"})


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


def _ordinary_word(token: Token, analysis: dict[str, lexicon.Analysis]) -> bool:
    """A word the dictionaries know only as an ordinary word, never as a name."""
    info = analysis.get(token.text)
    if info is not None and info.proper:
        return False
    if token.text in lexicon.first_names() or token.text in lexicon.surnames():
        return False
    return (info is not None and info.common) or lexicon.is_common_word(token.text)


def _doubtful(ent: Span, analysis: dict[str, lexicon.Analysis]) -> bool:
    """An entity the NER guessed where the words say otherwise.

    - all lower case («regjeringen»): names are written with a capital;
    - a month or weekday alone;
    - at the start of a sentence, an ordinary word that is never a name («Spørsmålet er …»,
      «Oppmerksomheten din»);
    - at the start of a sentence, a word that is also a name but not used as the subject
      («Hans mor», «Per i dag»).
    """
    first = ent[0]
    if not any(t.text[:1].isupper() for t in ent):
        return True
    if len(ent) == 1 and (first.lower_ in MONTHS or first.lower_ in WEEKDAYS):
        return True
    if not is_sentence_start(first):
        return False
    if _ordinary_word(first, analysis) and (len(ent) == 1 or ent[1].text[:1].islower()):
        return True
    if len(ent) != 1 or not lexicon.is_common_word(first.text):
        return False
    nxt = first.doc[first.i + 1] if first.i + 1 < len(first.doc) else None
    subject_like = first.dep_ in ("SUBJ", "nsubj") or (
        nxt is not None and nxt.pos_ in ("VERB", "AUX")
    )
    return not subject_like


class NerRecognizer(DocRecognizer):
    """PERSON, LOCATION and ORGANIZATION from the trained NER."""

    ENTITIES = (labels.PERSON, labels.LOCATION, labels.ORGANIZATION)

    def find(self, doc: Doc, analysis: dict[str, lexicon.Analysis]) -> Iterable[Found]:
        for ent in doc.ents:
            label = labels.NORNE.get(ent.label_)
            if label is None or _doubtful(ent, analysis):
                continue
            start, end = _trim(ent, label)
            if end > start and genitive_base(doc[start:end].text) not in GENERIC_SERVICES:
                yield Found(start, end, label, SCORE, f"NER {ent.label_}")
