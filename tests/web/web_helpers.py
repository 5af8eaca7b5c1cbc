"""Helpers for the browser tests: the served app with a fake pipeline, and real speech to play.

The fake pipeline (only the speech model is faked) reads the sealed upload like the real one,
reports its steps, waits in "diarizing" until the test lets it go (so the page can be seen
following progress) and returns a fixed interview: two speakers, two redactions with their
originals, an uncertain word, a repetition loop and dialect words written as bokmål.
"""

from __future__ import annotations

import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import uvicorn

from service.api import create_app
from service.api.deps import AppState
from service.audio import SealedAudio, media_input
from service.config import APISettings, Settings, StorageSettings, WorkerSettings
from service.diarization.roles import label_roles
from service.jobs import PipelineOutput
from service.options import JobOptions
from service.progress import Hook
from service.transcript import (
    AnonymizationInfo,
    Redaction,
    Segment,
    SegmentFlag,
    Transcript,
    Word,
)
from tests import factories

SPOKEN = (
    "Kan du fortelle om jobben din? Eg jobbar med Kari Nordmann i Bodø, i rusomsorgen. "
    "Og så, og så, og så."
)
ORIGINALS = ("Kari Nordmann", "Bodø")
WAIT_SECONDS = 20.0


def speech_wav(path: Path) -> Path:
    """A few seconds of espeak-ng's Norwegian voice, as the WAV a researcher would upload."""
    wav = subprocess.run(
        ["espeak-ng", "--stdout", "-v", "nb", "-s", "150", SPOKEN], capture_output=True, check=True
    ).stdout
    path.write_bytes(wav)
    return path


def _words(spans: list[tuple[float, float, str, float, str | None]]) -> tuple[Word, ...]:
    return tuple(
        Word(
            start=s, end=e, text=f" {text}", probability=p, verbatim=None if v is None else f" {v}"
        )
        for s, e, text, p, v in spans
    )


def _segment(words: tuple[Word, ...], speaker: str, flags: tuple[SegmentFlag, ...] = ()) -> Segment:
    text = "".join(w.text for w in words).strip()
    return factories.make_segment(
        words[0].start, words[-1].end, text, speaker=speaker, words=words, flags=flags
    )


def interview(duration: float) -> Transcript:
    """The fixed interview, its words spread over ``duration`` seconds."""
    unit = duration / 20
    question = _words(
        [
            (i * unit, (i + 1) * unit, w, 0.95, None)
            for i, w in enumerate(["Kan", "du", "fortelle", "om", "jobben", "din?"])
        ]
    )
    answer_words = [
        ("Jeg", 0.9, "Eg"), ("jobber", 0.9, "jobbar"), ("med", 0.95, None),
        ("[navn 1]", 0.9, None), ("i", 0.95, None), ("[kommune 1],", 0.9, None),
        ("i", 0.95, None), ("rusomsorgen.", 0.31, None),
    ]  # fmt: skip
    answer = _words(
        [((7 + i) * unit, (8 + i) * unit, w, p, v) for i, (w, p, v) in enumerate(answer_words)]
    )
    loop = _words(
        [
            ((16 + i) * unit, (17 + i) * unit, w, 0.6, None)
            for i, w in enumerate(["Og", "så,", "og", "så."])
        ]
    )
    segments = [
        _segment(question, "SPEAKER_00"),
        _segment(answer, "SPEAKER_01"),
        _segment(loop, "SPEAKER_01", (SegmentFlag.REPETITION_LOOP,)),
    ]
    info = AnonymizationInfo(
        normalized=True,
        pronouns=True,
        entities=("PERSON", "MUNICIPALITY"),
        redactions=(
            Redaction(tag="[navn 1]", label="PERSON", segment=1, word=3),
            Redaction(tag="[kommune 1]", label="MUNICIPALITY", segment=1, word=5),
        ),
        seconds=0.1,
    )
    transcript = factories.make_transcript(segments, duration=duration)
    return transcript.model_copy(update={"anonymization": info})


@dataclass
class Gate:
    """Holds the pipeline in its diarizing step until ``release`` is set."""

    reached: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)


class WebPipeline:
    def __init__(self, settings: Settings, gate: Gate) -> None:
        self.gate = gate

    def process(
        self, source: Path | SealedAudio, options: JobOptions, hook: Hook
    ) -> PipelineOutput:
        with media_input(source) as media:
            duration = (media.size - 44) / (22_050 * 2)  # espeak-ng: 22.05 kHz, 16-bit mono
        hook("decoding", completed=1.0, total=1.0)
        hook("transcribing", completed=duration, total=duration)
        hook("diarizing", completed=0.4, total=1.0)
        self.gate.reached.set()
        if not self.gate.release.wait(WAIT_SECONDS):
            raise TimeoutError("the test never released the pipeline")
        hook("diarizing", completed=1.0, total=1.0)
        transcript = label_roles(interview(duration), None, {})
        return PipelineOutput(transcript, ORIGINALS)


@dataclass
class Served:
    url: str
    state: AppState
    gate: Gate

    def token(self, name: str, user: str = "forsker") -> str:
        _, plaintext = self.state.tokens.create(name, user=user)
        return plaintext


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def serve(data_dir: Path) -> Iterator[Served]:
    """The real app under uvicorn on a free loopback port, in a thread."""
    settings = Settings(
        storage=StorageSettings(data_dir=data_dir),
        api=APISettings(max_upload_mb=16),
        worker=WorkerSettings(poll_seconds=0.05),
    )
    gate = Gate()
    app = create_app(settings, pipeline_factory=lambda s: WebPipeline(s, gate), start_worker=True)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + WAIT_SECONDS
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the app did not start")
        time.sleep(0.02)
    try:
        yield Served(f"http://127.0.0.1:{port}", app.state.intervju, gate)
    finally:
        gate.release.set()
        server.should_exit = True
        thread.join(WAIT_SECONDS)
