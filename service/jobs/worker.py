"""The in-process worker: one thread that takes queued jobs one at a time and runs the pipeline.

The pipeline (and with it the speech model) is created once per worker, lazily on the first job.
Progress goes through the same hook as everywhere else; the worker's hook also persists it
(throttled) and is where a deleted job or a shutdown stops the run.

A worker has an id (``worker_id``): it claims jobs under it, and every write it makes on a job
(progress, result, failure, release) is conditional on the job still being claimed under it.
A worker taken for dead whose job another worker took over (``service.jobs.claims``) finds out
at its next write, and its result is discarded. The in-process worker claims under its own id
too: only one runs per service, but a second service on the same database would requeue its
jobs at start (``JobStore.recover_interrupted``), and then this one's writes must not count.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from service.audio.source import SealedAudio
from service.background import log_unexpected
from service.config import Settings
from service.errors import IntervjuError
from service.jobs.models import JobRecord, JobStatus
from service.jobs.store import JobStore
from service.options import JobOptions, text_choices
from service.progress import Hook
from service.transcript import Transcript

logger = logging.getLogger(__name__)

Spans = dict[str, tuple[float, float]]


def step_spans(diarize: bool, anonymize: bool) -> Spans:
    """The share of the overall progress ``(start, end)`` that each pipeline step covers."""
    end = 1.0 - 0.1 * diarize - 0.05 * anonymize
    spans = {
        JobStatus.DECODING.value: (0.0, 0.05),
        JobStatus.TRANSCRIBING.value: (0.05, end),
    }
    if diarize:
        spans[JobStatus.DIARIZING.value] = (end, end + 0.1)
    if anonymize:
        spans[JobStatus.ANONYMIZING.value] = (0.95, 1.0)
    return spans


STEP_SPANS = step_spans(diarize=False, anonymize=False)
DIARIZED_STEP_SPANS = step_spans(diarize=True, anonymize=False)


@dataclass(frozen=True)
class PipelineOutput:
    """A transcript, and what each of its redactions replaced (for review, never exported)."""

    transcript: Transcript
    originals: tuple[str, ...] | None = None


class PipelineLike(Protocol):
    def process(
        self, source: Path | SealedAudio, options: JobOptions, hook: Hook
    ) -> PipelineOutput: ...


PipelineFactory = Callable[[Settings], PipelineLike]


def new_worker_id() -> str:
    """``host:pid:random``: unique per worker, at most 64 characters, no personal data."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class JobCancelled(Exception):
    """Raised from the hook when the job was withdrawn, or its audio deleted, while it ran."""


class WorkerStopping(Exception):
    """Raised from the hook when the service shuts down while a job runs."""


class ProgressHook:
    """The worker's hook: persists step and progress at most every ``interval`` seconds."""

    def __init__(
        self,
        store: JobStore,
        job_id: str,
        stopping: threading.Event,
        interval: float,
        spans: Spans = STEP_SPANS,
        lost: threading.Event | None = None,
        worker_id: str | None = None,
    ) -> None:
        self._store = store
        self._worker_id = worker_id
        self._lost = lost
        self._spans = spans
        self._job_id = job_id
        self._stopping = stopping
        self._interval = interval
        self._status = JobStatus.DECODING
        self._step: str | None = None
        self._progress = 0.0
        self._last_write = float("-inf")
        self._lock = threading.Lock()

    def __call__(
        self, step: str, *, completed: float | None = None, total: float | None = None
    ) -> None:
        if self._stopping.is_set():
            raise WorkerStopping
        if self._lost is not None and self._lost.is_set():
            raise JobCancelled  # another worker took the job over (``service.jobs.claims``)
        with self._lock:  # steps may report from several threads
            self._update(step, completed, total)

    def _update(self, step: str, completed: float | None, total: float | None) -> None:
        if step in self._spans:
            self._status = JobStatus(step)
            start, end = self._spans[step]
            fraction = completed / total if completed is not None and total else 0.0
            self._progress = max(self._progress, start + (end - start) * min(1.0, fraction))
        now = time.monotonic()
        if step == self._step and now - self._last_write < self._interval:
            return
        self._step = step
        self._last_write = now
        job_id, status, progress = self._job_id, self._status, self._progress
        if not self._store.report_progress(
            job_id, status, step, progress, worker_id=self._worker_id
        ):
            raise JobCancelled


class Worker:
    """A daemon thread polling the job queue; ``start``/``stop`` from the app's lifespan."""

    def __init__(
        self,
        settings: Settings,
        store: JobStore,
        pipeline_factory: PipelineFactory,
        *,
        progress_interval: float = 0.5,
        worker_id: str | None = None,
    ) -> None:
        self.worker_id = worker_id or new_worker_id()
        self._settings = settings
        self._store = store
        self._pipeline_factory = pipeline_factory
        self._progress_interval = progress_interval
        self._pipeline: PipelineLike | None = None
        self._stopping = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("worker already started")
        self._stopping.clear()
        self._thread = threading.Thread(target=self._loop, name="intervju-worker", daemon=True)
        self._thread.start()
        logger.info("job worker started")

    def stop(self, timeout: float = 30.0) -> None:
        """Ask the thread to stop and wait; a running job goes back to the queue."""
        self._stopping.set()
        self._wake.set()
        if self._thread is None:
            return
        self._thread.join(timeout)
        if self._thread.is_alive():
            logger.warning("job worker did not stop within %.0f s", timeout)
        self._thread = None

    def wake(self) -> None:
        """Look at the queue now instead of at the next poll (after an upload)."""
        self._wake.set()

    def run_once(self) -> bool:
        """Claim and run the oldest queued job; ``False`` when the queue was empty."""
        job = self._store.claim_next(self.worker_id)
        if job is None:
            return False
        self.process(job)
        return True

    def process(self, job: JobRecord, lost: threading.Event | None = None) -> None:
        """Run the pipeline on a job this worker has claimed and store the outcome; the run
        stops at the next progress report once ``lost`` is set (a Celery worker's claim), or
        once the job is not this worker's any more."""
        logger.info("job %s started (attempt %d)", job.id, job.attempts)
        mine = self.worker_id
        diarize = job.options.diarize
        if diarize is None:
            diarize = self._settings.diarization.enabled
        text = text_choices(job.options, anonymize=self._settings.anonymization.enabled)
        spans = step_spans(diarize, text.runs)
        hook = ProgressHook(
            self._store, job.id, self._stopping, self._progress_interval, spans, lost, mine
        )
        try:
            pipeline = self._get_pipeline()
            audio = SealedAudio(self._store.sealer.vault, job.audio_object)
            output = pipeline.process(audio, job.options, hook)
        except JobCancelled:
            logger.info("job %s stopped: withdrawn, its audio deleted or taken over", job.id)
        except WorkerStopping:
            if self._store.release(job.id, worker_id=mine):
                logger.info("job %s put back in the queue: shutting down", job.id)
        except IntervjuError as exc:
            if self._store.fail(job.id, exc.key, exc.params, worker_id=mine):
                logger.info("job %s failed: %s", job.id, exc.key)
            else:
                _discarded(job.id, "failure")
        except Exception as exc:
            # Never the message: library errors quote their input, which may be transcript
            # text. The type and where it happened are enough to find the bug.
            log_unexpected(logger, f"job {job.id} failed unexpectedly", exc)
            if not self._store.fail(
                job.id, "job.internal", {"kind": type(exc).__name__}, worker_id=mine
            ):
                _discarded(job.id, "failure")
        else:
            if self._store.finish(job.id, output.transcript, output.originals, worker_id=mine):
                logger.info("job %s ready for review", job.id)
            else:
                _discarded(job.id, "result")

    def _get_pipeline(self) -> PipelineLike:
        if self._pipeline is None:
            self._pipeline = self._pipeline_factory(self._settings)
        return self._pipeline

    def _loop(self) -> None:
        while not self._stopping.is_set():
            self._wake.clear()
            try:
                worked = self.run_once()
            except Exception as exc:  # the type only: a message may quote personal data
                kind = type(exc).__name__
                logger.error("job worker error (%s); retrying in %.1f s", kind, self._poll_seconds)
                worked = False
            if not worked:
                self._wake.wait(self._poll_seconds)
        logger.info("job worker stopped")

    @property
    def _poll_seconds(self) -> float:
        return self._settings.worker.poll_seconds


def _discarded(job_id: str, what: str) -> None:
    """The job changed hands or state while it ran: this worker's outcome is dropped."""
    logger.info(
        "job %s: %s discarded: withdrawn, its audio deleted or taken over by another worker",
        job_id,
        what,
    )
