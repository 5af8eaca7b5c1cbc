"""Helpers for the API tests (imported by ``conftest.py`` and the test modules).

Only the slow part is faked: the speech model. The fake pipelines open the sealed upload (it is
decrypted into memory, as for the real pipeline), call the progress hook like the real pipeline
and return a real ``Transcript``.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from service.api import create_app
from service.api.deps import AppState
from service.audio import SealedAudio, media_input
from service.config import APISettings, Settings, StorageSettings, WorkerSettings
from service.diarization.roles import label_roles
from service.errors import AudioError
from service.jobs import JobStatus, PipelineOutput
from service.jobs.job_keys import job_key_id, originals_key_id
from service.options import JobOptions
from service.progress import Hook
from service.transcript import Transcript
from tests import factories, waiting

AppFactory = Callable[..., TestClient]
Source = Path | SealedAudio
BYTES_PER_SECOND = 32_000  # what the fake pretends: 16 kHz, 16-bit, mono
WAIT_SECONDS = 10.0
API = "/api/v1/jobs"


def make_settings(data_dir: Path, max_upload_mb: int = 64) -> Settings:
    return Settings(
        storage=StorageSettings(data_dir=data_dir),
        api=APISettings(max_upload_mb=max_upload_mb),
        worker=WorkerSettings(poll_seconds=0.05),
    )


def make_transcript(
    duration: float, text: str = " Hei, og velkommen til intervjuet."
) -> Transcript:
    return factories.make_transcript(
        [factories.make_segment(0.0, duration, text)], duration=duration
    )


@dataclass
class PipelineLog:
    """What the fake pipelines were asked to do, shared by every instance a factory makes."""

    created: int = 0
    runs: list[tuple[Source, JobOptions]] = field(default_factory=list)
    stopped: list[Source] = field(default_factory=list)
    started: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, path: Source, options: JobOptions) -> None:
        with self.lock:
            self.runs.append((path, options))


class FakePipeline:
    """Reads the upload, reports both steps, returns a one-segment transcript."""

    def __init__(self, settings: Settings, log: PipelineLog) -> None:
        self.settings = settings
        self.log = log
        with log.lock:
            log.created += 1

    def process(self, source: Source, options: JobOptions, hook: Hook) -> PipelineOutput:
        return PipelineOutput(self.run(source, options, hook))

    def run(self, path: Source, options: JobOptions, hook: Hook) -> Transcript:
        self.log.record(path, options)
        with media_input(path) as media:
            size = media.size
        if size == 0:
            raise AudioError("audio.empty")
        hook("decoding", completed=0.0, total=1.0)
        hook("decoding", completed=1.0, total=1.0)
        duration = size / BYTES_PER_SECOND
        hook("transcribing", completed=0.0, total=duration)
        self.transcribe(path, duration, hook)
        hook("transcribing", completed=duration, total=duration)
        return make_transcript(duration)

    def transcribe(self, path: Source, duration: float, hook: Hook) -> None:
        """The slow part; instant here."""


def make_interview(duration: float) -> Transcript:
    """Two diarised voices: SPEAKER_00 asks (the guessed interviewer), SPEAKER_01 answers."""
    half = duration / 2
    return factories.make_transcript(
        [
            factories.make_segment(
                0.0, half, "Kan du fortelle om jobben din?", speaker="SPEAKER_00"
            ),
            factories.make_segment(
                half, duration, "Jeg jobber i rusomsorgen.", speaker="SPEAKER_01"
            ),
        ],
        duration=duration,
    )


class DiarizingPipeline(FakePipeline):
    """Like the real pipeline with diarisation: a "diarizing" step, then labelled speakers
    (unless the job said ``diarize=false``)."""

    def run(self, path: Source, options: JobOptions, hook: Hook) -> Transcript:
        plain = super().run(path, options, hook)
        if options.diarize is False:
            return plain
        hook("diarizing", completed=0.0, total=1.0)
        self.diarize(hook)
        hook("diarizing", completed=1.0, total=1.0)
        transcript = make_interview(plain.source.duration)
        return label_roles(transcript, options.interviewer, dict(options.speaker_names))

    def diarize(self, hook: Hook) -> None:
        """The slow part; instant here."""


class BlockingDiarizingPipeline(DiarizingPipeline):
    """Stays in the diarizing step until ``log.release`` is set."""

    def diarize(self, hook: Hook) -> None:
        self.log.started.set()
        if not self.log.release.wait(WAIT_SECONDS):
            raise TimeoutError("the test never released the blocking pipeline")
        hook("diarizing", completed=0.5, total=1.0)


class FailingPipeline(FakePipeline):
    def transcribe(self, path: Source, duration: float, hook: Hook) -> None:
        raise AudioError("audio.not_audio")


class CrashingPipeline(FakePipeline):
    def transcribe(self, path: Source, duration: float, hook: Hook) -> None:
        raise RuntimeError("a bug")


class BlockingPipeline(FakePipeline):
    """Reports progress every 20 ms until ``log.release`` is set or the hook stops it."""

    def transcribe(self, path: Source, duration: float, hook: Hook) -> None:
        self.log.started.set()
        deadline = time.monotonic() + WAIT_SECONDS
        step = 0
        try:
            while not self.log.release.wait(0.02):
                step = min(step + 1, 99)
                hook("transcribing", completed=duration * step / 100, total=duration)
                if time.monotonic() > deadline:
                    raise TimeoutError("the test never released the blocking pipeline")
        except BaseException:
            self.log.stopped.append(path)
            raise


@contextmanager
def running(
    settings: Settings,
    log: PipelineLog,
    pipeline: type[FakePipeline] = FakePipeline,
    worker: bool = True,
) -> Iterator[TestClient]:
    """A started app (lifespan entered) whose worker uses ``pipeline``; stopped on exit."""

    def factory(s: Settings) -> FakePipeline:
        return pipeline(s, log)

    app = create_app(settings, pipeline_factory=factory, start_worker=worker)
    with TestClient(app) as client:
        yield client


def app_state(client: TestClient) -> AppState:
    assert isinstance(client.app, FastAPI)
    state: AppState = client.app.state.intervju
    return state


def files_under(path: Path) -> set[str]:
    return {str(p.relative_to(path)) for p in path.rglob("*") if p.is_file()}


def assert_nothing_stored(client: TestClient) -> None:
    """No recording is kept: no vault object (not even a partial one or a key), no plaintext
    upload folder; no key but those of jobs that exist."""
    state = app_state(client)
    assert state.vault.object_ids("audio-") == []
    kept = {
        f"keys/{key_id(job_id)}.key"
        for job_id in state.jobs.ids()
        for key_id in (job_key_id, originals_key_id)
    } | {"instance"}  # the id binding the vault to its database (service.consent.binding)
    assert files_under(state.settings.storage.vault_path) - kept == set()
    assert not state.settings.storage.uploads_path.exists()


def new_token(client: TestClient, name: str = "test") -> str:
    _, plaintext = app_state(client).tokens.create(name)
    return plaintext


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def upload(
    client: TestClient,
    auth: dict[str, str],
    content: bytes = b"RIFF" + b"\x00" * 64_000,
    filename: str = "intervju-1.wav",
    **fields: str,
) -> Any:
    return client.post(
        API, headers=auth, files={"file": (filename, content, "audio/wav")}, data=fields
    )


def wait_for(predicate: Callable[[], Any], timeout: float = WAIT_SECONDS) -> Any:
    return waiting.wait_for(predicate, timeout, "the condition")


def wait_status(
    client: TestClient, auth: dict[str, str], job_id: str, *statuses: str
) -> dict[str, Any]:
    def check() -> dict[str, Any] | None:
        body: dict[str, Any] = client.get(f"{API}/{job_id}", headers=auth).json()
        return body if body["status"] in statuses else None

    result: dict[str, Any] = wait_for(check)
    return result


_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT


class WriteAudit:
    """Every path opened for writing, from any thread, while ``active`` (an audit hook)."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        self.active = False

    def __call__(self, event: str, args: tuple[Any, ...]) -> None:
        if not self.active or event != "open" or not isinstance(args[0], str | bytes):
            return
        mode, flags = args[1], args[2]
        writes = (isinstance(flags, int) and flags & _WRITE_FLAGS) or (
            isinstance(mode, str) and any(ch in mode for ch in "wax+")
        )
        if writes:
            self.paths.append(os.fsdecode(args[0]))


class RecordingStore:
    """Stands in for ``JobStore`` in the hook's unit tests: records each progress write."""

    def __init__(self, running: bool = True) -> None:
        self.writes: list[tuple[JobStatus, str, float]] = []
        self.running = running

    def report_progress(
        self,
        job_id: str,
        status: JobStatus,
        step: str,
        progress: float,
        *,
        worker_id: str | None = None,
    ) -> bool:
        self.writes.append((status, step, round(progress, 3)))
        return self.running
