"""Conversations with exact ground truth, for the diarisation benchmark and tests.

Each scenario returns 16 kHz audio and the reference turns (``pyannote.core.Annotation``).
Synthetic voices come from espeak-ng; "real" voices are the CC0 Stortinget clips cut into
phrases at their pauses. The CC0 clips hold a single real speaker, so the second real voice is
the same phrases with vocal-tract-length and pitch perturbation (resampled by 1.2, which moves
formants and pitch up like a shorter vocal tract) — a different-sounding voice built from real
speech, not a second person; the benchmark says so where it prints the figures.
"""

from __future__ import annotations

import random
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from pyannote.core import Annotation, Segment

from bench.synth import SAMPLE_RATE, decode_bytes, speak

REPO = Path(__file__).resolve().parent.parent
CC0_CLIPS = [
    REPO / "samples" / "norwegian-short-3s.mp3",
    REPO / "samples" / "norwegian-medium-8s.mp3",
]

_VOCABULARY = (
    "jeg du vi det som var har ikke med på en for så kan skal ville veldig litt mye tid "
    "jobben brukerne tillit hjelp kommunen tjenesten familien hverdagen oppfølging samtale "
    "viktig vanskelig egentlig kanskje alltid aldri sammen etterpå samarbeid erfaring "
    "bolig møte uke måned år dag natt hjemme ute skole barn foreldre venner kolleger leder"
)
WORDS = tuple(_VOCABULARY.split())
BACKCHANNELS = ("mm", "ja", "ja ja", "mhm", "nei")

VOICES: dict[str, tuple[str, int, int]] = {
    "distinct_a": ("nb+m3", 45, 150),
    "distinct_b": ("nb+f2", 70, 140),
    "similar_a": ("nb+m3", 45, 150),
    "similar_b": ("nb+m1", 50, 160),
    "third": ("nb+f4", 85, 160),
}


@dataclass(frozen=True)
class Scenario:
    name: str
    audio: npt.NDArray[np.float32]
    reference: Annotation
    speakers: int
    note: str = ""

    @property
    def duration(self) -> float:
        return len(self.audio) / SAMPLE_RATE


def sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def assemble(
    parts: list[tuple[str, npt.NDArray[np.float32]]],
    rng: random.Random,
    pauses: tuple[float, float],
) -> tuple[npt.NDArray[np.float32], Annotation]:
    """Join (speaker, audio) turns with random pauses; the reference has one turn each."""
    reference = Annotation()
    pieces = [np.zeros(int(0.5 * SAMPLE_RATE), dtype=np.float32)]
    position = 0.5
    for speaker, audio in parts:
        reference[Segment(position, position + len(audio) / SAMPLE_RATE)] = speaker
        gap = np.zeros(int(rng.uniform(*pauses) * SAMPLE_RATE), dtype=np.float32)
        pieces.extend([audio, gap])
        position += (len(audio) + len(gap)) / SAMPLE_RATE
    return np.concatenate(pieces), reference


def _trim(samples: npt.NDArray[np.float32], threshold: float = 1e-3) -> npt.NDArray[np.float32]:
    loud = np.flatnonzero(np.abs(samples) > threshold)
    return samples[loud[0] : loud[-1] + 1] if len(loud) else samples


def synthetic(
    name: str,
    voices: dict[str, tuple[str, int, int]],
    seconds: float = 120.0,
    seed: int = 1,
    pauses: tuple[float, float] = (0.3, 1.0),
    backchannels: bool = False,
) -> Scenario:
    """An interview: the first voice asks short questions, the others answer at length."""
    rng = random.Random(seed)
    names = list(voices)
    parts: list[tuple[str, npt.NDArray[np.float32]]] = []
    total = 0.0
    turn = 0
    while total < seconds:
        speaker = names[0] if turn % 2 == 0 else rng.choice(names[1:])
        words = rng.randint(5, 12) if speaker == names[0] else rng.randint(14, 40)
        audio = _trim(speak(sentence(rng, words), *voices[speaker]))
        if backchannels and speaker != names[0] and len(audio) > 6 * SAMPLE_RATE:
            # the listener says «mm» in a pause inside the answer
            cut = len(audio) // 2
            silence = np.flatnonzero(np.abs(audio[cut : cut + 2 * SAMPLE_RATE]) < 1e-3)
            cut += int(silence[0]) if len(silence) else 0
            listener = _trim(speak(rng.choice(BACKCHANNELS), *voices[names[0]]))
            parts += [(speaker, audio[:cut]), (names[0], listener), (speaker, audio[cut:])]
        else:
            parts.append((speaker, audio))
        total += len(audio) / SAMPLE_RATE + 0.6
        turn += 1
    # backchannels sit in short pauses, so every pause is short there
    audio, reference = assemble(parts, rng, (0.3, 0.5) if backchannels else pauses)
    return Scenario(name, audio, reference, len(voices))


def phone_quality(scenario: Scenario, snr_db: float = 15.0, seed: int = 2) -> Scenario:
    """Telephone band (8 kHz, 300-3400 Hz, mu-law) plus background noise at ``snr_db``."""
    coded = _ffmpeg(
        scenario.audio,
        [
            "-af",
            "highpass=f=300,lowpass=f=3400",
            "-ar",
            "8000",
            "-acodec",
            "pcm_mulaw",
            "-f",
            "wav",
        ],
    )
    rng = np.random.default_rng(seed)
    noise = rng.standard_normal(len(coded)).astype(np.float32)
    noise = np.convolve(noise, np.ones(8) / 8, mode="same").astype(np.float32)  # brownish hum
    speech_power = float(np.mean(coded[np.abs(coded) > 1e-3] ** 2))
    noise *= np.sqrt(speech_power / 10 ** (snr_db / 10) / float(np.mean(noise**2)))
    return Scenario(
        scenario.name + "-phone",
        (coded + noise).astype(np.float32),
        scenario.reference,
        scenario.speakers,
        f"telephone band, noise at {snr_db:.0f} dB SNR",
    )


def real_phrases() -> list[npt.NDArray[np.float32]]:
    """The CC0 clips cut at their pauses into phrases of 0.8 s or more."""
    phrases: list[npt.NDArray[np.float32]] = []
    for clip in CC0_CLIPS:
        audio = _ffmpeg_file(clip)
        frame = SAMPLE_RATE // 50
        energy = np.sqrt(np.mean(audio[: len(audio) // frame * frame].reshape(-1, frame) ** 2, 1))
        quiet = energy < 0.1 * float(np.median(energy))
        start = 0
        for i in range(1, len(quiet)):
            if quiet[i] and (i - start) * frame > 0.8 * SAMPLE_RATE:
                phrases.append(_trim(audio[start * frame : i * frame], 5e-3))
                start = i
        if (len(quiet) - start) * frame > 0.8 * SAMPLE_RATE:
            phrases.append(_trim(audio[start * frame :], 5e-3))
    return phrases


def perturbed(audio: npt.NDArray[np.float32], factor: float = 1.2) -> npt.NDArray[np.float32]:
    """Vocal-tract-length and pitch perturbation: play faster, restore the tempo."""
    return _ffmpeg(
        audio,
        [
            "-af",
            f"asetrate={int(SAMPLE_RATE * factor)},aresample={SAMPLE_RATE},atempo={1 / factor:.4f}",
            "-ar",
            str(SAMPLE_RATE),
            "-f",
            "f32le",
            "-acodec",
            "pcm_f32le",
        ],
        raw=True,
    )


def real_voices(seconds: float = 120.0, seed: int = 3) -> Scenario:
    """Two voices from real speech: CC0 phrases and the same phrases perturbed (see above)."""
    rng = random.Random(seed)
    phrases = real_phrases()
    shifted = [perturbed(p) for p in phrases]
    parts: list[tuple[str, npt.NDArray[np.float32]]] = []
    total = 0.0
    turn = 0
    while total < seconds:
        speaker = "real_a" if turn % 2 == 0 else "real_b"
        pool = phrases if speaker == "real_a" else shifted
        chosen = [rng.choice(pool) for _ in range(rng.randint(1, 4))]
        pause = np.zeros(int(0.15 * SAMPLE_RATE), dtype=np.float32)
        audio = np.concatenate([x for p in chosen for x in (p, pause)][:-1])
        parts.append((speaker, audio))
        total += len(audio) / SAMPLE_RATE + 0.6
        turn += 1
    audio, reference = assemble(parts, rng, (0.3, 1.0))
    note = "one real speaker plus the same speech perturbed (VTLP 1.2); not two people"
    return Scenario("real-voices", audio, reference, 2, note)


def scenarios(seconds: float = 120.0) -> dict[str, Callable[[], Scenario]]:
    v = VOICES
    distinct = {"a": v["distinct_a"], "b": v["distinct_b"]}
    return {
        "distinct": lambda: synthetic("distinct", distinct, seconds),
        "similar": lambda: synthetic(
            "similar", {"a": v["similar_a"], "b": v["similar_b"]}, seconds
        ),
        "three": lambda: synthetic("three", {**distinct, "c": v["third"]}, seconds),
        "phone": lambda: phone_quality(synthetic("distinct", distinct, seconds, seed=4)),
        "backchannels": lambda: synthetic(
            "backchannels", distinct, seconds, seed=5, backchannels=True
        ),
        "real-voices": lambda: real_voices(seconds),
    }


def _ffmpeg(
    audio: npt.NDArray[np.float32], args: list[str], raw: bool = False
) -> npt.NDArray[np.float32]:
    encoded = subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-f",
            "f32le",
            "-ar",
            str(SAMPLE_RATE),
            "-ac",
            "1",
            "-i",
            "pipe:",
            *args,
            "pipe:",
        ],
        input=audio.astype(np.float32).tobytes(),
        capture_output=True,
        check=True,
    ).stdout
    if raw:
        return np.frombuffer(encoded, dtype=np.float32).copy()
    return decode_bytes(encoded)


def _ffmpeg_file(path: Path) -> npt.NDArray[np.float32]:
    return decode_bytes(path.read_bytes())
