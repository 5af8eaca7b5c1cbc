"""Synthesised speech with exact timing, for tests and benchmarks (espeak-ng + ffmpeg).

Whisper cannot read espeak's Norwegian voice (see shared NOTES.md), so synthesised Norwegian is
for formats, timing and speakers; English espeak speech is recognised well and serves where
words must come out.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

SAMPLE_RATE = 16_000

VOICES = {
    "interviewer": ("nb+m3", 45, 150),  # espeak voice, pitch, words per minute
    "informant": ("nb+f2", 70, 140),
    "informant2": ("nb+f4", 85, 160),
}


@dataclass(frozen=True)
class Turn:
    speaker: str
    start: float
    end: float
    text: str


def speak(
    text: str, voice: str = "nb", pitch: int = 50, speed: int = 150
) -> npt.NDArray[np.float32]:
    """``text`` spoken by espeak-ng, as 16 kHz mono float32."""
    wav = subprocess.run(
        ["espeak-ng", "--stdout", "-v", voice, "-p", str(pitch), "-s", str(speed), text],
        capture_output=True,
        check=True,
    ).stdout
    return decode_bytes(wav)


def decode_bytes(data: bytes) -> npt.NDArray[np.float32]:
    """Any audio file's bytes, decoded by ffmpeg to 16 kHz mono float32."""
    pcm = subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-i",
            "pipe:",
            "-f",
            "f32le",
            "-ac",
            "1",
            "-ar",
            "16000",
            "pipe:",
        ],
        input=data,
        capture_output=True,
        check=True,
    ).stdout
    return np.frombuffer(pcm, dtype=np.float32).copy()


def conversation(
    lines: list[tuple[str, str]],
    pause: float = 0.6,
    voices: dict[str, tuple[str, int, int]] | None = None,
) -> tuple[npt.NDArray[np.float32], list[Turn]]:
    """Speak ``(speaker, text)`` lines one after another; return the audio and exact turns."""
    voices = voices or VOICES
    gap = np.zeros(int(pause * SAMPLE_RATE), dtype=np.float32)
    parts: list[npt.NDArray[np.float32]] = [gap]
    turns: list[Turn] = []
    position = pause
    for speaker, text in lines:
        voice, pitch, speed = voices[speaker]
        samples = _trim(speak(text, voice, pitch, speed))
        turns.append(Turn(speaker, position, position + len(samples) / SAMPLE_RATE, text))
        parts.extend([samples, gap])
        position += (len(samples) + len(gap)) / SAMPLE_RATE
    return np.concatenate(parts), turns


def write_audio(samples: npt.NDArray[np.float32], path: Path, *codec_args: str) -> Path:
    """Encode ``samples`` to ``path`` with ffmpeg (format from the extension, or codec_args)."""
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-y",
            "-f",
            "f32le",
            "-ar",
            "16000",
            "-ac",
            "1",
            "-i",
            "pipe:",
            *codec_args,
            str(path),
        ],
        input=samples.astype(np.float32).tobytes(),
        check=True,
    )
    return path


def _trim(samples: npt.NDArray[np.float32], threshold: float = 1e-3) -> npt.NDArray[np.float32]:
    loud = np.flatnonzero(np.abs(samples) > threshold)
    if len(loud) == 0:
        return samples
    return samples[loud[0] : loud[-1] + 1]


INTERVIEW = [
    ("interviewer", "Takk for at du ville være med. Kan du fortelle litt om jobben din?"),
    (
        "informant",
        "Ja, jeg har jobbet i rusomsorgen i omtrent ti år nå, mest med oppfølging i bolig.",
    ),
    ("interviewer", "Hva er det viktigste i arbeidet med brukerne?"),
    ("informant", "Eh, det er vel å skape tillit. Uten tillit kommer man ingen vei, egentlig."),
    ("interviewer", "Mm."),
    ("informant", "Og så må man tåle at det går opp og ned. Det er ikke en rett linje."),
    ("interviewer", "Kan du gi et eksempel på en situasjon som var vanskelig?"),
    (
        "informant",
        "Ja, det var en gang en bruker som forsvant i flere uker, og vi visste ikke hvor han var.",
    ),
]


def main() -> None:
    """Write ``samples/intervju-to-stemmer.mp3`` and its turns (run from the repo root)."""
    samples, turns = conversation(INTERVIEW)
    out = Path("samples")
    write_audio(samples, out / "intervju-to-stemmer.mp3", "-b:a", "64k")
    rows = ["speaker\tstart\tend\ttext"] + [
        f"{t.speaker}\t{t.start:.3f}\t{t.end:.3f}\t{t.text}" for t in turns
    ]
    (out / "intervju-to-stemmer.turns.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
