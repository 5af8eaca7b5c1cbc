"""Shared helpers for the anonymiser tests: what a recognizer or the whole detector finds."""

from __future__ import annotations

from presidio_analyzer import PatternRecognizer

from anonymizer import Anonymizer


def matches(
    recognizer: PatternRecognizer,
    label: str,
    text: str,
    flags: int | None = None,
    *,
    min_score: float = 0.0,
) -> list[str]:
    """The substrings of ``text`` that ``recognizer`` tags ``label`` (scoring at least
    ``min_score``), in order of start."""
    results = recognizer.analyze(text, entities=[label], nlp_artifacts=None, regex_flags=flags)
    kept = sorted((r for r in results if r.score >= min_score), key=lambda r: r.start)
    return [text[r.start : r.end] for r in kept]


def found(detector: Anonymizer, text: str, label: str | None = None) -> list[str]:
    """The redacted substrings of ``text`` (of one label, if given)."""
    return [text[s.start : s.end] for s in detector.analyze(text) if label in (None, s.label)]
