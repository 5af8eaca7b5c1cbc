"""The anonymiser: normalise → detect → decide → rewrite, for one Norwegian text at a time."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from presidio_analyzer import AnalyzerEngine, EntityRecognizer, RecognizerRegistry
from presidio_analyzer.nlp_engine import NlpArtifacts

from anonymizer import data, labels, lexicon
from anonymizer.edits import Edit, OffsetMap, apply_edits, merge_edits
from anonymizer.nlp import LoadedSpacyEngine, load_pipeline
from anonymizer.pronouns import rewrite_pronouns
from anonymizer.replace import Tagger
from anonymizer.resolve import resolve
from anonymizer.types import AnonymizationResult, Policy, Replacement, Span

log = logging.getLogger(__name__)

LANGUAGES = ("nb",)
# «han Per», «a Kari», «'n Ola»: spoken pre-name articles go with the name into its tag
PRE_NAME_ARTICLES = frozenset({"han", "hun", "ho", "hu", "a", "'n", "n"})


def default_recognizers() -> list[EntityRecognizer]:
    """Every Norwegian recognizer, one per module under ``anonymizer.recognizers``."""
    from anonymizer.recognizers.address import AddressRecognizer
    from anonymizer.recognizers.dates import AgeRecognizer, DateRecognizer
    from anonymizer.recognizers.email import EmailRecognizer
    from anonymizer.recognizers.fodselsnummer import FodselsnummerRecognizer
    from anonymizer.recognizers.location import LocationRecognizer
    from anonymizer.recognizers.ner import NerRecognizer
    from anonymizer.recognizers.organization import OrganizationRecognizer
    from anonymizer.recognizers.person import PersonRecognizer
    from anonymizer.recognizers.phone import PhoneRecognizer

    return [
        NerRecognizer(), PersonRecognizer(), LocationRecognizer(), OrganizationRecognizer(),
        FodselsnummerRecognizer(), PhoneRecognizer(), EmailRecognizer(), AddressRecognizer(),
        DateRecognizer(), AgeRecognizer(),
    ]


def _is_known(label: str, word: str) -> bool:
    if label == labels.PERSON:
        return word in lexicon.first_names() or word in lexicon.surnames()
    return word in data.municipalities() or word in data.postal_place_names()


class Anonymizer:
    """Finds and replaces what identifies people in Norwegian text.

    ``language`` must be given and must be ``"nb"`` (the output is bokmål whatever the input
    dialect). ``model``: None for the bundled NorNE pipeline, or a directory / installed spaCy
    package (``nb_core_news_lg``).
    """

    def __init__(
        self,
        language: str,
        policy: Policy | None = None,
        model: str | Path | None = None,
        recognizers: Sequence[EntityRecognizer] | None = None,
    ) -> None:
        if language not in LANGUAGES:
            raise ValueError(f"language {language!r} is not supported; use one of {LANGUAGES}")
        self.language = language
        self.policy = policy or Policy()
        self.nlp = load_pipeline(model)
        self._nlp_engine = LoadedSpacyEngine(self.nlp, language)
        registry = RecognizerRegistry(supported_languages=[language])
        for recognizer in recognizers if recognizers is not None else default_recognizers():
            registry.add_recognizer(recognizer)
        self._analyzer = AnalyzerEngine(
            registry=registry, nlp_engine=self._nlp_engine, supported_languages=[language]
        )
        self._normalizer = None
        if self.policy.normalize:
            from anonymizer.normalize import Normalizer

            self._normalizer = Normalizer()

    def _entities(self) -> list[str]:
        return [label for label in labels.ALL if self.policy.redacts(label)]

    def _detect(self, text: str) -> tuple[list[Span], NlpArtifacts]:
        artifacts = self._nlp_engine.process_text(text, self.language)
        entities = self._entities()
        if not entities:
            return [], artifacts
        results = self._analyzer.analyze(
            text, language=self.language, entities=entities, nlp_artifacts=artifacts,
            score_threshold=self.policy.min_score,
        )
        spans = [
            Span(r.start, r.end, r.entity_type, r.score,
                 r.recognition_metadata.get("recognizer_name", "") if r.recognition_metadata
                 else "")
            for r in results if r.end > r.start
        ]
        return _with_articles(resolve(spans, text), text), artifacts

    def analyze(self, text: str) -> list[Span]:
        """What would be redacted in ``text`` as given (no normalisation), by input offsets."""
        return self._detect(text)[0]

    def anonymize(self, text: str) -> AnonymizationResult:
        """The text in bokmål with names, places and identifiers replaced by tags."""
        dialect = self._normalizer.normalize(text) if self._normalizer is not None else []
        normalized = apply_edits(text, dialect)
        to_input = OffsetMap(dialect)
        spans, artifacts = self._detect(normalized)
        tagger = Tagger(_is_known)
        replacements: list[Replacement] = []
        overriding: list[Edit] = []
        input_spans: list[Span] = []
        for span in spans:
            start, end = to_input.span_to_input(span.start, span.end)
            tagged = tagger.tag(span.label, normalized[span.start:span.end])
            replacements.append(Replacement(start, end, span.label, tagged.tag))
            overriding.append(Edit(start, end, tagged.text, "entity", span.label))
            input_spans.append(Span(start, end, span.label, span.score, span.recognizer))
        if self.policy.pronouns:
            for p_start, p_end, replacement in rewrite_pronouns(artifacts.tokens, spans):
                start, end = to_input.span_to_input(p_start, p_end)
                overriding.append(Edit(start, end, replacement, "pronoun"))
        edits = merge_edits(dialect, overriding)
        log.debug("anonymised %d characters: %d spans, %d edits", len(text), len(spans),
                  len(edits))
        return AnonymizationResult(
            text=apply_edits(text, edits), spans=input_spans, replacements=replacements,
            edits=edits, normalized=normalized, originals=tagger.originals,
        )


def _with_articles(spans: list[Span], text: str) -> list[Span]:
    """PERSON spans take a directly preceding spoken pre-name article («han Per», «a Kari»)."""
    out: list[Span] = []
    for span in spans:
        before = text[:span.start]
        if span.label == labels.PERSON and before.endswith(" ") and not before.endswith("  "):
            words = before[:-1].rsplit(None, 1)
            word = words[-1] if words else ""
            start = span.start - 1 - len(word)
            if word.lower() in PRE_NAME_ARTICLES and (not out or out[-1].end <= start):
                span = Span(start, span.end, span.label, span.score, span.recognizer)
        out.append(span)
    return out
