"""The recognition step: decoded audio in, transcript segments out (streamed window by window).

1. Silero VAD finds speech; regions become <= 30 s clips, clips become windows.
2. Windows are decoded in parallel threads (one CTranslate2 worker each) with faster-whisper's
   batched pipeline: no conditioning on earlier text, so one bad stretch cannot poison the rest.
3. Guards: a clip whose text loops is decoded again with temperature fallback (and flagged if it
   still loops); speech that produced no words is decoded again on its own, and recorded as a gap
   if it still gives nothing; known subtitle-credit hallucinations and weak words are flagged.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from faster_whisper import BatchedInferencePipeline
from faster_whisper.transcribe import Segment as FWSegment

from service.asr.engine import WhisperEngine
from service.asr.loops import is_loop
from service.asr.windows import Span, Window, detect_speech, merge_clips, plan_windows
from service.audio import Audio, AudioInfo
from service.config import ASRSettings
from service.progress import Hook, no_op_hook
from service.transcript import (
    LOW_CONFIDENCE,
    Gap,
    ModelInfo,
    Segment,
    SegmentFlag,
    SourceInfo,
    Transcript,
    Word,
)

_RETRY_TEMPERATURES = (0.2, 0.4, 0.6, 0.8, 1.0)
_MIN_GAP_SECONDS = 1.0
# Credits Whisper learnt from Norwegian subtitles and invents in silence or noise.
_HALLUCINATION = re.compile(
    r"(teksting|tekstet|undertekst\w*|oversatt)\s+(av|:)|nicolai winther|"
    r"takk for at du (så|lyttet)|abonner|www\.|\.(no|com)\b",
    re.IGNORECASE,
)


@dataclass
class WindowResult:
    window: Window
    segments: list[Segment] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)


def transcribe_audio(
    engine: WhisperEngine,
    audio: Audio,
    info: AudioInfo,
    language: str,
    asr: ASRSettings,
    hook: Hook = no_op_hook,
    speech: list[Span] | None = None,
) -> Transcript:
    """Recognise ``audio`` and return the whole transcript.

    ``speech``: the speech regions from ``detect_speech``, when the caller already has them.
    """
    started = time.monotonic()
    segments: list[Segment] = []
    gaps: list[Gap] = []
    for result in iter_windows(engine, audio, language, asr, hook, speech):
        segments.extend(result.segments)
        gaps.extend(result.gaps)
    numbered = tuple(s.model_copy(update={"id": i}) for i, s in enumerate(segments))
    return Transcript(
        language=language,
        source=SourceInfo(
            duration=round(audio.duration, 3),
            format_name=info.format_name,
            codec=info.codec,
            sample_rate=info.sample_rate,
            channels=info.channels,
        ),
        model=ModelInfo(
            name=engine.ref.name,
            language=language,
            device=engine.plan.device,
            compute_type=engine.plan.compute_type,
        ),
        segments=numbered,
        gaps=tuple(gaps),
        decode_seconds=round(time.monotonic() - started, 3),
    )


def iter_windows(
    engine: WhisperEngine,
    audio: Audio,
    language: str,
    asr: ASRSettings,
    hook: Hook,
    speech: list[Span] | None = None,
) -> Iterator[WindowResult]:
    """Decode window by window (several at once), yielding results in time order."""
    if speech is None:
        speech = detect_speech(audio.samples)
    windows = plan_windows(merge_clips(speech), asr.window_seconds, engine.plan.workers)
    total = audio.duration
    hook("transcribing", completed=0.0, total=total)
    decoder = _WindowDecoder(engine, audio, language, asr, speech)
    pool = ThreadPoolExecutor(max_workers=engine.plan.workers, thread_name_prefix="asr-window")
    try:
        # Submit lazily, one per worker, so memory holds only the windows being decoded.
        pending = [pool.submit(decoder.decode, w) for w in windows[: engine.plan.workers]]
        next_index = len(pending)
        while pending:
            result = pending.pop(0).result()
            if next_index < len(windows):
                pending.append(pool.submit(decoder.decode, windows[next_index]))
                next_index += 1
            # The hook may raise (job cancelled, worker stopping): that ends the run.
            hook("transcribing", completed=min(result.window.end, total), total=total)
            yield result
        hook("transcribing", completed=total, total=total)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


class _WindowDecoder:
    """Decodes one window at a time per thread; one batched pipeline per thread."""

    def __init__(
        self,
        engine: WhisperEngine,
        audio: Audio,
        language: str,
        asr: ASRSettings,
        speech: list[Span],
    ) -> None:
        self.engine = engine
        self.audio = audio
        self.language = language
        self.asr = asr
        self.speech = speech

    def decode(self, window: Window) -> WindowResult:
        # BatchedInferencePipeline keeps per-call state: never share one between threads.
        pipeline = BatchedInferencePipeline(self.engine.model)
        raw, _ = pipeline.transcribe(
            self.audio.samples,
            language=self.language,
            beam_size=self.asr.beam_size,
            batch_size=self.engine.plan.batch_size,
            clip_timestamps=[{"start": c.start, "end": c.end} for c in window.clips],
            word_timestamps=self.asr.word_timestamps,
            without_timestamps=False,
            temperature=0.0,
            vad_filter=False,
        )
        by_clip: dict[Span, list[Segment]] = {c: [] for c in window.clips}
        for fw in raw:
            segment = _convert(fw, 0.0)
            by_clip[_clip_of(segment, window.clips)].append(segment)
        result = WindowResult(window)
        for clip in window.clips:
            result.segments.extend(self._guard_loops(clip, by_clip[clip]))
        self._fill_gaps(result)
        result.segments.sort(key=lambda s: s.start)
        result.segments = [_flag(s) for s in result.segments if s.text.strip()]
        return result

    def _guard_loops(self, clip: Span, segments: list[Segment]) -> list[Segment]:
        text = " ".join(s.text for s in segments)
        if not self.asr.loop_guard or not is_loop(text):
            return segments
        retry = self._decode_alone(clip)
        retry_text = " ".join(s.text for s in retry)
        still_loops = is_loop(retry_text)
        keep = segments if (still_loops and not retry) else retry
        flag = SegmentFlag.REPETITION_LOOP if still_loops else SegmentFlag.REDECODED
        return [s.model_copy(update={"flags": (*s.flags, flag)}) for s in keep]

    def _decode_alone(self, span: Span) -> list[Segment]:
        """Decode one stretch on its own, with temperature fallback against loops."""
        raw, _ = self.engine.model.transcribe(
            self.audio.slice(span.start, span.end),
            language=self.language,
            beam_size=self.asr.beam_size,
            temperature=_RETRY_TEMPERATURES,
            condition_on_previous_text=False,
            compression_ratio_threshold=2.4,
            word_timestamps=self.asr.word_timestamps,
            vad_filter=False,
        )
        return [_convert(fw, span.start) for fw in raw]

    def _fill_gaps(self, result: WindowResult) -> None:
        """Speech that came out as no words at all is decoded again, then reported as a gap."""
        covered = [(w.start, w.end) for s in result.segments for w in s.words] or [
            (s.start, s.end) for s in result.segments
        ]
        for span in self.speech:
            if span.end <= result.window.start or span.start >= result.window.end:
                continue
            if span.duration < _MIN_GAP_SECONDS or _overlaps(span, covered):
                continue
            retry = [s for s in self._decode_alone(span) if s.text.strip()]
            if retry:
                flagged = SegmentFlag.REDECODED
                result.segments.extend(
                    s.model_copy(update={"flags": (*s.flags, flagged)}) for s in retry
                )
            else:
                result.gaps.append(Gap(start=round(span.start, 3), end=round(span.end, 3)))


def _convert(fw: FWSegment, offset: float) -> Segment:
    words = tuple(
        Word(
            start=round(w.start + offset, 3),
            end=round(w.end + offset, 3),
            text=w.word,
            probability=min(1.0, max(0.0, round(w.probability, 4))),
        )
        for w in (fw.words or [])
    )
    return Segment(
        id=0,
        start=round(fw.start + offset, 3),
        end=round(fw.end + offset, 3),
        text=fw.text.strip(),
        words=words,
        avg_logprob=round(fw.avg_logprob, 4),
        no_speech_prob=min(1.0, max(0.0, round(fw.no_speech_prob, 4))),
        compression_ratio=round(fw.compression_ratio, 4),
    )


def _clip_of(segment: Segment, clips: tuple[Span, ...]) -> Span:
    middle = (segment.start + segment.end) / 2
    return min(clips, key=lambda c: 0.0 if c.start <= middle <= c.end else abs(c.start - middle))


def _overlaps(span: Span, covered: list[tuple[float, float]]) -> bool:
    return any(start < span.end and end > span.start for start, end in covered)


def _flag(segment: Segment) -> Segment:
    flags = list(segment.flags)
    if segment.words and segment.confidence < LOW_CONFIDENCE:
        flags.append(SegmentFlag.LOW_CONFIDENCE)
    if _HALLUCINATION.search(segment.text):
        flags.append(SegmentFlag.POSSIBLE_HALLUCINATION)
    if flags == list(segment.flags):
        return segment
    return segment.model_copy(update={"flags": tuple(dict.fromkeys(flags))})
