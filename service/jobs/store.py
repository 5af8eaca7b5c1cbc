"""The durable job store: every state change is one short, conditional transaction.

Status changes follow ``service.jobs.lifecycle``: each is an ``UPDATE ... WHERE status IN
(the states the machine allows it from)``, and its row count says whether it happened. A job is
taken by exactly one worker (``claim``), a job withdrawn meanwhile is never brought back, and
two concurrent changes of one transcript cannot both win (``add_version`` checks the version it
was based on in the same statement).

Every change is also recorded in the job events outbox (``service.jobs.events``) in the same
transaction: a change that did not happen writes no event.

Personal fields (file name, options with speaker names, transcripts and the originals behind
the tags) are sealed by ``service.jobs.sealing`` before they reach the database.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, cast

from sqlalchemy import CursorResult, delete, select, update
from sqlalchemy.orm import Session, defer

from service.db import Database, Job, TranscriptVersion, utcnow
from service.jobs import creation, events, lifecycle, recovery
from service.jobs.lifecycle import HAS_TRANSCRIPT, RUNNING, JobStatus
from service.jobs.models import (
    JobRecord,
    NewJob,
    Recovery,
    StoredVersion,
    VersionConflict,
    VersionInfo,
)
from service.jobs.sealing import JobSealer
from service.options import JobOptions
from service.transcript import Transcript
from service.vault import Vault

logger = logging.getLogger(__name__)

_TRANSCRIPT_VALUES = lifecycle.values(HAS_TRANSCRIPT)
_SKIP_LEGACY = [defer(Job.transcript_json), defer(Job.options)]


class JobStore:
    """Create, read, move and delete jobs and their transcript versions. Thread-safe."""

    def __init__(self, db: Database, vault: Vault) -> None:
        self._db = db
        self.sealer = JobSealer(vault)

    # -- creating and reading -------------------------------------------------------------

    def create(self, new: NewJob) -> JobRecord:
        """A job whose recording is stored (``uploaded``); ``queue`` puts it in the queue.
        A job of a project without an informant code gets the project's next free ``S<n>``
        (``service.jobs.creation``); a code the project already has raises
        ``InformantCodeTaken``."""
        try:
            job = creation.insert(self._db, self.sealer, new)
        except BaseException:
            if not self._exists(new.id):  # no row written: its sealed values' key goes too
                self.sealer.forget_job(new.id)
            raise
        return self._record(job)

    def _exists(self, job_id: str) -> bool:
        with self._db.sessions() as session:
            return session.scalar(select(Job.id).where(Job.id == job_id)) is not None

    def queue(self, job_id: str) -> bool:
        """``uploaded`` (or ``failed``, to try again) -> ``queued``."""
        values = {"step": None, "progress": 0.0, "error_key": None, "error_params": None}
        return self._move(job_id, JobStatus.QUEUED, values)

    def get(self, job_id: str) -> JobRecord | None:
        with self._db.sessions() as session:
            job = session.get(Job, job_id, options=_SKIP_LEGACY)
            return None if job is None else self._record(job)

    def list_recent(
        self, limit: int = 100, offset: int = 0, project_ids: set[str] | None = None
    ) -> list[JobRecord]:
        """Newest first; only jobs of ``project_ids`` unless it is ``None``."""
        query = select(Job).options(*_SKIP_LEGACY).order_by(Job.created_at.desc(), Job.id)
        if project_ids is not None:
            query = query.where(Job.project_id.in_(sorted(project_ids)))
        with self._db.sessions() as session:
            jobs = session.scalars(query.limit(limit).offset(offset))
            return [self._record(job) for job in jobs]

    def in_states(
        self, states: frozenset[JobStatus], project_id: str | None = None
    ) -> list[JobRecord]:
        """Every job in one of ``states`` (of one project if given), oldest first."""
        query = select(Job).options(*_SKIP_LEGACY).where(Job.status.in_(lifecycle.values(states)))
        if project_id is not None:
            query = query.where(Job.project_id == project_id)
        with self._db.sessions() as session:
            jobs = session.scalars(query.order_by(Job.created_at, Job.id))
            return [self._record(job) for job in jobs]

    def ids(self) -> set[str]:
        with self._db.sessions() as session:
            return set(session.scalars(select(Job.id)))

    # -- the worker -----------------------------------------------------------------------

    def claim(self, job_id: str, worker_id: str | None = None) -> bool:
        """Take a queued job for ``worker_id``; ``False`` if someone else already did."""
        values = {
            "step": JobStatus.DECODING.value,
            "progress": 0.0,
            "attempts": Job.attempts + 1,
            "started_at": utcnow(),
            "worker_id": worker_id,
        }
        return self._move(job_id, JobStatus.DECODING, values)

    # A worker's writes below (``worker_id`` given) happen only while the job is still
    # claimed by it: once another worker took the job over (``service.jobs.claims``), the
    # old one can neither move, finish, fail nor release it. ``None``: no such check.

    def claim_next(self, worker_id: str | None = None) -> JobRecord | None:
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
            if self.claim(job_id, worker_id):
                return self.get(job_id)
        return None

    def report_progress(
        self,
        job_id: str,
        status: JobStatus,
        step: str,
        progress: float,
        *,
        worker_id: str | None = None,
    ) -> bool:
        """Persist the step and progress; ``False`` when the job is no longer running (or
        no longer ``worker_id``'s)."""
        if status not in RUNNING:
            raise lifecycle.IllegalTransition(JobStatus.DECODING, status)
        sources = (lifecycle.sources_of(status) & RUNNING) | {status}
        values = {"status": status.value, "step": step, "progress": _clamp(progress)}
        return self._update(job_id, sources, values, "progress", worker_id) == 1

    def finish(
        self,
        job_id: str,
        transcript: Transcript,
        originals: tuple[str, ...] | None = None,
        *,
        worker_id: str | None = None,
    ) -> bool:
        """Store the transcript as version 1 and make the job ``ready_for_review``, in one
        transaction; ``False`` (nothing stored) when the job is no longer running (or no
        longer ``worker_id``'s)."""
        now = utcnow()
        with self._db.sessions.begin() as session:
            moved = self._update_in(
                session,
                job_id,
                lifecycle.sources_of(JobStatus.READY_FOR_REVIEW),
                {
                    "status": JobStatus.READY_FOR_REVIEW.value,
                    "step": None,
                    "progress": 1.0,
                    "duration_seconds": transcript.source.duration,
                    "error_key": None,
                    "error_params": None,
                    "finished_at": now,
                    "transcript_version": 1,
                },
                worker_id=worker_id,
            )
            if not moved:
                return False
            self._insert_version(session, job_id, 1, transcript, originals, "pipeline", None)
        return True

    def fail(
        self, job_id: str, key: str, params: Mapping[str, object], *, worker_id: str | None = None
    ) -> bool:
        """Mark a running job failed with a message key (rendered in the reader's language)."""
        values = {"error_key": key, "error_params": _json_params(params), "finished_at": utcnow()}
        return self._move(job_id, JobStatus.FAILED, values, RUNNING, worker_id)

    def release(self, job_id: str, *, worker_id: str | None = None) -> bool:
        """Put a running job back in the queue on a clean shutdown, without using an attempt."""
        values = {
            "step": None,
            "progress": 0.0,
            "attempts": Job.attempts - 1,
            "started_at": None,
            "worker_id": None,
        }
        return self._move(job_id, JobStatus.QUEUED, values, RUNNING, worker_id)

    def recover_interrupted(self) -> Recovery:
        """At start: jobs left running by a crash go back to the queue (or fail after
        ``MAX_ATTEMPTS`` tries); stored uploads that never reached the queue are queued."""
        return recovery.recover_interrupted(self._db)

    # -- verification, deletion and withdrawal -------------------------------------------

    def mark_verified(self, job_id: str, *, version: int, sha256: str, by: str | None) -> bool:
        """``ready_for_review`` -> ``verified`` for exactly ``version`` (the latest), and the
        originals behind the tags deleted from every version, in one transaction."""
        with self._db.sessions.begin() as session:
            moved = self._update_in(
                session,
                job_id,
                lifecycle.sources_of(JobStatus.VERIFIED),
                {
                    "status": JobStatus.VERIFIED.value,
                    "verified_at": utcnow(),
                    "verified_by": by,
                    "verified_sha256": sha256,
                },
                version=version,
            )
            if moved:
                session.execute(
                    update(TranscriptVersion)
                    .where(TranscriptVersion.job_id == job_id)
                    .values(originals=None)
                )
        if moved:
            self._db.truncate_log()
        return moved == 1

    def mark_audio_deleted(self, job_id: str, *, reason: str, receipt_seq: int) -> bool:
        """The recording is shredded and the receipt is in the audit log."""
        values = {
            "audio_deleted_at": utcnow(),
            "deletion_reason": reason,
            "receipt_seq": receipt_seq,
            "step": None,
        }
        return self._move(job_id, JobStatus.AUDIO_DELETED, values)

    def drop_originals(self, job_id: str) -> None:
        """Delete what the tags replaced from every version (a project's end date)."""
        with self._db.sessions.begin() as session:
            session.execute(
                update(TranscriptVersion)
                .where(TranscriptVersion.job_id == job_id)
                .values(originals=None)
            )
        self._db.truncate_log()

    def withdraw(self, job_id: str, receipt: Mapping[str, Any] | None = None) -> bool:
        """-> ``withdrawn``: every transcript version deleted and the file name and options
        blanked, in one transaction, with the data of its receipt-to-be (no personal data).
        The row stays as a record that the job existed."""
        with self._db.sessions.begin() as session:
            moved = self._update_in(
                session,
                job_id,
                lifecycle.sources_of(JobStatus.WITHDRAWN),
                {
                    "status": JobStatus.WITHDRAWN.value,
                    "step": None,
                    "original_filename": "",
                    "options_sealed": None,
                    "options": None,
                    "transcript_json": None,
                    "transcript_version": None,
                    "error_key": None,
                    "error_params": None,
                    "audio_deleted_at": utcnow(),
                    "deletion_reason": "withdrawn",
                    "withdrawal": dict(receipt) if receipt is not None else None,
                },
            )
            if moved:
                session.execute(delete(TranscriptVersion).where(TranscriptVersion.job_id == job_id))
        if moved:
            self._db.truncate_log()
        return moved == 1

    def set_receipt(self, job_id: str, receipt_seq: int) -> None:
        self._update(job_id, frozenset(JobStatus), {"receipt_seq": receipt_seq}, event=None)

    # -- transcript versions ---------------------------------------------------------------

    def latest_version(self, job_id: str) -> StoredVersion | None:
        """The newest version of a job that has a transcript."""
        query = (
            select(TranscriptVersion)
            .join(Job, Job.id == TranscriptVersion.job_id)
            .where(TranscriptVersion.job_id == job_id, Job.status.in_(_TRANSCRIPT_VALUES))
            .order_by(TranscriptVersion.version.desc())
            .limit(1)
        )
        with self._db.sessions() as session:
            row = session.scalar(query)
            return None if row is None else self._stored(row)

    def get_version(self, job_id: str, version: int) -> StoredVersion | None:
        query = (
            select(TranscriptVersion)
            .join(Job, Job.id == TranscriptVersion.job_id)
            .where(
                TranscriptVersion.job_id == job_id,
                TranscriptVersion.version == version,
                Job.status.in_(_TRANSCRIPT_VALUES),
            )
        )
        with self._db.sessions() as session:
            row = session.scalar(query)
            return None if row is None else self._stored(row)

    def list_versions(self, job_id: str) -> list[VersionInfo]:
        query = (
            select(TranscriptVersion)
            .options(defer(TranscriptVersion.transcript), defer(TranscriptVersion.originals))
            .where(TranscriptVersion.job_id == job_id)
            .order_by(TranscriptVersion.version)
        )
        with self._db.sessions() as session:
            return [_info(row) for row in session.scalars(query)]

    def get_transcript(self, job_id: str) -> Transcript | None:
        """The newest transcript of a job that has one, else ``None``."""
        latest = self.latest_version(job_id)
        return None if latest is None else latest.transcript

    def add_version(
        self,
        job_id: str,
        *,
        base: int,
        transcript: Transcript,
        originals: tuple[str, ...] | None,
        change: str,
        author: str | None,
        options: JobOptions | None = None,
    ) -> StoredVersion | None:
        """A new version made from version ``base`` (with the job's new choices, if given):
        ``None`` when the job is not in review; ``VersionConflict`` when ``base`` is not the
        latest version any more."""
        new = base + 1
        values: dict[str, Any] = {"transcript_version": new}
        if options is not None:
            values["options_sealed"] = self.sealer.options(job_id, options)
        with self._db.sessions.begin() as session:
            in_review = frozenset({JobStatus.READY_FOR_REVIEW})
            moved = self._update_in(session, job_id, in_review, values, base, event="version")
            if not moved:
                current = session.get(Job, job_id, options=_SKIP_LEGACY)
                if current is None or current.status != JobStatus.READY_FOR_REVIEW.value:
                    return None
                raise VersionConflict(base, current.transcript_version or 0)
            row = self._insert_version(session, job_id, new, transcript, originals, change, author)
            stored = StoredVersion(**vars(_info(row)), transcript=transcript, originals=originals)
        self._db.truncate_log()
        logger.info("job %s: version %d (%s)", job_id, new, change)
        return stored

    def _insert_version(
        self,
        session: Session,
        job_id: str,
        version: int,
        transcript: Transcript,
        originals: tuple[str, ...] | None,
        change: str,
        author: str | None,
    ) -> TranscriptVersion:
        sealed, digest = self.sealer.transcript(job_id, version, transcript)
        row = TranscriptVersion(
            job_id=job_id,
            version=version,
            created_at=utcnow(),
            author=author,
            change=change,
            sha256=digest,
            transcript=sealed,
            originals=self.sealer.originals(job_id, version, originals),
        )
        session.add(row)
        session.flush()
        return row

    def _stored(self, row: TranscriptVersion) -> StoredVersion:
        transcript, digest = self.sealer.open_transcript(row.job_id, row.version, row.transcript)
        if digest != row.sha256:
            raise RuntimeError(f"job {row.job_id} version {row.version}: checksum mismatch")
        originals = self.sealer.open_originals(row.job_id, row.version, row.originals)
        return StoredVersion(**vars(_info(row)), transcript=transcript, originals=originals)

    # -- plumbing ---------------------------------------------------------------------------

    def _move(
        self,
        job_id: str,
        target: JobStatus,
        values: dict[str, Any],
        only: frozenset[JobStatus] | None = None,
        worker_id: str | None = None,
    ) -> bool:
        """``target`` from any state the machine allows (and in ``only``, if given)."""
        sources = lifecycle.sources_of(target)
        if only is not None:
            sources &= only
        values = {"status": target.value, **values}
        return self._update(job_id, sources, values, worker_id=worker_id) == 1

    def _update(
        self,
        job_id: str,
        sources: frozenset[JobStatus],
        values: dict[str, Any],
        event: events.EventKind | None = "status",
        worker_id: str | None = None,
    ) -> int:
        with self._db.sessions.begin() as session:
            return self._update_in(session, job_id, sources, values, None, event, worker_id)

    def _update_in(
        self,
        session: Session,
        job_id: str,
        sources: frozenset[JobStatus],
        values: dict[str, Any],
        version: int | None = None,
        event: events.EventKind | None = "status",
        worker_id: str | None = None,
    ) -> int:
        """Change the job if it is in ``sources`` (at ``version`` and claimed by ``worker_id``,
        if given); the number of rows changed. A change is recorded as an ``event`` in the
        same transaction."""
        statement = update(Job).where(Job.id == job_id, Job.status.in_(lifecycle.values(sources)))
        if version is not None:
            statement = statement.where(Job.transcript_version == version)
        if worker_id is not None:
            statement = statement.where(Job.worker_id == worker_id)
        statement = statement.values(updated_at=utcnow(), **values)
        result = session.execute(statement, execution_options={"synchronize_session": False})
        moved = cast(CursorResult[Any], result).rowcount
        if moved and event is not None:
            events.record(session, job_id, event)
        return moved

    def _record(self, job: Job) -> JobRecord:
        return self.sealer.record(job)


def _info(row: TranscriptVersion) -> VersionInfo:
    return VersionInfo(
        version=row.version,
        created_at=row.created_at,
        author=row.author,
        change=row.change,
        sha256=row.sha256,
    )


def _clamp(progress: float) -> float:
    return min(1.0, max(0.0, progress))


def _json_params(params: Mapping[str, object]) -> dict[str, Any]:
    """Message parameters as JSON values (anything else is stored as its string form)."""
    return {
        key: value if value is None or isinstance(value, str | int | float | bool) else str(value)
        for key, value in params.items()
    }
