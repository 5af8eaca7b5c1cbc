"""The database side of the Celery queue: claims, heartbeats, takeover of a dead worker's job,
the sweep's choice of jobs needing a task. No broker needed."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from service.config import QueueSettings, Settings, StorageSettings
from service.datadir import open_vault
from service.db import Base, Database, Job, JobEvent, open_database, utcnow
from service.jobs import JobStatus, JobStore, NewJob
from service.jobs.claims import Claim, Claims, queue_uploads
from service.jobs.models import MAX_ATTEMPTS
from tests.factories import make_segment, make_transcript

ROOT = Path(__file__).resolve().parents[2]
QUEUE = QueueSettings(heartbeat_seconds=0.5, stale_seconds=2.0, resend_seconds=60.0)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = open_database(f"sqlite:///{tmp_path / 'jobs.db'}")
    Base.metadata.create_all(database.engine)
    yield database
    database.dispose()


@pytest.fixture
def store(db: Database, tmp_path: Path) -> JobStore:
    return JobStore(db, open_vault(Settings(storage=StorageSettings(data_dir=tmp_path))))


@pytest.fixture
def claims(db: Database) -> Claims:
    return Claims(db, QUEUE)


def queued_job(store: JobStore, job_id: str = "job1") -> str:
    store.create(NewJob(id=job_id, filename="x.wav", audio_object=f"audio-{job_id}", size_bytes=1))
    assert store.queue(job_id)
    return job_id


def age(db: Database, job_id: str, seconds: float, **values: Any) -> None:
    """Make the job's heartbeat (and last change) ``seconds`` old, as a dead worker leaves it."""
    past = utcnow() - timedelta(seconds=seconds)
    with db.sessions.begin() as session:
        statement = update(Job).where(Job.id == job_id)
        session.execute(statement.values(heartbeat_at=past, updated_at=past, **values))


def test_a_queued_job_is_claimed_once(store: JobStore, claims: Claims) -> None:
    job_id = queued_job(store)
    assert claims.claim(job_id, "w1") is Claim.CLAIMED
    assert claims.claim(job_id, "w2") is Claim.BUSY  # a duplicate delivery
    job = store.get(job_id)
    assert job is not None and job.status is JobStatus.DECODING and job.attempts == 1


def test_racing_deliveries_claim_once(store: JobStore, claims: Claims) -> None:
    job_id = queued_job(store)
    barrier = threading.Barrier(8)

    def claim(worker: int) -> Claim:
        barrier.wait()
        return claims.claim(job_id, f"w{worker}")

    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(claim, range(8)))
    assert sorted(outcomes) == sorted([Claim.CLAIMED, *[Claim.BUSY] * 7])


def test_a_dead_workers_job_is_taken_over_and_it_loses_the_job(
    db: Database, store: JobStore, claims: Claims
) -> None:
    job_id = queued_job(store)
    assert claims.claim(job_id, "dead") is Claim.CLAIMED
    assert store.report_progress(job_id, JobStatus.TRANSCRIBING, "transcribing", 0.4)
    assert claims.beat(job_id, "dead")
    assert claims.claim(job_id, "w2") is Claim.BUSY  # its heartbeat is fresh

    age(db, job_id, QUEUE.stale_seconds + 1)
    assert claims.claim(job_id, "w2") is Claim.TAKEN_OVER
    job = store.get(job_id)
    assert job is not None and job.status is JobStatus.DECODING and job.attempts == 2
    assert not claims.beat(job_id, "dead")  # the old worker learns it lost the job
    assert claims.beat(job_id, "w2")
    # the takeover went through the state machine: transcribing -> queued -> decoding
    with db.sessions() as session:
        statuses = session.scalars(
            select(JobEvent.status).where(JobEvent.job_id == job_id, JobEvent.kind == "status")
        )
        assert list(statuses)[-2:] == ["queued", "decoding"]


def test_a_finished_or_withdrawn_job_is_not_claimed(store: JobStore, claims: Claims) -> None:
    done = queued_job(store, "done")
    assert claims.claim(done, "w1") is Claim.CLAIMED
    assert store.report_progress(done, JobStatus.TRANSCRIBING, "transcribing", 0.5)
    transcript = make_transcript([make_segment(0.0, 1.0, "Hei.")], duration=1.0)
    assert store.finish(done, transcript)
    gone = queued_job(store, "gone")
    assert store.withdraw(gone)
    for job_id in (done, gone, "unknown"):
        assert claims.claim(job_id, "w2") is Claim.NOTHING
    assert len(store.list_versions(done)) == 1


def test_a_job_that_killed_its_workers_too_often_fails(
    db: Database, store: JobStore, claims: Claims
) -> None:
    job_id = queued_job(store)
    assert claims.claim(job_id, "w1") is Claim.CLAIMED
    age(db, job_id, QUEUE.stale_seconds + 1, attempts=MAX_ATTEMPTS)
    assert claims.claim(job_id, "w2") is Claim.FAILED
    job = store.get(job_id)
    assert job is not None and job.status is JobStatus.FAILED
    assert job.error_key == "job.too_many_attempts"


def test_the_sweep_sends_each_job_once_and_not_again_soon(
    db: Database, store: JobStore, claims: Claims
) -> None:
    queued_job(store, "queued")
    sent = queued_job(store, "sent")
    claims.sent(sent, utcnow())
    running = queued_job(store, "running")
    dead = queued_job(store, "dead")
    for job_id in (running, dead):
        assert claims.claim(job_id, "w1") is Claim.CLAIMED
    age(db, dead, QUEUE.stale_seconds + 1, sent_at=utcnow() - timedelta(hours=1))

    with ThreadPoolExecutor(2) as pool:  # two workers' sweeps at the same moment
        first, second = pool.map(lambda _: claims.due(), range(2))
    assert sorted(first + second) == ["dead", "queued"]
    assert claims.due() == []


def test_serve_with_celery_leaves_running_jobs_to_their_workers(
    store: JobStore, claims: Claims
) -> None:
    running = queued_job(store, "running")
    assert claims.claim(running, "w1") is Claim.CLAIMED
    store.create(NewJob(id="stored", filename="y.wav", audio_object="audio-stored", size_bytes=1))
    assert queue_uploads(store) == 1
    statuses = {job.id: job.status for job in store.list_recent()}
    assert statuses == {"running": JobStatus.DECODING, "stored": JobStatus.QUEUED}


def test_heartbeats_must_outlast_two_beats() -> None:
    with pytest.raises(ValueError, match="stale_seconds"):
        QueueSettings(heartbeat_seconds=10, stale_seconds=15)


def test_the_default_queue_never_imports_celery(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from service.cli.main import cli\n"
        "from service.api import create_app\n"
        "from service.config import Settings\n"
        f"create_app(Settings(storage={{'data_dir': {str(tmp_path)!r}}}))\n"
        "assert 'celery' not in sys.modules and 'kombu' not in sys.modules, 'celery imported'\n"
    )
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, timeout=120
    )
    assert result.returncode == 0, result.stderr.decode()[-2000:]
