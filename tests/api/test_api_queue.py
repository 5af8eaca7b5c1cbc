"""The durable queue: restart recovery, the attempt limit, racing claims, store invariants."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, cast

import pytest
from api_helpers import (
    API,
    FakePipeline,
    PipelineLog,
    RecordingStore,
    app_state,
    bearer,
    make_transcript,
    new_token,
    running,
    upload,
    wait_for,
    wait_status,
)
from sqlalchemy import update

from service.config import Settings
from service.datadir import open_vault
from service.db import SQLITE_BUSY_TIMEOUT_MS, Database, Job, open_database
from service.errors import IntervjuError
from service.i18n import MESSAGES
from service.jobs import JobStatus, JobStore, NewJob, Worker
from service.jobs.models import MAX_ATTEMPTS
from service.jobs.worker import JobCancelled, ProgressHook, WorkerStopping
from service.storage import ensure_dir
from service.vault import Vault


def set_job(settings: Settings, job_id: str, **values: Any) -> None:
    """Write a job's row directly, as a process that died mid-job would have left it."""
    db = open_database(settings.db_url)
    with db.sessions.begin() as session:
        session.execute(update(Job).where(Job.id == job_id).values(**values))
    db.dispose()


def test_job_left_transcribing_is_requeued_and_run_once(
    settings: Settings, pipeline_log: PipelineLog
) -> None:
    with running(settings, pipeline_log, worker=False) as crashed:
        auth = bearer(new_token(crashed))
        job_id = upload(crashed, auth).json()["id"]
    set_job(settings, job_id, status="transcribing", step="transcribing", progress=0.4, attempts=1)

    with running(settings, pipeline_log) as restarted:
        job = wait_status(restarted, auth, job_id, "ready_for_review")
        assert job["attempts"] == 2
        assert job["error"] is None
        time.sleep(0.3)  # several more polls
    assert [source.object_id for source, _ in pipeline_log.runs] == [f"audio-{job_id}"]


def test_job_claimed_by_a_worker_that_died_is_requeued(
    settings: Settings, pipeline_log: PipelineLog
) -> None:
    with running(settings, pipeline_log, worker=False) as crashed:
        auth = bearer(new_token(crashed))
        job_id = upload(crashed, auth).json()["id"]
        claimed = app_state(crashed).jobs.claim_next()  # ... and the worker never finished
    assert claimed is not None and claimed.id == job_id
    assert claimed.status is JobStatus.DECODING and claimed.attempts == 1

    with running(settings, pipeline_log, worker=False) as restarted:
        job = restarted.get(f"{API}/{job_id}", headers=auth).json()
        assert job["status"] == "queued"
        assert job["error"]["code"] == "job.interrupted"
        english = restarted.get(f"{API}/{job_id}", headers={**auth, "Accept-Language": "en"})
        assert english.json()["error"]["message"] == MESSAGES["job.interrupted"]["en"]

    with running(settings, pipeline_log) as with_worker:
        assert wait_status(with_worker, auth, job_id, "ready_for_review")["attempts"] == 2
        time.sleep(0.3)
    assert len(pipeline_log.runs) == 1


def test_a_job_that_keeps_crashing_the_service_fails_after_max_attempts(
    settings: Settings, pipeline_log: PipelineLog
) -> None:
    with running(settings, pipeline_log, worker=False) as first:
        auth = bearer(new_token(first))
        job_id = upload(first, auth).json()["id"]
    for attempt in range(1, MAX_ATTEMPTS + 1):
        with running(settings, pipeline_log, worker=False) as app:  # each start recovers
            claimed = app_state(app).jobs.claim_next()  # ... and the service "crashes"
        assert claimed is not None and claimed.attempts == attempt

    with running(settings, pipeline_log) as final:
        job = final.get(f"{API}/{job_id}", headers=auth).json()
        assert job["status"] == "failed"
        assert job["error"] == {
            "code": "job.too_many_attempts",
            "message": MESSAGES["job.too_many_attempts"]["nb"].format(attempts=MAX_ATTEMPTS),
        }
        time.sleep(0.3)
    assert pipeline_log.runs == []


def test_one_attempt_left_is_still_retried(settings: Settings, pipeline_log: PipelineLog) -> None:
    with running(settings, pipeline_log, worker=False) as crashed:
        auth = bearer(new_token(crashed))
        job_id = upload(crashed, auth).json()["id"]
    set_job(settings, job_id, status="decoding", attempts=MAX_ATTEMPTS - 1)
    with running(settings, pipeline_log) as restarted:
        assert wait_status(restarted, auth, job_id, "ready_for_review")["attempts"] == MAX_ATTEMPTS
    assert len(pipeline_log.runs) == 1


def test_a_second_service_on_the_same_data_dir_is_refused(
    settings: Settings, pipeline_log: PipelineLog
) -> None:
    with running(settings, pipeline_log, worker=False):
        with (
            pytest.raises(IntervjuError) as refused,
            running(settings, pipeline_log, worker=False),
        ):
            pass
        assert refused.value.key == "service.already_running"
    with running(settings, pipeline_log, worker=False):  # free again once the first stopped
        pass


def test_orphaned_recordings_are_shredded_at_start(
    settings: Settings, pipeline_log: PipelineLog
) -> None:
    with running(settings, pipeline_log, worker=False) as app:
        auth = bearer(new_token(app))
        job_id = upload(app, auth).json()["id"]
        vault = app_state(app).vault
        vault.store(f"audio-{'a' * 32}", [b"left by a crash"])  # stored, but no job row
        vault.store("notes-1", [b"not a recording"])
    data = settings.storage.vault_path / "data"
    (data / f"audio-{'b' * 32}.partial").write_bytes(b"an upload cut off by a crash")
    (data / "README").write_text("not ours")
    # Plaintext uploads an older version left behind for jobs that no longer exist.
    legacy = settings.storage.uploads_path
    ensure_dir(legacy)
    for orphan in [legacy / f"{'c' * 32}.upload", legacy / f"{'d' * 32}.upload.part"]:
        orphan.write_bytes(b"left by a crash")

    with running(settings, pipeline_log, worker=False) as restarted:
        vault = app_state(restarted).vault
        assert vault.object_ids("audio-") == [f"audio-{job_id}"]
        assert vault.exists("notes-1")
        assert vault.read(f"audio-{job_id}") == b"RIFF" + b"\x00" * 64_000
        job = restarted.get(f"{API}/{job_id}", headers=auth).json()
        assert job["status"] == "queued"
    assert {p.name for p in data.iterdir()} == {
        "README",
        f"audio-{job_id}.sealed",
        "notes-1.sealed",
    }
    assert not legacy.exists()


def _queued_jobs(db: Database, vault: Vault, count: int) -> list[str]:
    store = JobStore(db, vault)
    ids = []
    for n in range(count):
        job_id = f"{n:032x}"
        sealed = vault.store(f"audio-{job_id}", [b"RIFF", b"\x00" * 1000])
        store.create(
            NewJob(
                id=job_id,
                filename=f"{n}.wav",
                audio_object=sealed.object_id,
                size_bytes=sealed.size,
                audio_sha256=sealed.sha256,
            )
        )
        record = store.get(job_id)
        assert record is not None and record.status is JobStatus.UPLOADED
        assert store.queue(job_id)
        ids.append(job_id)
    return ids


def _databases(settings: Settings, count: int) -> list[Database]:
    ensure_dir(settings.storage.data_dir)
    dbs = [open_database(settings.db_url) for _ in range(count)]  # separate connections
    dbs[0].upgrade()
    return dbs


def test_racing_claims_have_exactly_one_winner(settings: Settings) -> None:
    dbs = _databases(settings, 4)
    job_ids = _queued_jobs(dbs[0], open_vault(settings), 15)
    stores = [JobStore(db, open_vault(settings)) for db in dbs]
    with ThreadPoolExecutor(len(stores)) as pool:
        for job_id in job_ids:
            barrier = threading.Barrier(len(stores))

            def claim(store: JobStore, job_id: str = job_id, barrier: Any = barrier) -> bool:
                barrier.wait()
                return store.claim(job_id)

            wins = list(pool.map(claim, stores))
            assert wins.count(True) == 1, wins
    for job_id in job_ids:
        record = stores[0].get(job_id)
        assert record is not None and record.attempts == 1
    for db in dbs:
        db.dispose()


def test_two_workers_run_each_job_exactly_once(settings: Settings) -> None:
    dbs = _databases(settings, 2)
    job_ids = _queued_jobs(dbs[0], open_vault(settings), 12)
    log = PipelineLog()
    workers = [
        Worker(
            settings,
            JobStore(db, open_vault(settings)),
            lambda s: FakePipeline(s, log),
            progress_interval=0,
        )
        for db in dbs
    ]
    for worker in workers:
        worker.start()
    try:
        store = JobStore(dbs[0], open_vault(settings))
        ready = JobStatus.READY_FOR_REVIEW
        wait_for(lambda: all(_status(store, job_id) is ready for job_id in job_ids))
    finally:
        for worker in workers:
            worker.stop()
    ran = sorted(source.object_id for source, _ in log.runs)
    assert ran == sorted(f"audio-{job_id}" for job_id in job_ids)
    assert log.created == 2  # one pipeline per worker
    for db in dbs:
        db.dispose()


def _status(store: JobStore, job_id: str) -> JobStatus | None:
    record = store.get(job_id)
    return None if record is None else record.status


def test_writes_after_withdrawal_do_not_bring_a_job_back(settings: Settings) -> None:
    [db] = _databases(settings, 1)
    store = JobStore(db, open_vault(settings))
    [job_id] = _queued_jobs(db, open_vault(settings), 1)
    assert not store.queue(job_id)  # already queued
    assert not store.report_progress(job_id, JobStatus.DECODING, "decoding", 0.1)  # not claimed
    assert store.claim(job_id)
    assert not store.claim(job_id)
    assert store.report_progress(job_id, JobStatus.TRANSCRIBING, "transcribing", 0.5)
    assert store.withdraw(job_id)
    assert not store.withdraw(job_id)
    assert not store.report_progress(job_id, JobStatus.TRANSCRIBING, "transcribing", 0.6)
    assert not store.finish(job_id, make_transcript(1.0))
    assert not store.fail(job_id, "job.internal", {"kind": "X"})
    assert not store.release(job_id)
    assert not store.queue(job_id)
    assert not store.claim(job_id)
    assert store.recover_interrupted().requeued == 0
    record = store.get(job_id)
    assert record is not None
    assert (record.status, record.error_key, record.filename) == (JobStatus.WITHDRAWN, None, "")
    assert record.transcript_version is None
    assert store.get_transcript(job_id) is None
    assert store.list_versions(job_id) == []
    assert store.claim_next() is None
    db.dispose()


def test_sqlite_connections_are_configured(settings: Settings) -> None:
    [db] = _databases(settings, 1)
    with db.engine.connect() as connection:

        def pragma(name: str) -> object:
            return connection.exec_driver_sql(f"PRAGMA {name}").scalar()

        assert pragma("journal_mode") == "wal"
        assert pragma("busy_timeout") == SQLITE_BUSY_TIMEOUT_MS
        assert pragma("secure_delete") == 1
        assert pragma("synchronous") == 2  # FULL
    db.dispose()


def test_progress_hook_writes_on_step_changes_and_throttles() -> None:
    store = RecordingStore()
    hook = ProgressHook(cast(JobStore, store), "x" * 32, threading.Event(), interval=60)
    hook("decoding", completed=0.0, total=1.0)
    hook("decoding", completed=1.0, total=1.0)  # throttled
    hook("transcribing", completed=5.0, total=10.0)
    hook("transcribing", completed=9.0, total=10.0)  # throttled
    hook("diarising")  # a step the status has no name for: progress and status stay
    assert store.writes == [
        (JobStatus.DECODING, "decoding", 0.0),
        (JobStatus.TRANSCRIBING, "transcribing", 0.525),
        (JobStatus.TRANSCRIBING, "diarising", 0.905),
    ]


def test_progress_hook_stops_a_withdrawn_job_and_a_shutdown() -> None:
    gone = ProgressHook(cast(JobStore, RecordingStore(running=False)), "x", threading.Event(), 0)
    with pytest.raises(JobCancelled):
        gone("decoding", completed=0.0, total=1.0)
    stopping = threading.Event()
    stopping.set()
    store = RecordingStore()
    with pytest.raises(WorkerStopping):
        ProgressHook(cast(JobStore, store), "x", stopping, 0)("transcribing")
    assert store.writes == []
