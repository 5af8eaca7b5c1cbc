"""The durable job queue: every state change is one short transaction in the database.

A job is taken by exactly one worker: ``claim`` is a conditional ``UPDATE ... WHERE
status='queued'`` whose row count says who won. Every later write by the worker is conditional on
the job still running, so a job deleted meanwhile is never brought back.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from typing import Any, cast

from sqlalchemy import CursorResult, delete, select, update
from sqlalchemy.orm import defer

from service.db import Database, Job, utcnow
from service.jobs.models import (
    MAX_ATTEMPTS,
    RUNNING,
    JobRecord,
    JobStatus,
    NewJob,
    Recovery,
)
from service.jobs.options import options_from_json, options_to_json
from service.options import JobOptions
from service.transcript import Transcript

logger = logging.getLogger(__name__)

_RUNNING_VALUES = [status.value for status in RUNNING]

# Changes a finished job's transcript and options (``JobStore.edit_finished``).
Edit = Callable[[Transcript, JobOptions], tuple[Transcript, JobOptions]]


class JobStore:
    """Create, read, claim, update and delete jobs. Safe to share between threads."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._edit_lock = threading.Lock()  # one read-modify-write of a finished job at a time

    def create(self, new: NewJob) -> JobRecord:
        now = utcnow()
        job = Job(
            id=new.id,
            status=JobStatus.QUEUED.value,
            step=None,
            progress=0.0,
            original_filename=new.filename,
            upload_path=new.upload_path,
            size_bytes=new.size_bytes,
            language=new.options.language,
            model=new.options.model,
            options=options_to_json(new.options),
            attempts=0,
            created_at=now,
            updated_at=now,
        )
        with self._db.sessions.begin() as session:
            session.add(job)
            session.flush()
            return _record(job)

    def get(self, job_id: str) -> JobRecord | None:
        with self._db.sessions() as session:
            job = session.get(Job, job_id, options=[defer(Job.transcript_json)])
            return None if job is None else _record(job)

    def list_recent(self, limit: int = 100, offset: int = 0) -> list[JobRecord]:
        """Newest first."""
        query = (
            select(Job)
            .options(defer(Job.transcript_json))
            .order_by(Job.created_at.desc(), Job.id)
            .limit(limit)
            .offset(offset)
        )
        with self._db.sessions() as session:
            return [_record(job) for job in session.scalars(query)]

    def ids(self) -> set[str]:
        with self._db.sessions() as session:
            return set(session.scalars(select(Job.id)))

    def get_transcript(self, job_id: str) -> Transcript | None:
        """The stored transcript of a finished job, else ``None``."""
        query = select(Job.transcript_json).where(
            Job.id == job_id, Job.status == JobStatus.DONE.value
        )
        with self._db.sessions() as session:
            text = session.scalar(query)
        return None if text is None else Transcript.model_validate_json(text)

    def edit_finished(self, job_id: str, edit: Edit) -> tuple[Transcript, JobOptions] | None:
        """Apply ``edit`` to the transcript and options of a done job and store both durably;
        ``None`` when there is no such done job. Errors raised by ``edit`` change nothing."""
        with self._edit_lock:
            with self._db.sessions() as session:
                job = session.get(Job, job_id)
                if job is None or job.status != JobStatus.DONE.value or not job.transcript_json:
                    return None
                transcript = Transcript.model_validate_json(job.transcript_json)
                options = options_from_json(job.options, job.language, job.model)
            transcript, options = edit(transcript, options)
            statement = (
                update(Job)
                .where(Job.id == job_id, Job.status == JobStatus.DONE.value)
                .values(
                    transcript_json=transcript.model_dump_json(),
                    options=options_to_json(options),
                    updated_at=utcnow(),
                )
            )
            if self._execute(statement) != 1:
                return None
        self._db.truncate_log()  # names replaced here leave no copy in the write-ahead log
        return transcript, options

    def delete(self, job_id: str) -> JobRecord | None:
        """Remove the job row (a running job notices at its next progress report)."""
        with self._db.sessions.begin() as session:
            job = session.get(Job, job_id, options=[defer(Job.transcript_json)])
            if job is None:
                return None
            record = _record(job)
            session.execute(delete(Job).where(Job.id == job_id))
        self._db.truncate_log()
        return record

    def claim(self, job_id: str) -> bool:
        """Take a queued job for this worker; ``False`` if someone else already did."""
        now = utcnow()
        statement = (
            update(Job)
            .where(Job.id == job_id, Job.status == JobStatus.QUEUED.value)
            .values(
                status=JobStatus.DECODING.value,
                step=JobStatus.DECODING.value,
                progress=0.0,
                attempts=Job.attempts + 1,
                started_at=now,
                updated_at=now,
            )
        )
        return self._execute(statement) == 1

    def claim_next(self) -> JobRecord | None:
        """Claim the oldest queued job, or return ``None`` when the queue is empty."""
        query = (
            select(Job.id)
            .where(Job.status == JobStatus.QUEUED.value)
            .order_by(Job.created_at, Job.id)
            .limit(10)
        )
        with self._db.sessions() as session:
            candidates = list(session.scalars(query))
        for job_id in candidates:
            if self.claim(job_id):
                return self.get(job_id)
        return None

    def report_progress(self, job_id: str, status: JobStatus, step: str, progress: float) -> bool:
        """Persist the step and progress; ``False`` when the job is no longer running."""
        values = {"status": status.value, "step": step, "progress": _clamp(progress)}
        return self._update_running(job_id, values)

    def finish(self, job_id: str, transcript: Transcript) -> bool:
        """Store the transcript durably and mark the job done."""
        values = {
            "status": JobStatus.DONE.value,
            "step": None,
            "progress": 1.0,
            "transcript_json": transcript.model_dump_json(),
            "duration_seconds": transcript.source.duration,
            "error_key": None,
            "error_params": None,
            "finished_at": utcnow(),
        }
        return self._update_running(job_id, values)

    def fail(self, job_id: str, key: str, params: Mapping[str, object]) -> bool:
        """Mark the job failed with a message key (rendered in the reader's language)."""
        values = {
            "status": JobStatus.FAILED.value,
            "error_key": key,
            "error_params": _json_params(params),
            "finished_at": utcnow(),
        }
        return self._update_running(job_id, values)

    def release(self, job_id: str) -> bool:
        """Put a running job back in the queue on a clean shutdown, without using an attempt."""
        values = {
            "status": JobStatus.QUEUED.value,
            "step": None,
            "progress": 0.0,
            "attempts": Job.attempts - 1,
            "started_at": None,
        }
        return self._update_running(job_id, values)

    def recover_interrupted(self) -> Recovery:
        """At start: jobs left running by a crash go back to the queue, or fail after
        ``MAX_ATTEMPTS`` tries so that one poison file cannot crash-loop the service."""
        requeued = failed = 0
        now = utcnow()
        with self._db.sessions.begin() as session:
            query = select(Job).where(Job.status.in_(_RUNNING_VALUES))
            for job in session.scalars(query.options(defer(Job.transcript_json))):
                job.updated_at = now
                if job.attempts >= MAX_ATTEMPTS:
                    job.status = JobStatus.FAILED.value
                    job.error_key = "job.too_many_attempts"
                    job.error_params = {"attempts": job.attempts}
                    job.finished_at = now
                    failed += 1
                else:
                    job.status = JobStatus.QUEUED.value
                    job.step = None
                    job.progress = 0.0
                    job.error_key = "job.interrupted"
                    job.error_params = {}
                    requeued += 1
        if requeued or failed:
            logger.warning("recovered interrupted jobs: %d requeued, %d failed", requeued, failed)
        return Recovery(requeued=requeued, failed=failed)

    def _update_running(self, job_id: str, values: dict[str, Any]) -> bool:
        statement = (
            update(Job)
            .where(Job.id == job_id, Job.status.in_(_RUNNING_VALUES))
            .values(updated_at=utcnow(), **values)
        )
        return self._execute(statement) == 1

    def _execute(self, statement: Any) -> int:
        with self._db.sessions.begin() as session:
            result = session.execute(statement, execution_options={"synchronize_session": False})
            return cast(CursorResult[Any], result).rowcount


def _record(job: Job) -> JobRecord:
    return JobRecord(
        id=job.id,
        status=JobStatus(job.status),
        step=job.step,
        progress=job.progress,
        error_key=job.error_key,
        error_params=dict(job.error_params or {}),
        filename=job.original_filename,
        upload_path=job.upload_path,
        size_bytes=job.size_bytes,
        options=options_from_json(job.options, job.language, job.model),
        duration=job.duration_seconds,
        attempts=job.attempts,
        created_at=job.created_at,
        updated_at=job.updated_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
    )


def _clamp(progress: float) -> float:
    return min(1.0, max(0.0, progress))


def _json_params(params: Mapping[str, object]) -> dict[str, Any]:
    """Message parameters as JSON values (anything else is stored as its string form)."""
    return {
        key: value if value is None or isinstance(value, str | int | float | bool) else str(value)
        for key, value in params.items()
    }
