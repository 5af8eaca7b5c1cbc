"""Give every *word* a speaker and split segments where the speaker changes.

Each word goes to the speaker whose turns overlap it most; a word in a pause between turns goes
to the nearest turn (within ``MAX_SNAP`` seconds) or stays with the previous word's speaker.
Short backchannels («mm», «ja») inside another speaker's turn keep their own speaker because
they are attributed word by word. Where the backend found two voices at once over most of a
word (or a second speaker's turn covers it), the segment is flagged ``overlapping_speech``
rather than losing either.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from pyannote.core import Annotation, Segment, Timeline

from service.transcript import Segment as TranscriptSegment
from service.transcript import SegmentFlag, Transcript, Word

MAX_SNAP = 1.0  # seconds: a word this close to a turn belongs to it
OVERLAP_SHARE = 0.5  # a second speaker covering this share of a word marks overlap


@dataclass(frozen=True)
class _Turn:
    start: float
    end: float
    speaker: str


class _Turns:
    """Sorted turns with fast lookup of those overlapping an interval."""

    def __init__(self, annotation: Annotation, overlap: Timeline | None = None) -> None:
        self.turns = sorted(
            (_Turn(s.start, s.end, str(label)) for s, _, label in annotation.itertracks(True)),
            key=lambda t: t.start,
        )
        self.starts = [t.start for t in self.turns]
        self.longest = max((t.end - t.start for t in self.turns), default=0.0)
        self.overlap = (overlap or Timeline()).support()

    def overlapped(self, start: float, end: float) -> bool:
        """Whether detected overlapping speech covers most of [start, end]."""
        if not self.overlap or end <= start:
            return False
        window = Segment(start, end)
        covered = sum(
            (seg & window).duration for seg in self.overlap.crop(window, mode="intersection")
        )
        return covered / (end - start) >= OVERLAP_SHARE

    def overlaps(self, start: float, end: float) -> dict[str, float]:
        """Seconds of [start, end] covered by each speaker."""
        shares: dict[str, float] = {}
        first = bisect.bisect_left(self.starts, start - self.longest)
        for turn in self.turns[first : bisect.bisect_right(self.starts, end)]:
            covered = min(end, turn.end) - max(start, turn.start)
            if covered > 0:
                shares[turn.speaker] = shares.get(turn.speaker, 0.0) + covered
        return shares

    def nearest(self, start: float, end: float) -> str | None:
        """The speaker of the closest turn within ``MAX_SNAP`` seconds, if any."""
        index = bisect.bisect_left(self.starts, start)
        best: tuple[float, str] | None = None
        for turn in self.turns[max(0, index - 2) : index + 2]:
            gap = max(turn.start - end, start - turn.end, 0.0)
            if gap <= MAX_SNAP and (best is None or gap < best[0]):
                best = (gap, turn.speaker)
        return best[1] if best else None


def attribute_speakers(
    transcript: Transcript, turns: Annotation, overlap: Timeline | None = None
) -> Transcript:
    """``transcript`` with a speaker on every word and segment, split at speaker changes."""
    index = _Turns(turns, overlap)
    segments: list[TranscriptSegment] = []
    previous: str | None = None
    for segment in transcript.segments:
        pieces, previous = _split(segment, index, previous)
        segments.extend(pieces)
    numbered = tuple(s.model_copy(update={"id": i}) for i, s in enumerate(segments))
    return transcript.model_copy(update={"segments": numbered})


def _speaker_for(
    start: float, end: float, index: _Turns, previous: str | None
) -> tuple[str | None, bool]:
    """The speaker of an interval, and whether another speaker overlaps it substantially."""
    shares = index.overlaps(start, end)
    if not shares:
        return index.nearest(start, end) or previous, index.overlapped(start, end)
    ranked = sorted(shares.items(), key=lambda item: -item[1])
    duration = max(end - start, 1e-6)
    overlapped = len(ranked) > 1 and ranked[1][1] / duration >= OVERLAP_SHARE
    return ranked[0][0], overlapped or index.overlapped(start, end)


def _split(
    segment: TranscriptSegment, index: _Turns, previous: str | None
) -> tuple[list[TranscriptSegment], str | None]:
    if not segment.words:
        speaker, overlapped = _speaker_for(segment.start, segment.end, index, previous)
        return [_with(segment, speaker, overlapped)], speaker
    runs: list[tuple[str | None, list[Word], bool]] = []
    for word in segment.words:
        speaker, overlapped = _speaker_for(word.start, word.end, index, previous)
        previous = speaker
        word = word.model_copy(update={"speaker": speaker})
        if runs and runs[-1][0] == speaker:
            runs[-1][1].append(word)
            runs[-1] = (speaker, runs[-1][1], runs[-1][2] or overlapped)
        else:
            runs.append((speaker, [word], overlapped))
    if len(runs) == 1:
        speaker, words, overlapped = runs[0]
        return [_with(segment, speaker, overlapped, tuple(words))], previous
    pieces = [
        _with(
            segment.model_copy(
                update={
                    "start": words[0].start,
                    "end": words[-1].end,
                    "text": "".join(w.text for w in words).strip(),
                }
            ),
            speaker,
            overlapped,
            tuple(words),
        )
        for speaker, words, overlapped in runs
    ]
    return pieces, previous


def _with(
    segment: TranscriptSegment,
    speaker: str | None,
    overlapped: bool,
    words: tuple[Word, ...] | None = None,
) -> TranscriptSegment:
    flags = segment.flags
    if overlapped and SegmentFlag.OVERLAPPING_SPEECH not in flags:
        flags = (*flags, SegmentFlag.OVERLAPPING_SPEECH)
    update: dict[str, object] = {"speaker": speaker, "flags": flags}
    if words is not None:
        update["words"] = words
    return segment.model_copy(update=update)
