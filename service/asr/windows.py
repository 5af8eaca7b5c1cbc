"""Find speech, then plan what is decoded together.

Speech regions come from Silero VAD (the ONNX model inside faster-whisper), run block by block
so memory stays flat on long recordings. Regions are merged into clips of at most 30 s (what
Whisper sees at once), and clips into windows that bound memory and can be decoded in parallel.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from faster_whisper.vad import VadOptions, get_speech_timestamps

from service.audio import SAMPLE_RATE

CLIP_SECONDS = 30.0  # Whisper's receptive field
_MAX_MERGE_GAP = 2.0  # silence longer than this starts a new clip
_VAD_BLOCK_SECONDS = 60.0  # Silero's working memory grows with the block
_VAD_OPTIONS = VadOptions(
    threshold=0.5, min_silence_duration_ms=300, speech_pad_ms=200, max_speech_duration_s=29.0
)


@dataclass(frozen=True)
class Span:
    start: float
    end: float

    @property
    def duration(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class Window:
    clips: tuple[Span, ...]

    @property
    def start(self) -> float:
        return self.clips[0].start

    @property
    def end(self) -> float:
        return self.clips[-1].end

    @property
    def speech_seconds(self) -> float:
        return sum(c.duration for c in self.clips)


def detect_speech(samples: npt.NDArray[np.float32]) -> list[Span]:
    """Speech regions of the whole recording, in seconds."""
    block = int(_VAD_BLOCK_SECONDS * SAMPLE_RATE)
    spans: list[Span] = []
    for offset in range(0, len(samples), block):
        chunk = samples[offset : offset + block]
        for region in get_speech_timestamps(chunk, _VAD_OPTIONS, sampling_rate=SAMPLE_RATE):
            span = Span(
                (offset + region["start"]) / SAMPLE_RATE, (offset + region["end"]) / SAMPLE_RATE
            )
            # A region cut by a block border continues in the next block.
            if spans and span.start - spans[-1].end < 0.05 and span.end - spans[-1].start < 29:
                spans[-1] = Span(spans[-1].start, span.end)
            else:
                spans.append(span)
    return spans


def merge_clips(speech: list[Span], max_seconds: float = CLIP_SECONDS) -> list[Span]:
    """Merge neighbouring speech regions into clips of at most ``max_seconds``."""
    clips: list[Span] = []
    for span in speech:
        if span.duration > max_seconds:  # VAD splits long speech, but be safe
            pieces = int(np.ceil(span.duration / max_seconds))
            step = span.duration / pieces
            clips.extend(
                Span(span.start + i * step, span.start + (i + 1) * step) for i in range(pieces)
            )
            continue
        last = clips[-1] if clips else None
        if (
            last is not None
            and span.start - last.end <= _MAX_MERGE_GAP
            and span.end - last.start <= max_seconds
        ):
            clips[-1] = Span(last.start, span.end)
        else:
            clips.append(span)
    return clips


def plan_windows(clips: list[Span], window_seconds: float, workers: int) -> list[Window]:
    """Group clips into windows of at most ``window_seconds`` of speech.

    Short recordings are split so that every worker gets a share.
    """
    if not clips:
        return []
    total = sum(c.duration for c in clips)
    target = min(window_seconds, max(CLIP_SECONDS, total / max(1, workers)))
    windows: list[Window] = []
    current: list[Span] = []
    filled = 0.0
    for clip in clips:
        if current and filled + clip.duration > target:
            windows.append(Window(tuple(current)))
            current, filled = [], 0.0
        current.append(clip)
        filled += clip.duration
    windows.append(Window(tuple(current)))
    return windows
