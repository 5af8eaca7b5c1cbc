"""The job events outbox: every change of a job, recorded in the transaction that made it.

``record`` is called by ``JobStore`` inside the session that changed the job, so an event exists
if and only if its change was committed -- also when another process (a second worker) made it.
Event ids grow monotonically; readers (the server-sent events feed, the webhook dispatcher) keep
the id of the last event they handled and ask for those after it (``EventLog.after``).

Readers must never see a larger id before a smaller one is committed, or they would skip it.
On SQLite every write transaction is serialised, so ids are committed in order. On PostgreSQL
writers run concurrently, so ``record`` first takes a transaction-level advisory lock
(``EVENTS_LOCK``): the event is inserted under it and the lock is released by the commit, so the
next event's id is drawn only after this one is visible. Only the short tail of a transaction
that changed a job is serialised.

Progress is coalesced: a running job's progress is written at most once per ``PROGRESS_STEP``
(1 %) of the same step. Events hold ids, states and numbers only: no file name, text, speaker
name or informant code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from service.db import Database, Job, JobEvent, utcnow

EventKind = Literal["status", "progress", "version"]
PROGRESS_STEP = 0.01
# pg_advisory_xact_lock key serialising event inserts on PostgreSQL ("evnt" in ASCII).
EVENTS_LOCK = 0x65766E74


@dataclass(frozen=True)
class JobEventRecord:
    """One recorded change of a job, as the feed and the webhooks send it."""

    id: int
    job_id: str
    project_id: str | None
    kind: str
    status: str
    step: str | None
    progress: float
    version: int | None
    at: datetime

    def payload(self) -> dict[str, Any]:
        """The job part of an event, as JSON (the SSE ``data`` and a webhook's ``job``)."""
        return {
            "id": self.job_id,
            "project": self.project_id,
            "kind": self.kind,
            "status": self.status,
            "step": self.step,
            "progress": round(self.progress, 4),
            "version": self.version,
            "at": self.at.isoformat(),
        }


def record(session: Session, job_id: str, kind: EventKind) -> bool:
    """Add the job's current state as an event to ``session``'s transaction; a ``progress``
    event is left out (``False``) while the step is the same and progress moved less than
    ``PROGRESS_STEP``."""
    job = session.execute(
        select(Job.status, Job.step, Job.progress, Job.project_id, Job.transcript_version).where(
            Job.id == job_id
        )
    ).one()
    if kind == "progress":
        last = session.execute(
            select(JobEvent.status, JobEvent.step, JobEvent.progress)
            .where(JobEvent.job_id == job_id)
            .order_by(JobEvent.id.desc())
            .limit(1)
        ).first()
        if last is None or last.status != job.status:
            kind = "status"
        elif last.step == job.step and not _moved(last.progress, job.progress):
            return False
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(EVENTS_LOCK)))
    session.add(
        JobEvent(
            job_id=job_id,
            project_id=job.project_id,
            kind=kind,
            status=job.status,
            step=job.step,
            progress=job.progress,
            version=job.transcript_version,
            at=utcnow(),
        )
    )
    return True


def _moved(before: float, now: float) -> bool:
    return abs(now - before) >= PROGRESS_STEP - 1e-9 or (now >= 1.0 > before)


class EventLog:
    """Reads and prunes the outbox. Thread-safe (each call opens its own session)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def last_id(self) -> int:
        """The id of the newest event (0 when there is none)."""
        with self._db.sessions() as session:
            return session.scalar(select(func.max(JobEvent.id))) or 0

    def after(
        self, cursor: int, project_ids: set[str] | None = None, limit: int = 500
    ) -> list[JobEventRecord]:
        """Events with an id above ``cursor``, oldest first; only those of ``project_ids``
        unless it is ``None`` (an admin: every job, those without a project included)."""
        query = select(JobEvent).where(JobEvent.id > cursor)
        if project_ids is not None:
            query = query.where(JobEvent.project_id.in_(sorted(project_ids)))
        with self._db.sessions() as session:
            rows = session.scalars(query.order_by(JobEvent.id).limit(limit))
            return [_record(row) for row in rows]

    def prune(self, keep_days: float, keep_max: int, now: datetime | None = None) -> int:
        """Delete events older than ``keep_days`` and all but the newest ``keep_max``;
        returns how many were deleted. The newest event always stays: SQLite hands out the
        largest id again once its row is gone, and readers that kept that id (webhook
        cursors, ``Last-Event-ID``) would skip every event up to it."""
        cutoff = (now or utcnow()) - timedelta(days=keep_days)
        with self._db.sessions.begin() as session:
            newest = session.scalar(select(func.max(JobEvent.id))) or 0
            old = session.execute(
                delete(JobEvent).where(
                    (JobEvent.at < cutoff) | (JobEvent.id <= newest - keep_max),
                    JobEvent.id < newest,
                )
            )
            return int(getattr(old, "rowcount", 0) or 0)


def _record(row: JobEvent) -> JobEventRecord:
    return JobEventRecord(
        id=row.id,
        job_id=row.job_id,
        project_id=row.project_id,
        kind=row.kind,
        status=row.status,
        step=row.step,
        progress=row.progress,
        version=row.version,
        at=row.at,
    )
