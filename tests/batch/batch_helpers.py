"""A fake pipeline that logs every call to a file, and synthesised recordings to feed it.

The log (``$BATCH_FAKE_LOG``) gets ``start <sha256>`` when a recording is handed to the
pipeline and ``end <sha256>`` when its transcript is returned, so a test can count calls across
processes. ``$BATCH_FAKE_BLOCK_AT=N`` makes the N-th call of a process write
``$BATCH_FAKE_LOG.blocked`` and sleep (to be killed); a recording whose name contains
``$BATCH_FAKE_FAIL`` fails with an ``AudioError``.
"""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

from bench.synth import speak, write_audio
from service.config import Settings
from service.diarization.roles import label_roles
from service.errors import AudioError
from service.jobs import PipelineOutput
from service.options import JobOptions
from service.progress import Hook
from tests import factories

# Spoken by espeak-ng; five different contents in five formats (one extension in capitals).
CLIPS = [
    ("Intervju Kari Nordmann.mp3", "Hvor jobber du nå", ("-b:a", "32k")),
    ("Intervju Ola Hansen.m4a", "Jeg jobber på et sykehjem", ("-c:a", "aac", "-b:a", "32k")),
    ("Intervju Per Olsen.WAV", "Hvor lenge har du vært der", ()),
    ("Intervju Lise Berg.ogg", "Omtrent ti år", ("-c:a", "libvorbis")),
    ("Intervju Anne Dahl.flac", "Takk for at du ville være med", ()),
]
EXTRA_TEXT = "Kan du fortelle litt om jobben din"


def synthesise(folder: Path) -> dict[str, Path]:
    """The five recordings of ``CLIPS`` plus ``extra.wav`` (other speech), written to folder."""
    folder.mkdir(parents=True, exist_ok=True)
    made = {}
    for name, text, codec in [*CLIPS, ("extra.wav", EXTRA_TEXT, ())]:
        made[name] = write_audio(speak(text), folder / name, *codec)
    return made


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def calls(log: Path) -> list[tuple[str, str]]:
    """``(event, sha256)`` for every line of the fake pipeline's log."""
    if not log.exists():
        return []
    return [(line.split()[0], line.split()[1]) for line in log.read_text().splitlines()]


class LoggingPipeline:
    """Stands in for ``service.pipeline.Pipeline``; see the module docstring."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.log = Path(os.environ["BATCH_FAKE_LOG"])
        self.block_at = int(os.environ.get("BATCH_FAKE_BLOCK_AT", "0"))
        self.fail = os.environ.get("BATCH_FAKE_FAIL")
        self.calls = 0

    def process(self, path: Path, options: JobOptions, hook: Hook) -> PipelineOutput:
        self.calls += 1
        digest = sha256(path)
        self._write(f"start {digest}")
        hook("decoding", completed=1.0, total=1.0)
        hook("transcribing", completed=0.5, total=1.0)
        if self.calls == self.block_at:
            (self.log.parent / f"{self.log.name}.blocked").write_text(digest)
            time.sleep(600)
        if self.fail and self.fail in path.name:
            raise AudioError("audio.not_audio")
        transcript = factories.make_transcript(
            [
                factories.make_segment(0.0, 1.0, "Hvor jobber du?", speaker="SPEAKER_00"),
                factories.make_segment(1.0, 2.5, "På et sykehjem.", speaker="SPEAKER_01"),
            ],
            duration=2.5,
        )
        transcript = label_roles(transcript, options.interviewer, dict(options.speaker_names))
        self._write(f"end {digest}")
        return PipelineOutput(transcript)

    def _write(self, line: str) -> None:
        with self.log.open("a") as handle:
            handle.write(line + "\n")
            handle.flush()
            os.fsync(handle.fileno())
