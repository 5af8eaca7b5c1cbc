"""The contract of the recognizers that read the parsed text (names, places, workplaces).

A subclass implements ``find(doc, analysis)`` and yields ``Found`` records; the base turns them
into Presidio results with an explanation naming the evidence. ``analysis`` holds Apertium's
readings of every capitalised word of the text, computed once per text and shared by all
recognizers (kept in ``doc.user_data``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from presidio_analyzer import AnalysisExplanation, EntityRecognizer, RecognizerResult
from spacy.tokens import Doc, Token

from anonymizer import lexicon
from anonymizer.lexicon import genitive_base

LANGUAGE = "nb"
PLACE_PREPOSITIONS = frozenset(
    [
        "i", "på", "fra", "til", "ved", "mot", "utenfor", "nær", "rundt", "gjennom", "via",
        "innenfor", "bortenfor", "nord", "sør", "øst", "vest",
    ]
)
# Words that put a name next: pre-name articles of spoken Norwegian («han Per», «a Kari»,
# «'n Ola»), titles and kinship words, and verbs of naming.
NAME_TRIGGERS = frozenset(
    [
        "han", "hun", "ho", "hu", "a", "'n", "n", "fru", "herr", "frk.", "frøken", "onkel", "tante",
        "fetter", "kusine", "bestemor", "bestefar", "mormor", "morfar", "farmor", "farfar",
        "kollega", "kollegaen", "sjefen", "lege", "legen", "dr.", "doktor", "saksbehandler",
        "saksbehandleren", "veileder", "veilederen", "heter", "het", "kalt", "kalles", "kaller",
        "navnet",
    ]
)
SENTENCE_END = frozenset({".", "!", "?", ":", "«", "»", '"', "-", "–", "—", "…", "..."})
MONTHS = frozenset(
    [
        "januar", "februar", "mars", "april", "mai", "juni", "juli", "august", "september",
        "oktober", "november", "desember",
    ]
)
WEEKDAYS = frozenset(["mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag"])
_ANALYSIS_KEY = "intervju_apertium"


@dataclass(frozen=True)
class Found:
    start: int  # token index
    end: int  # token index, exclusive
    label: str
    score: float
    evidence: str


def analysis_of(doc: Doc) -> dict[str, lexicon.Analysis]:
    """Apertium's readings of the doc's capitalised words (one lt-proc run per doc)."""
    cached = doc.user_data.get(_ANALYSIS_KEY)
    if cached is None:
        words = {genitive_base(t.text) for t in doc if is_capitalised(t.text)}
        words |= {t.text for t in doc if is_capitalised(t.text)}
        cached = lexicon.analyse(words)
        doc.user_data[_ANALYSIS_KEY] = cached
    return cached


def is_capitalised(text: str) -> bool:
    """«Kari», «Kari-Anne», «McDonald»: upper-case first letter, then some lower case."""
    return len(text) > 1 and text[0].isupper() and any(c.islower() for c in text[1:]) and all(
        c.isalpha() or c in "-'" for c in text
    )


def is_sentence_start(token: Token) -> bool:
    """First word of a sentence, a transcript line, or a quote: capitalised there anyway."""
    if token.i == 0 or token.is_sent_start:
        return True
    prev = token.doc[token.i - 1]
    return prev.text in SENTENCE_END or "\n" in prev.text or "\n" in prev.whitespace_ or (
        prev.is_space
    )


def mid_sentence(token: Token) -> bool:
    """Clearly inside a sentence: after a lower-case word or a comma (a capital here is a
    name's; headlines and lists without full stops do not count)."""
    if token.i == 0 or is_sentence_start(token):
        return False
    prev = token.doc[token.i - 1].text
    return prev == "," or (prev[:1].islower() and prev.isalpha())


_ENDINGS = ("ene", "en", "et", "er", "a", "e", "n", "s")


def is_compound_word(text: str) -> bool:
    """«Trappeheisen», «TV-kanalen», «Rusmiddelundersøkelsen»: the last part is an ordinary
    word, so the whole is an ordinary compound, not a name."""
    low = text.lower()
    if "-" in text:
        last = text.rsplit("-", 1)[1]
        return bool(last) and last[:1].islower()
    common = lexicon.common_words()
    for k in range(len(low) - 3, 3, -1):
        tail = low[-k:]
        if tail in common or any(
            tail.endswith(e) and tail[: -len(e)] in common and len(tail) - len(e) >= 4
            for e in _ENDINGS
        ):
            return True
    return False


def previous_word(token: Token) -> str:
    return token.doc[token.i - 1].lower_ if token.i > 0 else ""


class DocRecognizer(EntityRecognizer):
    """A Presidio recognizer over the spaCy doc of the text."""

    ENTITIES: ClassVar[tuple[str, ...]]

    name: str

    def __init__(self) -> None:
        super().__init__(supported_entities=list(self.ENTITIES), supported_language=LANGUAGE)

    def load(self) -> None:
        """Word lists load lazily and are cached per process."""

    def find(self, doc: Doc, analysis: dict[str, lexicon.Analysis]) -> Iterable[Found]:
        raise NotImplementedError

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: Any = None
    ) -> list[RecognizerResult]:
        if nlp_artifacts is None or not isinstance(nlp_artifacts.tokens, Doc):
            raise ValueError(f"{self.name} needs the spaCy doc of the text")
        doc: Doc = nlp_artifacts.tokens
        return list(self._results(doc, set(entities)))

    def _results(self, doc: Doc, wanted: set[str]) -> Iterator[RecognizerResult]:
        for found in self.find(doc, analysis_of(doc)):
            if wanted and found.label not in wanted:
                continue
            span = doc[found.start:found.end]
            explanation = AnalysisExplanation(
                recognizer=self.name, original_score=found.score, textual_explanation=found.evidence
            )
            yield RecognizerResult(
                entity_type=found.label,
                start=span.start_char,
                end=span.end_char,
                score=found.score,
                analysis_explanation=explanation,
                recognition_metadata={
                    RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                    RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
                },
            )
