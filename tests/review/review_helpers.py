"""Helpers for the review tests: transcripts anonymised by the real anonymisation step, with a
scripted anonymiser that says which stretches are names (the step is what produced the
redactions and originals the review works on)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from anonymizer import AnonymizationResult, Edit, Policy, Replacement, apply_edits, labels
from service.anonymize import anonymize_with_originals
from service.review import Originals
from service.transcript import Segment, Transcript, Word
from tests import factories

Rule = tuple[str, str, str | None]  # (old text, replacement, label: None for a dialect edit)


@dataclass
class Scripted:
    """Edits the first occurrence of each rule's text after the previous rule's."""

    rules: Sequence[Rule]
    policy: Policy = field(default_factory=Policy)

    def anonymize(self, text: str) -> AnonymizationResult:
        edits, pos = [], 0
        for old, new, label in self.rules:
            start = text.index(old, pos)
            reason = "dialect" if label is None else "entity"
            edits.append(Edit(start, start + len(old), new, reason, label))  # type: ignore[arg-type]
            pos = start + len(old)
        replacements = [
            Replacement(e.start, e.end, e.label or "", e.replacement.removesuffix("s"))
            for e in edits
            if e.label is not None
        ]
        return AnonymizationResult(
            text=apply_edits(text, edits),
            spans=[],
            replacements=replacements,
            edits=edits,
            normalized=text,
        )


def segment(*items: tuple[float, float, str], speaker: str | None = None) -> Segment:
    """A segment of words ``(start, end, text)`` (texts with their leading space)."""
    words = tuple(Word(start=s, end=e, text=t, probability=0.9) for s, e, t in items)
    text = "".join(w.text for w in words).strip()
    return factories.make_segment(words[0].start, words[-1].end, text, words=words, speaker=speaker)


def anonymised(rules: Sequence[Rule], *segments: Segment) -> tuple[Transcript, Originals]:
    result = anonymize_with_originals(Scripted(rules), factories.make_transcript(segments))
    return result.transcript, result.originals


def words(transcript: Transcript, segment: int = 0) -> list[str]:
    return [w.text for w in transcript.segments[segment].words]


def tags(transcript: Transcript) -> list[tuple[str, int, int | None]]:
    """Each redaction as ``(tag, segment, word)``."""
    assert transcript.anonymization is not None
    return [(r.tag, r.segment, r.word) for r in transcript.anonymization.redactions]


PERSON, MUNICIPALITY, PHONE = labels.PERSON, labels.MUNICIPALITY, labels.PHONE
