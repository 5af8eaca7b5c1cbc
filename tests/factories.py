"""Transcript records for tests, with plausible defaults for the fields a test does not care
about."""

from __future__ import annotations

from collections.abc import Iterable

from service.transcript import ModelInfo, Segment, SegmentFlag, SourceInfo, Transcript, Word


def make_words(
    spans: Iterable[tuple[float, float, str]], probability: float = 0.9
) -> tuple[Word, ...]:
    """Words from ``(start, end, text)``; each text gets Whisper's leading space."""
    return tuple(Word(start=s, end=e, text=f" {t}", probability=probability) for s, e, t in spans)


def make_segment(
    start: float,
    end: float,
    text: str,
    *,
    speaker: str | None = None,
    words: tuple[Word, ...] = (),
    flags: tuple[SegmentFlag, ...] = (),
) -> Segment:
    return Segment(
        id=0,
        start=start,
        end=end,
        text=text,
        words=words,
        speaker=speaker,
        flags=flags,
        avg_logprob=-0.3,
        no_speech_prob=0.01,
        compression_ratio=1.1,
    )


def segment_of_words(spans: Iterable[tuple[float, float, str]]) -> Segment:
    """A segment spanning its words, its text their concatenation."""
    words = make_words(spans)
    text = "".join(w.text for w in words).strip()
    return make_segment(words[0].start, words[-1].end, text, words=words)


def make_transcript(segments: Iterable[Segment], *, duration: float = 600.0) -> Transcript:
    """A transcript of ``segments``, numbered in order."""
    return Transcript(
        language="no",
        source=SourceInfo(
            duration=duration, format_name="wav", codec="pcm_s16le", sample_rate=16000, channels=1
        ),
        model=ModelInfo(name="test", language="no", device="cpu", compute_type="int8"),
        segments=tuple(s.model_copy(update={"id": i}) for i, s in enumerate(segments)),
    )
