"""Celery with a Redis broker as the job queue (``INTERVJU_QUEUE__BACKEND=celery``).

Imported only when that backend is chosen: the default install never imports Celery.

The broker carries one thing per task: the job id. No file name, option or speaker name leaves
the database: the broker is another process, maybe another machine. Jobs stay durable in the
database; the broker is not the source of truth. A task is delivered at least once
(``acks_late``, ``task_reject_on_worker_lost``, the broker's visibility timeout) and the claim
in the database (``service.jobs.claims``) makes the job complete exactly once: a worker's
progress, result and failure are written only while the job is still claimed by it.

``intervju worker`` runs ``run_worker``: a Celery worker whose processes each build the
pipeline on their first task and keep it (the models stay loaded), plus a sweep that sends a
task for every job that has none (a flushed broker, a send that failed) or whose worker died.
"""

from __future__ import annotations

import logging
import os
import threading
from types import TracebackType
from typing import Any

from celery import Celery

from service.background import Periodic, log_unexpected
from service.config import Settings
from service.datadir import open_vault
from service.db import Database, open_database, utcnow
from service.jobs.claims import Claim, Claims
from service.jobs.store import JobStore
from service.jobs.worker import PipelineFactory, Worker

logger = logging.getLogger(__name__)

TASK_NAME = "intervju.run_job"
QUEUE_NAME = "intervju"


def make_celery(settings: Settings) -> Celery:
    """A Celery app on the configured broker: late acknowledgement, one task prefetched."""
    queue = settings.queue
    app = Celery("intervju", broker=queue.broker_url.get_secret_value(), set_as_current=False)
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        task_default_queue=QUEUE_NAME,
        task_serializer="json",
        accept_content=["json"],
        broker_transport_options={
            "visibility_timeout": queue.visibility_timeout_seconds,
            # how often a worker looks for unacknowledged tasks whose time is up (kombu
            # scans only every 10th look by default)
            "unacked_restore_interval": min(10.0, queue.visibility_timeout_seconds / 2),
            "unacked_restore_throttle": 1,
        },
        broker_connection_retry_on_startup=True,
        worker_send_task_events=False,
        enable_utc=True,
    )
    return app


class CeleryQueue:
    """Sends a job's task: its id and nothing else."""

    def __init__(self, settings: Settings, db: Database, app: Celery | None = None) -> None:
        self._app = app or make_celery(settings)
        self._claims = Claims(db, settings.queue)

    def send(self, job_id: str) -> bool:
        """Send the task (and note it in the job); ``False`` if the broker could not be
        reached: the job stays queued and the sweep of a worker sends it later."""
        self._claims.sent(job_id, utcnow())
        return self.resend(job_id)

    def resend(self, job_id: str) -> bool:
        """Send the task of a job already marked as sent (``Claims.due``)."""
        try:
            self._app.send_task(TASK_NAME, args=[job_id], queue=QUEUE_NAME)
        except Exception as exc:
            self._claims.sent(job_id, None)
            logger.warning("job %s: the broker took no task (%s)", job_id, type(exc).__name__)
            return False
        return True

    def close(self) -> None:
        self._app.close()


class Sweep(Periodic):
    """Every ``queue.sweep_seconds``: a task for each job that needs one (``Claims.due``)."""

    name = "intervju-sweep"
    failure = "the queue sweep failed; trying again later"

    def __init__(self, claims: Claims, queue: CeleryQueue, seconds: float) -> None:
        super().__init__(logger)
        self._claims = claims
        self._queue = queue
        self._seconds = seconds

    def interval(self) -> float:
        return self._seconds

    def tick(self) -> None:
        sent = sum(self._queue.resend(job_id) for job_id in self._claims.due())
        if sent:
            logger.info("queue sweep: %d task(s) sent", sent)


class Heartbeat:
    """While a job runs: a thread renewing its claim every ``queue.heartbeat_seconds``; sets
    ``lost`` once the job is not this worker's any more."""

    def __init__(self, claims: Claims, job_id: str, worker_id: str, seconds: float) -> None:
        self.lost = threading.Event()
        self._claims = claims
        self._job_id = job_id
        self._worker_id = worker_id
        self._seconds = seconds
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="intervju-heartbeat", daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._done.set()
        self._thread.join()

    def _loop(self) -> None:
        while not self._done.wait(self._seconds):
            try:
                if not self._claims.beat(self._job_id, self._worker_id):
                    self.lost.set()
                    logger.warning("job %s is no longer this worker's", self._job_id)
                    return
            except Exception as exc:
                log_unexpected(logger, f"job {self._job_id}: heartbeat failed", exc)


class TaskRunner:
    """What one worker process keeps between tasks: its id, the database and the pipeline
    (made on the first task, kept warm)."""

    def __init__(self, settings: Settings, pipeline_factory: PipelineFactory) -> None:
        self._settings = settings
        self.db = open_database(settings.db_url)
        self.store = JobStore(self.db, open_vault(settings))
        self.claims = Claims(self.db, settings.queue)
        self.worker = Worker(settings, self.store, pipeline_factory)
        self.worker_id = self.worker.worker_id  # its claims, heartbeats and writes

    def run(self, job_id: str) -> Claim:
        claim = self.claims.claim(job_id, self.worker_id)
        if not claim.runs:
            logger.info("job %s: task skipped (%s)", job_id, claim.value)
            return claim
        job = self.store.get(job_id)
        if job is None:  # deleted between the claim and now
            return Claim.NOTHING
        seconds = self._settings.queue.heartbeat_seconds
        with Heartbeat(self.claims, job_id, self.worker_id, seconds) as heartbeat:
            self.worker.process(job, heartbeat.lost)
        return claim


class _PerProcess:
    """One ``TaskRunner`` per worker process (a forked pool child makes its own)."""

    def __init__(self, settings: Settings, pipeline_factory: PipelineFactory) -> None:
        self._settings = settings
        self._factory = pipeline_factory
        self._runner: TaskRunner | None = None
        self._pid = 0

    def get(self) -> TaskRunner:
        if self._runner is None or self._pid != os.getpid():
            self._runner = TaskRunner(self._settings, self._factory)
            self._pid = os.getpid()
        return self._runner


def worker_app(settings: Settings, pipeline_factory: PipelineFactory) -> Celery:
    """The Celery app of ``intervju worker``, with the task registered."""
    app = make_celery(settings)
    runners = _PerProcess(settings, pipeline_factory)

    @app.task(name=TASK_NAME, acks_late=True, reject_on_worker_lost=True)
    def run_job(job_id: Any) -> str:
        if not isinstance(job_id, str) or len(job_id) > 64:
            logger.warning("task with an invalid job id dropped")
            return Claim.NOTHING.value
        return runners.get().run(job_id).value

    return app


def run_worker(settings: Settings, pipeline_factory: PipelineFactory) -> None:
    """Run a Celery worker until it is stopped (SIGTERM / Ctrl-C: the running job finishes)."""
    queue = settings.queue
    app = worker_app(settings, pipeline_factory)
    db = open_database(settings.db_url)
    sweep = Sweep(Claims(db, queue), CeleryQueue(settings, db, app), queue.sweep_seconds)
    # One job at a time runs in this very process (no fork: a GPU and its loaded model stay
    # here); more at once are forked pool processes, each with its own models.
    pool = "solo" if queue.concurrency == 1 else "prefork"
    argv = [
        "worker",
        f"--pool={pool}",
        f"--concurrency={queue.concurrency}",
        f"--queues={QUEUE_NAME}",
        f"--hostname=intervju-{os.getpid()}@%h",
        "--without-gossip",
        "--without-mingle",
        "--loglevel=INFO",
    ]
    sweep.start()
    try:
        app.worker_main(argv)
    finally:
        sweep.stop()
        db.dispose()
