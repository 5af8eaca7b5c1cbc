"""The built-in backend on synthesised conversations with exact turns (real GE2E weights)."""

from __future__ import annotations

import itertools

import numpy as np
import numpy.typing as npt
import pytest
from pyannote.core import Annotation, Segment
from pyannote.metrics.diarization import DiarizationErrorRate

from bench.conversations import VOICES, Scenario, scenarios, synthetic
from bench.synth import speak
from service.config import Settings
from service.diarization.base import (
    Diarizer,
    SpeakerHints,
    backend_names,
    exclusive,
    load_backend,
)
from service.diarization.builtin import split_at_pauses
from service.diarization.embed import SpeakerEmbedder, mel_filters, mel_spectrogram
from service.errors import IntervjuError

RATE = 16_000


@pytest.fixture(scope="module")
def diarizer() -> Diarizer:
    return load_backend("builtin", Settings())


@pytest.fixture(scope="module")
def conversations() -> dict[str, Scenario]:
    built = scenarios(seconds=60.0)
    return {name: built[name]() for name in ("distinct", "three", "backchannels")}


def der(scenario: Scenario, hypothesis: Annotation) -> float:
    return float(DiarizationErrorRate(collar=0.25)(scenario.reference, hypothesis))


def test_mel_and_filters_match_librosa() -> None:
    librosa = pytest.importorskip("librosa")  # installed with resemblyzer
    samples = speak("Dette er en prøve på mel-spekteret.", "nb+f2", 70, 140)
    expected = librosa.feature.melspectrogram(
        y=samples, sr=RATE, n_fft=400, hop_length=160, n_mels=40
    ).T
    ours = mel_spectrogram(samples)
    assert ours.shape == expected.shape
    assert np.abs(ours - expected).max() <= 1e-4 * np.abs(expected).max()
    reference = librosa.filters.mel(sr=RATE, n_fft=400, n_mels=40)
    np.testing.assert_allclose(mel_filters(), reference, atol=1e-7)


def test_embeddings_tell_two_voices_apart() -> None:
    embedder = SpeakerEmbedder()
    clips = [
        speak("Jeg har jobbet her i mange år og trives godt.", *VOICES["distinct_a"]),
        speak("Det viktigste er å skape tillit til brukerne.", *VOICES["distinct_a"]),
        speak("Jeg har jobbet her i mange år og trives godt.", *VOICES["distinct_b"]),
    ]
    mel = np.concatenate([mel_spectrogram(c) for c in clips])
    lengths = np.cumsum([0] + [len(mel_spectrogram(c)) for c in clips])
    spans = list(zip(lengths[:-1].tolist(), lengths[1:].tolist(), strict=True))
    e = embedder.embed(mel, spans)
    np.testing.assert_allclose(np.linalg.norm(e, axis=1), 1.0, atol=1e-5)
    same, other = float(e[0] @ e[1]), float(e[0] @ e[2])
    assert same > other + 0.1, (same, other)  # same voice, other words beats same words


@pytest.mark.parametrize(("name", "limit"), [("distinct", 0.05), ("three", 0.05)])
def test_known_count_conversations(
    diarizer: Diarizer, conversations: dict[str, Scenario], name: str, limit: float
) -> None:
    scenario = conversations[name]
    result = diarizer(scenario.audio, SpeakerHints(num_speakers=scenario.speakers))
    assert len(result.speakers) == scenario.speakers
    assert der(scenario, result.turns) <= limit


def test_the_count_is_estimated_when_not_given(
    diarizer: Diarizer, conversations: dict[str, Scenario]
) -> None:
    for name in ("distinct", "three"):
        scenario = conversations[name]
        result = diarizer(scenario.audio, SpeakerHints())
        assert len(result.speakers) == scenario.speakers, name
    # One voice for two minutes (on very short recordings the estimate is less sure).
    one = synthetic("one", {"a": VOICES["distinct_b"], "b": VOICES["distinct_b"]}, 120.0)
    assert diarizer(one.audio, SpeakerHints()).speakers == ["SPEAKER_00"]


def test_max_speakers_bounds_the_count(
    diarizer: Diarizer, conversations: dict[str, Scenario]
) -> None:
    scenario = conversations["three"]
    assert len(diarizer(scenario.audio, SpeakerHints(max_speakers=2)).speakers) <= 2


def test_backchannels_keep_their_speaker(
    diarizer: Diarizer, conversations: dict[str, Scenario]
) -> None:
    scenario = conversations["backchannels"]
    result = diarizer(scenario.audio, SpeakerHints(num_speakers=2))
    metric = DiarizationErrorRate(collar=0.25)
    mapping = metric.optimal_mapping(scenario.reference, result.turns)
    short = [
        (seg, label)
        for seg, _, label in scenario.reference.itertracks(yield_label=True)
        if seg.duration < 1.0
    ]
    assert len(short) >= 3
    right = sum(mapping.get(result.turns.crop(seg).argmax()) == label for seg, label in short)
    assert right == len(short)


def test_turns_are_exclusive_and_inside_the_recording(
    diarizer: Diarizer, conversations: dict[str, Scenario]
) -> None:
    scenario = conversations["distinct"]
    turns = diarizer(scenario.audio, SpeakerHints(num_speakers=2)).turns
    segments = sorted(turns.itersegments())
    assert all(a.end <= b.start + 1e-6 for a, b in itertools.pairwise(segments))
    assert segments[-1].end <= scenario.duration + 1e-6
    assert turns.labels() == ["SPEAKER_00", "SPEAKER_01"]
    first = segments[0]
    assert next(iter(turns.get_labels(first))) == "SPEAKER_00"  # numbered by first appearance


def test_silence_gives_no_turns(diarizer: Diarizer) -> None:
    result = diarizer(np.zeros(RATE * 5, dtype=np.float32), SpeakerHints())
    assert len(result.turns) == 0 and result.speakers == []


def tone(seconds: float) -> npt.NDArray[np.float32]:
    t = np.arange(int(seconds * RATE)) / RATE
    return (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)


def test_pauses_split_regions_but_short_gaps_do_not() -> None:
    gap_long, gap_short = (
        np.zeros(int(0.3 * RATE), np.float32),
        np.zeros(int(0.05 * RATE), np.float32),
    )
    audio = np.concatenate([tone(1.0), gap_long, tone(0.5), gap_short, tone(1.0)])
    pieces = split_at_pauses(audio, [(0.0, len(audio) / RATE)])
    assert len(pieces) == 2
    assert pieces[0][1] == pytest.approx(1.15, abs=0.02)  # the middle of the long pause
    assert pieces[1][1] == pytest.approx(len(audio) / RATE)


def test_exclusive_gives_overlaps_to_the_interruption() -> None:
    raw = Annotation()
    raw[Segment(0, 10)] = "B"
    raw[Segment(4, 6)] = "A"
    raw[Segment(10, 12)] = "B"
    turns = exclusive(raw)
    assert [(s.start, s.end, label) for s, _, label in turns.itertracks(yield_label=True)] == [
        (0, 4, "SPEAKER_00"),
        (4, 6, "SPEAKER_01"),
        (6, 12, "SPEAKER_00"),
    ]


def test_hints_are_checked() -> None:
    with pytest.raises(IntervjuError) as caught:
        SpeakerHints(num_speakers=3, max_speakers=2)
    assert caught.value.key == "diarization.speakers_inconsistent"
    with pytest.raises(IntervjuError) as caught:
        SpeakerHints(num_speakers=0)
    assert caught.value.key == "diarization.speakers_out_of_range"
    assert SpeakerHints(min_speakers=2).bounds(4) == (2, 4)
    assert SpeakerHints(num_speakers=3).bounds(4) == (3, 3)


def test_unknown_backend_is_named() -> None:
    assert {"builtin", "pyannote"} <= set(backend_names())
    with pytest.raises(IntervjuError) as caught:
        load_backend("nope", Settings())
    assert "builtin" in caught.value.message("en")
