"""What the document-like exports share: the transcript as blocks in time order (speech, pauses,
inaudible stretches) and their labels in the export's language.

A *pause* is a silence of at least ``PAUSE_SECONDS`` between two segments; an *inaudible*
stretch is a ``Gap`` (speech was heard but no text came out). Both are written as marks in
round brackets, because square brackets are kept for redaction tags.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from itertools import pairwise

from service.exporters import ExportContext
from service.i18n import Lang, message
from service.transcript import Gap, SpeakerRole, Transcript

# A silence between two segments at least this long is marked as a pause.
PAUSE_SECONDS = 2.0
# What XML 1.0 cannot hold (python-docx and lxml refuse it): C0 controls but tab, LF and CR,
# surrogates, U+FFFE and U+FFFF. A speech model can write them; names may hold the last two.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


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


def xml_text(text: str) -> str:
    """``text`` as XML can hold it: white-space controls (vertical tab, form feed, the
    separators) become spaces, the other characters XML 1.0 forbids are left out."""
    return _NOT_XML.sub(lambda found: " " if found[0].isspace() else "", text)


def one_line(text: str) -> str:
    """``text`` on one line, its runs of white space (tabs, line breaks) one space each."""
    return " ".join(text.split())


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
            xml_text(segment.text).strip(),
            _display_name(transcript, segment.speaker),
            segment.speaker,
        )
        for segment in transcript.segments
        if xml_text(segment.text).strip()
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
    return [(xml_text(tag), xml_text(original)) for tag, original in seen.items()]


def _display_name(transcript: Transcript, speaker_id: str | None) -> str | None:
    """The speaker's name on one line, as XML can hold it (None when unknown or blank)."""
    name = transcript.speaker_name(speaker_id)
    if name is None:
        return None
    return one_line(xml_text(name)) or None


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
