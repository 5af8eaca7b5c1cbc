"""The job events outbox: one row per change, written in the change's own transaction, none for
a change that did not happen, progress coalesced, old rows pruned, no personal data."""

from __future__ import annotations

import itertools
import json
from datetime import timedelta
from pathlib import Path

import pytest
from api_helpers import (
    API,
    AppFactory,
    DiarizingPipeline,
    app_state,
    make_settings,
    make_transcript,
    upload,
    wait_status,
)
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from service.config import Settings
from service.db import JobEvent, utcnow
from service.jobs import JobStatus, NewJob
from service.jobs.events import EventLog, JobEventRecord

RUN = ["uploaded", "queued", "decoding", "transcribing", "ready_for_review"]


@pytest.fixture
def settings(data_dir: Path, db_url: str) -> Settings:
    """The service on SQLite, then on PostgreSQL (``INTERVJU_DATABASE_URL``)."""
    return make_settings(data_dir).model_copy(update={"database_url": db_url})


def events_of(client: TestClient, job_id: str) -> list[JobEventRecord]:
    return [e for e in EventLog(app_state(client).db).after(0) if e.job_id == job_id]


def status_changes(events: list[JobEventRecord]) -> list[str]:
    return [e.status for e in events if e.kind == "status"]


def ready_job(client: TestClient, auth: dict[str, str], **fields: str) -> str:
    job_id: str = upload(client, auth, **fields).json()["id"]
    wait_status(client, auth, job_id, "ready_for_review")
    return job_id


def test_a_whole_lifecycle_is_recorded_in_order(client: TestClient, auth: dict[str, str]) -> None:
    job_id = ready_job(client, auth)
    store = app_state(client).jobs
    edited = store.add_version(
        job_id,
        base=1,
        transcript=make_transcript(2.0),
        originals=None,
        change="text.edit",
        author="u",
    )
    assert edited is not None
    assert client.post(f"{API}/{job_id}/verify", headers=auth, json={"version": 2}).is_success

    events = events_of(client, job_id)
    assert status_changes(events) == [*RUN, "verified", "audio_deleted"]
    assert [(e.kind, e.status, e.version) for e in events if e.version] == [
        ("status", "ready_for_review", 1),
        ("version", "ready_for_review", 2),
        ("status", "verified", 2),
        ("status", "audio_deleted", 2),
    ]
    running = [e for e in events if e.status in ("decoding", "transcribing")]
    assert {e.step for e in running} == {"decoding", "transcribing"}
    progress = [e.progress for e in events]
    assert progress[RUN.index("ready_for_review") :] == [1.0] * (len(progress) - 4)
    ids = [e.id for e in events]
    assert ids == sorted(ids)
    project = client.get(f"{API}/{job_id}", headers=auth).json()["project"]
    assert {e.project_id for e in events} == {project}


def test_a_purge_is_recorded_without_a_version(client: TestClient, auth: dict[str, str]) -> None:
    job_id = ready_job(client, auth)
    assert client.delete(f"{API}/{job_id}?purge=true", headers=auth).is_success
    last = events_of(client, job_id)[-1]
    assert (last.kind, last.status, last.version, last.step) == ("status", "withdrawn", None, None)


def test_a_change_that_does_not_happen_writes_no_event(
    client: TestClient, auth: dict[str, str]
) -> None:
    job_id = ready_job(client, auth)
    store = app_state(client).jobs
    before = events_of(client, job_id)
    refused = client.post(f"{API}/{job_id}/verify", headers=auth, json={"version": 7})
    assert refused.status_code == 409
    assert not store.queue(job_id)  # ready_for_review -> queued is not in the machine
    assert not store.mark_verified(job_id, version=5, sha256="0" * 64, by="u")
    assert not store.fail(job_id, "job.internal", {})
    assert not store.report_progress(job_id, JobStatus.TRANSCRIBING, "transcribing", 0.5)
    store.set_receipt(job_id, 3)  # not a change of state
    assert events_of(client, job_id) == before


def test_a_rolled_back_change_leaves_no_event(
    client: TestClient, auth: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The event is written inside the change's transaction: both or neither."""
    job_id = ready_job(client, auth)
    store = app_state(client).jobs
    before = events_of(client, job_id)
    monkeypatch.setattr(store.sealer, "transcript", _disk_full)  # after the UPDATE and event
    with pytest.raises(OSError, match="disk full"):
        store.add_version(
            job_id, base=1, transcript=make_transcript(2.0), originals=None, change="e", author="u"
        )
    assert events_of(client, job_id) == before
    record = store.get(job_id)
    assert record is not None and record.transcript_version == 1


def _disk_full(*args: object) -> tuple[str, str]:
    raise OSError("disk full")


def test_progress_is_coalesced(client: TestClient, auth: dict[str, str]) -> None:
    store = app_state(client).jobs
    job_id = "ab" * 16
    store.create(NewJob(job_id, "a.wav", f"audio-{job_id}", 10))
    assert store.queue(job_id) and store.claim(job_id)
    for step in range(1, 1001):  # 0.1 % at a time
        assert store.report_progress(job_id, JobStatus.TRANSCRIBING, "transcribing", step / 1000)
    events = events_of(client, job_id)
    transcribing = [e for e in events if e.status == "transcribing"]
    assert transcribing[0].kind == "status" and transcribing[-1].progress == 1.0
    assert 100 <= len(transcribing) <= 102
    gaps = [b.progress - a.progress for a, b in itertools.pairwise(transcribing)]
    assert min(gaps[:-1]) >= 0.0099 and len(transcribing) == 101  # and 0.991 -> 1.0
    store.report_progress(job_id, JobStatus.TRANSCRIBING, "aligning", 1.0)  # a new step
    assert events_of(client, job_id)[-1].step == "aligning"


def test_recovery_after_a_crash_is_recorded(client: TestClient, auth: dict[str, str]) -> None:
    store = app_state(client).jobs
    stored, running = "cd" * 16, "ef" * 16
    for job_id in (stored, running):
        store.create(NewJob(job_id, "a.wav", f"audio-{job_id}", 10))
    assert store.queue(running) and store.claim(running)
    store.recover_interrupted()
    assert status_changes(events_of(client, stored)) == ["uploaded", "queued"]
    assert status_changes(events_of(client, running)) == [
        "uploaded",
        "queued",
        "decoding",
        "queued",
    ]


def test_old_events_are_pruned(client: TestClient, auth: dict[str, str]) -> None:
    job_id = ready_job(client, auth)
    db = app_state(client).db
    log = EventLog(db)
    count = len(events_of(client, job_id))
    with db.sessions.begin() as session:
        first = session.scalar(select(JobEvent.id).order_by(JobEvent.id).limit(1))
        session.execute(
            update(JobEvent).where(JobEvent.id == first).values(at=utcnow() - timedelta(days=8))
        )
    assert log.prune(keep_days=7, keep_max=1000) == 1
    assert len(events_of(client, job_id)) == count - 1
    assert log.prune(keep_days=7, keep_max=2) == count - 3
    assert [e.status for e in events_of(client, job_id)] == ["transcribing", "ready_for_review"]


def test_events_hold_no_personal_data(start_app: AppFactory) -> None:
    client = start_app(pipeline=DiarizingPipeline)
    auth = {"Authorization": f"Bearer {app_state(client).tokens.create('t')[1]}"}
    names = {"speaker_names": json.dumps({"Informant": "Gudrun Kvalheim"}), "informant_code": "Q9X"}
    job_id = ready_job(client, auth, filename="Gudrun Kvalheim på Voss.wav", **names)
    assert client.delete(f"{API}/{job_id}?purge=true", headers=auth).is_success
    with app_state(client).db.engine.connect() as connection:
        rows = connection.exec_driver_sql("SELECT * FROM job_events").fetchall()
    dump = json.dumps([list(map(str, row)) for row in rows])
    assert job_id in dump
    for word in ("Gudrun", "Kvalheim", "Voss", "Q9X", "Informant", ".wav"):
        assert word not in dump


def test_ids_never_go_back_after_every_event_was_pruned(
    client: TestClient, auth: dict[str, str]
) -> None:
    """Readers keep the id of the last event they handled (webhook cursors, Last-Event-ID): an
    id handed out again after pruning would be skipped by all of them. SQLite reuses the
    largest rowid once that row is gone, so pruning must never empty the table."""
    ready_job(client, auth)
    log = EventLog(app_state(client).db)
    newest = log.last_id()
    log.prune(keep_days=7, keep_max=1000, now=utcnow() + timedelta(days=30))  # all are old
    assert [e.id for e in log.after(0)] == [newest]  # the newest stays, whatever its age
    job_id = ready_job(client, auth)
    ids = [e.id for e in events_of(client, job_id)]
    assert ids and min(ids) > newest
    assert log.prune(keep_days=7, keep_max=1) >= 1
    assert [e.id for e in log.after(0)] == [max(ids)]
