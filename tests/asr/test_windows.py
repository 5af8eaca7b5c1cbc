import numpy as np
import pytest

from bench.synth import Turn
from service.asr.windows import CLIP_SECONDS, Span, detect_speech, merge_clips, plan_windows


def test_merge_clips_respects_whisper_window_and_long_silences() -> None:
    speech = [Span(0, 5), Span(6, 12), Span(13, 29), Span(40, 45), Span(45.5, 100)]
    clips = merge_clips(speech)
    assert all(c.duration <= CLIP_SECONDS + 1e-9 for c in clips)
    assert clips == [Span(0, 29), Span(40, 45), Span(45.5, 72.75), Span(72.75, 100)]


def test_merge_clips_keeps_a_long_silence_as_a_border() -> None:
    clips = merge_clips([Span(0, 3), Span(8, 10)])
    assert clips == [Span(0, 3), Span(8, 10)]


def test_overlong_speech_is_split_evenly() -> None:
    clips = merge_clips([Span(0, 75)])
    assert len(clips) == 3 and all(abs(c.duration - 25) < 1e-9 for c in clips)


@pytest.mark.parametrize(("workers", "window"), [(1, 240.0), (2, 240.0), (2, 60.0), (4, 600.0)])
def test_plan_windows_bounds_and_shares_work(workers: int, window: float) -> None:
    clips = [Span(i * 31.0, i * 31.0 + 29.0) for i in range(40)]  # ~19 min of speech
    windows = plan_windows(clips, window, workers)
    assert [c for w in windows for c in w.clips] == clips  # nothing lost, order kept
    assert all(w.speech_seconds <= window for w in windows)
    assert len(windows) >= workers


def test_short_recording_is_shared_between_workers() -> None:
    clips = [Span(0, 20), Span(25, 45), Span(50, 70), Span(75, 95)]
    assert len(plan_windows(clips, 240.0, 2)) == 2
    assert plan_windows([], 240.0, 2) == []


def test_vad_finds_the_turns_of_a_synthetic_interview(
    interview: tuple[np.ndarray, list[Turn]],
) -> None:
    samples, turns = interview
    speech = detect_speech(samples)
    speech_time = sum(s.duration for s in speech)
    turn_time = sum(t.end - t.start for t in turns)
    assert abs(speech_time - turn_time) / turn_time < 0.25
    for turn in turns:  # every turn, even the short «Mm.», is found
        assert any(s.start < turn.end and s.end > turn.start for s in speech), turn.text


def test_vad_finds_nothing_in_silence_and_hum() -> None:
    t = np.arange(16000 * 20) / 16000
    hum = (0.01 * np.sin(2 * np.pi * 50 * t)).astype(np.float32)
    assert detect_speech(hum) == []


def test_vad_runs_block_by_block_without_losing_speech_at_a_border(
    interview: tuple[np.ndarray, list[Turn]],
) -> None:
    samples, _ = interview
    padded = np.concatenate([np.zeros(16000 * 50, dtype=np.float32), samples])  # crosses 60 s
    shifted = [Span(s.start - 50, s.end - 50) for s in detect_speech(padded)]
    direct = detect_speech(samples)
    assert abs(sum(s.duration for s in shifted) - sum(s.duration for s in direct)) < 1.0
