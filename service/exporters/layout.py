"""What the document-like exports share: the transcript as blocks in time order (speech, pauses,
inaudible stretches) and their labels in the export's language.

A *pause* is a silence of at least ``PAUSE_SECONDS`` between two segments; an *inaudible*
stretch is a ``Gap`` (speech was heard but no text came out). Both are written as marks in
round brackets, because square brackets are kept for redaction tags.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from itertools import pairwise

from service.exporters import ExportContext
from service.i18n import Lang, message
from service.transcript import Gap, SpeakerRole, Transcript

# A silence between two segments at least this long is marked as a pause.
PAUSE_SECONDS = 2.0


class BlockKind(StrEnum):
    SPEECH = "speech"
    PAUSE = "pause"
    INAUDIBLE = "inaudible"


@dataclass(frozen=True)
class Block:
    """One paragraph of an export."""

    kind: BlockKind
    start: float
    end: float
    text: str  # the segment's anonymised text, or the mark of a pause
    speaker: str | None = None  # display name of a speech block's speaker
    speaker_id: str | None = None


def language(context: ExportContext) -> Lang:
    return "en" if context.language == "en" else "nb"


def label(context: ExportContext, key: str, **params: object) -> str:
    """The export label ``export.label.<key>`` in the context's language."""
    return message(f"export.label.{key}", language(context), **params)


def role_label(context: ExportContext, role: SpeakerRole) -> str:
    return message(f"export.role.{role.value}", language(context))


def blocks(transcript: Transcript, context: ExportContext) -> list[Block]:
    """Speech, pauses and inaudible stretches in time order (empty segments left out)."""
    speech = [
        Block(
            BlockKind.SPEECH,
            segment.start,
            segment.end,
            segment.text.strip(),
            transcript.speaker_name(segment.speaker),
            segment.speaker,
        )
        for segment in transcript.segments
        if segment.text.strip()
    ]
    speech.sort(key=lambda block: block.start)
    marks = [
        _mark(context, BlockKind.INAUDIBLE, gap.start, gap.end)
        for gap in transcript.gaps
        if gap.end > gap.start
    ]
    marks.extend(_pauses(context, speech, transcript.gaps))
    return sorted([*speech, *marks], key=lambda block: (block.start, block.kind != "speech"))


def redaction_key(transcript: Transcript, originals: Sequence[str] | None) -> dict[str, str]:
    """Tag -> what it replaced, from a stored version's ``originals`` (one per redaction)."""
    if originals is None or transcript.anonymization is None:
        return {}
    redactions = transcript.anonymization.redactions
    return {r.tag: original for r, original in zip(redactions, originals, strict=False)}


def redaction_rows(transcript: Transcript, context: ExportContext) -> list[tuple[str, str]]:
    """The rows of a redaction key, in the order the tags first occur; empty unless asked."""
    originals: Mapping[str, str] = context.originals or {}
    if not originals or transcript.anonymization is None:
        return []
    seen: dict[str, str] = {}
    for redaction in transcript.anonymization.redactions:
        if redaction.tag in originals and redaction.tag not in seen:
            seen[redaction.tag] = originals[redaction.tag]
    return list(seen.items())


def _mark(context: ExportContext, kind: BlockKind, start: float, end: float) -> Block:
    seconds = max(1, round(end - start))
    return Block(kind, start, end, label(context, kind.value, seconds=seconds))


def _pauses(context: ExportContext, speech: list[Block], gaps: Sequence[Gap]) -> list[Block]:
    """Silences of at least PAUSE_SECONDS between speech, unless a gap explains them."""
    covered = [(g.start, g.end) for g in gaps]
    pauses = []
    reached = 0.0
    for before, after in pairwise(speech):
        reached = max(reached, before.end)
        if after.start - reached < PAUSE_SECONDS:
            continue
        if any(start < after.start and end > reached for start, end in covered):
            continue
        pauses.append(_mark(context, BlockKind.PAUSE, reached, after.start))
    return pauses
