"""A fake pipeline for the crash, offline and privacy tests (imported by ``crash_app.py`` too).

Like the real one it opens the sealed upload (decrypted into memory through ``media_input``),
reports every step through the hook (decoding, transcribing, diarizing, anonymizing) and
returns a real ``Transcript``: two diarised speakers and, when the job is anonymised, tags with
their redactions and the originals behind them (so verification has something to delete).
``on_step`` is called inside each step, after the hook has reported it (the crash app kills the
process there).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

from service.audio import SealedAudio, media_input
from service.config import APISettings, Settings, StorageSettings, WorkerSettings
from service.diarization.roles import label_roles
from service.errors import AudioError
from service.jobs import PipelineOutput
from service.options import JobOptions
from service.progress import Hook
from service.transcript import AnonymizationInfo, Redaction, Transcript
from tests import factories

BYTES_PER_SECOND = 32_000  # what the fake pretends: 16 kHz, 16-bit, mono
STEPS = ("decoding", "transcribing", "diarizing", "anonymizing")

# What the informant says: a name, a place and a sentence nobody else may ever read.
NAME = "Kari Nordmann"
PLACE = "Bodø"
PHRASE = "aldri fortalt dette til noen"
QUESTION = "Kan du fortelle litt om deg selv?"
PLAIN = f"Jeg heter {NAME} og kommer fra {PLACE}, og jeg har {PHRASE} før."
TAGGED = f"Jeg heter [navn 1] og kommer fra [sted 1], og jeg har {PHRASE} før."
ORIGINALS = (NAME, PLACE)

StepCallback = Callable[[str], None]


def make_settings(data_dir: Path, **groups: object) -> Settings:
    """Settings on ``data_dir``; the worker polls the queue every 50 ms."""
    values: dict[str, object] = {
        "storage": StorageSettings(data_dir=data_dir),
        "api": APISettings(max_upload_mb=64),
        "worker": WorkerSettings(poll_seconds=0.05),
        **groups,
    }
    return Settings(**values)  # type: ignore[arg-type]


def interview(duration: float, anonymized: bool) -> Transcript:
    """SPEAKER_00 asks, SPEAKER_01 answers with the name, the place and the phrase."""
    half = duration / 2
    answer = TAGGED if anonymized else PLAIN
    transcript = factories.make_transcript(
        [
            factories.make_segment(0.0, half, QUESTION, speaker="SPEAKER_00"),
            factories.make_segment(half, duration, answer, speaker="SPEAKER_01"),
        ],
        duration=duration,
    )
    if not anonymized:
        return transcript
    info = AnonymizationInfo(
        normalized=False,
        pronouns=False,
        entities=("PERSON", "LOCATION"),
        redactions=(
            Redaction(tag="[navn 1]", label="PERSON", segment=1),
            Redaction(tag="[sted 1]", label="LOCATION", segment=1),
        ),
        seconds=0.01,
    )
    return transcript.model_copy(update={"anonymization": info})


class ScriptedPipeline:
    """The fake: reads the sealed upload, reports the four steps, returns ``interview``."""

    def __init__(self, settings: Settings, on_step: StepCallback | None = None) -> None:
        self.settings = settings
        self.on_step = on_step

    def process(
        self, source: Path | SealedAudio, options: JobOptions, hook: Hook
    ) -> PipelineOutput:
        with media_input(source) as media, media.open() as handle:
            size = len(handle.read())
        if size == 0:
            raise AudioError("audio.empty")
        duration = size / BYTES_PER_SECOND
        for step in STEPS:
            hook(step, completed=0.0, total=1.0)
            if self.on_step is not None:
                self.on_step(step)
            self.work(step)
            hook(step, completed=1.0, total=1.0)
        anonymized = options.anonymize is not False
        transcript = label_roles(
            interview(duration, anonymized), options.interviewer, dict(options.speaker_names)
        )
        return PipelineOutput(transcript, ORIGINALS if anonymized else None)

    def work(self, step: str) -> None:
        """The slow part of a step; instant here."""


class FailingPipeline(ScriptedPipeline):
    """Fails in the transcribing step with an unexpected error (a bug, not the user's file)."""

    def work(self, step: str) -> None:
        if step == "transcribing":
            raise RuntimeError("the fake model broke")


def factory(pipeline: type[ScriptedPipeline] = ScriptedPipeline) -> Callable[[Settings], object]:
    return lambda settings: pipeline(settings)


def recording(seconds: float = 2.0, marker: bytes = b"") -> bytes:
    """Bytes the fake takes for ``seconds`` of audio (unique per call; ``marker`` inside)."""
    size = int(seconds * BYTES_PER_SECOND)
    head = b"RIFF" + uuid.uuid4().bytes + marker
    return head + b"\x00" * max(0, size - len(head))
