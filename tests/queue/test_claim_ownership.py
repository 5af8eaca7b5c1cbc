"""A worker taken for dead while it lives: once another worker took its job over, its writes
(progress, finish, fail, release) are conditional on its claim and change nothing; the new
owner's do. On SQLite and PostgreSQL."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from service.config import QueueSettings, Settings, StorageSettings
from service.datadir import open_vault
from service.db import Database, Job, JobEvent, TranscriptVersion, utcnow
from service.jobs import JobStatus, JobStore, NewJob
from service.jobs.claims import Claim, Claims
from service.jobs.worker import PipelineOutput, Worker
from service.progress import Hook
from tests.factories import make_segment, make_transcript

QUEUE = QueueSettings(heartbeat_seconds=0.5, stale_seconds=2.0, resend_seconds=60.0)
TRANSCRIPT = make_transcript([make_segment(0.0, 1.0, "Hei.")], duration=1.0)


@pytest.fixture
def store(db: Database, tmp_path: Path) -> JobStore:
    return JobStore(db, open_vault(Settings(storage=StorageSettings(data_dir=tmp_path))))


def taken_over(db: Database, store: JobStore) -> str:
    """A job claimed by ``old``, whose heartbeat went stale, then taken over by ``new``."""
    claims = Claims(db, QUEUE)
    store.create(NewJob(id="job1", filename="x.wav", audio_object="audio-job1", size_bytes=1))
    assert store.queue("job1")
    assert claims.claim("job1", "old") is Claim.CLAIMED
    assert store.report_progress(
        "job1", JobStatus.TRANSCRIBING, "transcribing", 0.4, worker_id="old"
    )
    past = utcnow() - timedelta(seconds=QUEUE.stale_seconds + 1)
    with db.sessions.begin() as session:
        session.execute(
            update(Job).where(Job.id == "job1").values(heartbeat_at=past, updated_at=past)
        )
    assert claims.claim("job1", "new") is Claim.TAKEN_OVER
    # the new owner is as far as the old one was: only the claim tells them apart now
    assert store.report_progress(
        "job1", JobStatus.TRANSCRIBING, "transcribing", 0.1, worker_id="new"
    )
    return "job1"


def events(db: Database, job_id: str) -> int:
    with db.sessions() as session:
        count = session.scalar(select(func.count()).where(JobEvent.job_id == job_id))
        return int(count or 0)


def test_the_stale_worker_can_neither_move_nor_finish_nor_fail_the_job(
    db: Database, store: JobStore
) -> None:
    job_id = taken_over(db, store)
    before = store.get(job_id)
    seen = events(db, job_id)

    assert not store.report_progress(
        job_id, JobStatus.TRANSCRIBING, "transcribing", 0.9, worker_id="old"
    )
    assert not store.finish(job_id, TRANSCRIPT, worker_id="old")
    assert not store.fail(job_id, "job.internal", {"kind": "X"}, worker_id="old")
    assert not store.release(job_id, worker_id="old")

    assert store.get(job_id) == before
    assert store.list_versions(job_id) == []
    assert events(db, job_id) == seen  # a change that did not happen writes no event

    assert store.report_progress(
        job_id, JobStatus.TRANSCRIBING, "transcribing", 0.5, worker_id="new"
    )
    assert store.finish(job_id, TRANSCRIPT, worker_id="new")
    assert not store.finish(job_id, TRANSCRIPT, worker_id="new")  # ends exactly once
    job = store.get(job_id)
    assert job is not None and job.status is JobStatus.READY_FOR_REVIEW
    with db.sessions() as session:
        versions = session.scalar(select(func.count()).where(TranscriptVersion.job_id == job_id))
    assert versions == 1


def test_the_new_owner_can_fail_the_job_and_the_old_one_cannot(
    db: Database, store: JobStore
) -> None:
    job_id = taken_over(db, store)
    assert not store.fail(job_id, "job.internal", {"kind": "X"}, worker_id="old")
    assert store.fail(job_id, "audio.unreadable", {}, worker_id="new")
    job = store.get(job_id)
    assert job is not None and job.status is JobStatus.FAILED
    assert job.error_key == "audio.unreadable"


class _Pipeline:
    def __init__(self, store: JobStore, db: Database) -> None:
        self.store, self.db = store, db

    def process(self, source: object, options: object, hook: Hook) -> PipelineOutput:
        hook(JobStatus.TRANSCRIBING.value, completed=0.5, total=1.0)
        # while "old" transcribes, its heartbeat goes stale and "new" takes the job over
        past = utcnow() - timedelta(seconds=QUEUE.stale_seconds + 1)
        with self.db.sessions.begin() as session:
            statement = update(Job).where(Job.id == "job1")
            session.execute(statement.values(heartbeat_at=past, updated_at=past))
        assert Claims(self.db, QUEUE).claim("job1", "new") is Claim.TAKEN_OVER
        assert self.store.report_progress(
            "job1", JobStatus.TRANSCRIBING, "transcribing", 0.2, worker_id="new"
        )
        return PipelineOutput(TRANSCRIPT)


def test_a_worker_whose_job_was_taken_over_discards_its_result(
    db: Database, store: JobStore, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings(storage=StorageSettings(data_dir=tmp_path))
    worker = Worker(settings, store, lambda _: _Pipeline(store, db), worker_id="old")
    store.create(NewJob(id="job1", filename="Kari.wav", audio_object="audio-job1", size_bytes=1))
    assert store.queue("job1")
    assert Claims(db, QUEUE).claim("job1", "old") is Claim.CLAIMED
    job = store.get("job1")
    assert job is not None

    with caplog.at_level(logging.INFO, logger="service.jobs.worker"):
        worker.process(job)

    assert store.list_versions("job1") == []
    after = store.get("job1")
    assert after is not None and after.status is JobStatus.TRANSCRIBING  # still "new"'s
    assert after.progress == pytest.approx(0.2)
    discarded = [r for r in caplog.records if "discarded" in r.getMessage()]
    assert len(discarded) == 1 and discarded[0].levelno == logging.INFO
    assert "Kari" not in caplog.text


def test_the_in_process_worker_claims_with_its_own_id(store: JobStore, tmp_path: Path) -> None:
    settings = Settings(storage=StorageSettings(data_dir=tmp_path))

    class Done:
        def process(self, source: object, options: object, hook: Hook) -> PipelineOutput:
            hook(JobStatus.TRANSCRIBING.value, completed=1.0, total=1.0)
            return PipelineOutput(TRANSCRIPT)

    worker = Worker(settings, store, lambda _: Done())
    store.create(NewJob(id="job1", filename="x.wav", audio_object="audio-job1", size_bytes=1))
    assert store.queue("job1")
    assert worker.run_once()
    job = store.get("job1")
    assert job is not None and job.status is JobStatus.READY_FOR_REVIEW
    # a claim under another id (another process's recovery took the job) stops its writes
    store.create(NewJob(id="job2", filename="y.wav", audio_object="audio-job2", size_bytes=1))
    assert store.queue("job2")
    assert store.claim("job2", worker_id="someone-else")
    assert not store.finish("job2", TRANSCRIPT, worker_id=worker.worker_id)
