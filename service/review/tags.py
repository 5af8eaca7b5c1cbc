"""Where a redaction's tag stands, and the checks every review operation shares.

A redaction names its segment (by id) and word (by index; ``None`` in a segment without words)
but not where in that word's text its tag is. Redactions are kept in text order, so the k-th of
the redactions with the same segment, word and tag is the k-th occurrence of that tag there.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from service.errors import IntervjuError
from service.transcript import AnonymizationInfo, Redaction, Segment, Transcript

Originals = tuple[str, ...]
Range = tuple[int, int]

# A tag in the text: «[navn 1]», «[telefonnummer]». Square brackets are reserved for tags.
TAG = re.compile(r"\[[^\[\]]+\]")


def redactions_of(transcript: Transcript) -> tuple[Redaction, ...]:
    info = transcript.anonymization
    return info.redactions if info is not None else ()


def check_originals(transcript: Transcript, originals: Originals | None) -> None:
    """``originals`` must lie parallel to the redactions (a broken store is a bug, not a
    user's error)."""
    if originals is not None and len(originals) != len(redactions_of(transcript)):
        raise ValueError("the originals do not match the transcript's redactions")


def require_originals(transcript: Transcript, originals: Originals | None) -> list[str]:
    """The originals, for an operation that needs them; refused once they were deleted."""
    check_originals(transcript, originals)
    if originals is None:
        if redactions_of(transcript):
            raise IntervjuError("review.originals_deleted")
        return []
    return list(originals)


def with_redactions(transcript: Transcript, redactions: Sequence[Redaction]) -> Transcript:
    """``transcript`` with its ``anonymization.redactions`` replaced.

    A transcript that was not anonymised gets an ``anonymization`` that says so (nothing
    normalised, no kinds of entity looked for) and holds the researcher's redactions.
    """
    info = transcript.anonymization or AnonymizationInfo(
        normalized=False, pronouns=False, entities=(), seconds=0.0
    )
    return transcript.model_copy(
        update={"anonymization": info.model_copy(update={"redactions": tuple(redactions)})}
    )


def segment_index(transcript: Transcript, segment_id: int) -> int:
    """The position of the segment with ``id`` ``segment_id``."""
    for index, segment in enumerate(transcript.segments):
        if segment.id == segment_id:
            return index
    raise IntervjuError("review.unknown_segment", segment=segment_id)


def redaction_at(transcript: Transcript, index: int) -> Redaction:
    redactions = redactions_of(transcript)
    if not 0 <= index < len(redactions):
        raise IntervjuError("review.unknown_redaction", index=index, count=len(redactions))
    return redactions[index]


def occurrence(redactions: Sequence[Redaction], index: int) -> int:
    """Which occurrence of its tag in its word (or segment text) redaction ``index`` is."""
    target = redactions[index]
    return sum(
        (r.segment, r.word, r.tag) == (target.segment, target.word, target.tag)
        for r in redactions[:index]
    )


def holder_text(segment: Segment, word: int | None) -> str:
    """The text holding a tag: the word's, or the segment's when it has no words."""
    if word is None:
        return segment.text
    if not 0 <= word < len(segment.words):
        raise ValueError("a redaction names a word the segment does not have")
    return segment.words[word].text


def tag_span(text: str, tag: str, number: int) -> Range | None:
    """Where the ``number``-th (from 0) occurrence of ``tag`` stands in ``text``."""
    for count, match in enumerate(re.finditer(re.escape(tag), text)):
        if count == number:
            return match.start(), match.end()
    return None


def words_text(segment: Segment) -> str:
    """A segment's text as its words say it (its own text when it has none)."""
    if not segment.words:
        return segment.text
    return "".join(word.text for word in segment.words).strip()
