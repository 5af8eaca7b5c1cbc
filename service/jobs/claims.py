"""Which Celery worker runs a job: claims, heartbeats and the takeover of a dead worker's job.

A task carries only a job id and is delivered at least once: ``acks_late`` redelivers the task
of a worker that died, the broker redelivers a task not acknowledged within its visibility
timeout, and the sweep sends tasks again. The database makes every job complete exactly once:

- ``claim`` of a ``queued`` job moves it to ``decoding`` with this worker's id and a heartbeat,
  in one conditional ``UPDATE``: of two deliveries of one task, one wins.
- A running job whose heartbeat is older than ``queue.stale_seconds`` belongs to a dead worker:
  the claim takes it over (running -> ``queued`` -> ``decoding`` in one transaction, an attempt
  counted), or fails it once it has had ``MAX_ATTEMPTS`` tries (a recording that kills workers).
- A running job with a fresh heartbeat: a duplicate delivery while its worker lives; dropped.
  Should that worker die later, the sweep sends a task again (``due``).
- Any other state (ready, failed, withdrawn, deleted, unknown): nothing to do.

``beat`` renews the heartbeat only while the job is running and still this worker's; ``False``
tells the worker it lost the job. The worker's progress, transcript and failure are written by
``JobStore`` with ``worker_id``: each ``UPDATE`` needs the job to be running *and* still claimed
by that worker, so a worker taken for dead that lives on (stalled, paused, cut off) cannot
move, finish or fail the job another worker took over, and a second finish changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, and_, or_, select, update
from sqlalchemy.orm import Session

from service.config import QueueSettings
from service.db import Database, Job, utcnow
from service.jobs import events, lifecycle
from service.jobs.lifecycle import RUNNING, JobStatus
from service.jobs.models import MAX_ATTEMPTS
from service.jobs.store import JobStore

_RUNNING_VALUES = lifecycle.values(RUNNING)


class Claim(StrEnum):
    """What a delivery of a job's task found."""

    CLAIMED = "claimed"  # the job was queued; this worker runs it
    TAKEN_OVER = "taken_over"  # its worker was dead; this worker runs it again
    BUSY = "busy"  # another worker is running it (a duplicate delivery)
    FAILED = "failed"  # its worker was dead, and it had used its attempts
    NOTHING = "nothing"  # done, failed, withdrawn or unknown

    @property
    def runs(self) -> bool:
        return self in (Claim.CLAIMED, Claim.TAKEN_OVER)


class Claims:
    """Claims and heartbeats of Celery workers on jobs. Thread-safe."""

    def __init__(self, db: Database, settings: QueueSettings) -> None:
        self._db = db
        self._settings = settings

    def claim(self, job_id: str, worker_id: str) -> Claim:
        """Take the job for ``worker_id`` if it is queued, or running under a dead worker."""
        now = utcnow()
        with self._db.sessions.begin() as session:
            if self._take(session, job_id, worker_id, now):
                return Claim.CLAIMED
            stale = self._stale(now)
            poisoned = [*stale, Job.attempts >= MAX_ATTEMPTS]
            failed: dict[str, Any] = {
                "status": JobStatus.FAILED.value,
                "error_key": "job.too_many_attempts",
                "error_params": {"attempts": MAX_ATTEMPTS},
                "finished_at": now,
                "worker_id": None,
            }
            if _update(session, job_id, JobStatus.FAILED, poisoned, failed, now):
                return Claim.FAILED
            requeued: dict[str, Any] = {
                "status": JobStatus.QUEUED.value,
                "step": None,
                "progress": 0.0,
                "error_key": "job.interrupted",
                "error_params": {},
                "worker_id": None,
            }
            if _update(session, job_id, JobStatus.QUEUED, stale, requeued, now) and self._take(
                session, job_id, worker_id, now
            ):
                return Claim.TAKEN_OVER
            status = session.scalar(select(Job.status).where(Job.id == job_id))
        return Claim.BUSY if status in _RUNNING_VALUES else Claim.NOTHING

    def beat(self, job_id: str, worker_id: str) -> bool:
        """Renew the heartbeat; ``False`` once the job is not running under ``worker_id``."""
        statement = (
            update(Job)
            .where(Job.id == job_id, Job.worker_id == worker_id, Job.status.in_(_RUNNING_VALUES))
            .values(heartbeat_at=utcnow())
        )
        with self._db.sessions.begin() as session:
            return _rowcount(session.execute(statement)) == 1

    def sent(self, job_id: str, at: datetime | None = None) -> None:
        """Note that a task for the job was sent (``None``: sending failed, send it again)."""
        statement = update(Job).where(Job.id == job_id).values(sent_at=at)
        with self._db.sessions.begin() as session:
            session.execute(statement)

    def due(self, limit: int = 100) -> list[str]:
        """Jobs that need a task: queued ones, and running ones whose worker is dead, whose
        task was not sent within ``resend_seconds``; each is marked sent here, once, even when
        several sweeps look at the same moment."""
        now = utcnow()
        resend = now - timedelta(seconds=self._settings.resend_seconds)
        not_recently = or_(Job.sent_at.is_(None), Job.sent_at < resend)
        needs_task = or_(Job.status == JobStatus.QUEUED.value, and_(*self._stale(now)))
        query = (
            select(Job.id)
            .where(needs_task, not_recently)
            .order_by(Job.created_at, Job.id)
            .limit(limit)
        )
        marked = []
        with self._db.sessions() as session:
            candidates = list(session.scalars(query))
        for job_id in candidates:
            statement = (
                update(Job).where(Job.id == job_id, needs_task, not_recently).values(sent_at=now)
            )
            with self._db.sessions.begin() as session:
                if _rowcount(session.execute(statement)) == 1:
                    marked.append(job_id)
        return marked

    def _stale(self, now: datetime) -> list[ColumnElement[bool]]:
        """A running job whose worker has not said it lives for ``stale_seconds``."""
        before = now - timedelta(seconds=self._settings.stale_seconds)
        return [
            Job.status.in_(_RUNNING_VALUES),
            or_(
                Job.heartbeat_at < before,
                and_(Job.heartbeat_at.is_(None), Job.updated_at < before),
            ),
        ]

    @staticmethod
    def _take(session: Session, job_id: str, worker_id: str, now: datetime) -> bool:
        values = {
            "status": JobStatus.DECODING.value,
            "step": JobStatus.DECODING.value,
            "progress": 0.0,
            "attempts": Job.attempts + 1,
            "started_at": now,
            "worker_id": worker_id,
            "heartbeat_at": now,
        }
        return _update(session, job_id, JobStatus.DECODING, [], values, now)


def queue_uploads(store: JobStore) -> int:
    """At the start of ``serve`` with Celery workers: stored uploads that never reached the
    queue are queued. Running jobs are left to their workers (or to the takeover)."""
    uploaded = store.in_states(frozenset({JobStatus.UPLOADED}))
    return sum(store.queue(job.id) for job in uploaded)


def _update(
    session: Session,
    job_id: str,
    target: JobStatus,
    where: Iterable[ColumnElement[bool]],
    values: dict[str, Any],
    now: datetime,
) -> bool:
    """Move the job to ``target`` from any state the machine allows (and ``where`` holds),
    recording the event in the same transaction."""
    sources = lifecycle.values(lifecycle.sources_of(target))
    statement = (
        update(Job)
        .where(Job.id == job_id, Job.status.in_(sources), *where)
        .values(updated_at=now, **values)
    )
    moved = _rowcount(session.execute(statement, execution_options={"synchronize_session": False}))
    if moved:
        events.record(session, job_id, "status")
    return moved == 1


def _rowcount(result: object) -> int:
    return cast(CursorResult[Any], result).rowcount
