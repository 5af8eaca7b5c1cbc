"""The Celery queue with the real parts: a Redis server, the API with the celery backend (no
worker thread), and two `intervju worker` processes with a fake pipeline that logs every run.

A worker is SIGKILLed in the middle of a job: the broker delivers the task again, the other
worker takes the job over, and the job completes exactly once."""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from celery_helpers import Workers, broker_contents, make_settings, wait_for
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from service.api import create_app
from service.api.deps import AppState
from service.db import JobEvent, TranscriptVersion
from service.jobs import JobStatus, NewJob
from service.jobs.celery_queue import TASK_NAME, make_celery
from tests.crash.fake_pipeline import recording

API = "/api/v1/jobs"
FILENAME = "Intervju med Kari Nordmann.wav"
SPEAKER = "Ingrid Haugland"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path


@pytest.fixture
def workers(folder: Path, redis_url: str) -> Iterator[Workers]:
    started = Workers(make_settings(folder / "data", redis_url), folder)
    try:
        yield started
    finally:
        started.stop()


@pytest.fixture
def client(workers: Workers, folder: Path, redis_url: str) -> Iterator[TestClient]:
    import redis

    with redis.Redis.from_url(redis_url) as broker:
        broker.flushdb()  # nothing left over from another test
    app = create_app(make_settings(folder / "data", redis_url))
    with TestClient(app) as started:
        assert state(started).worker is None  # the workers run the jobs, not `serve`
        yield started


def state(client: TestClient) -> AppState:
    app_state: AppState = client.app.state.intervju  # type: ignore[attr-defined]
    return app_state


def auth(client: TestClient) -> dict[str, str]:
    _, token = state(client).tokens.create("test")
    return {"Authorization": f"Bearer {token}"}


def upload(client: TestClient, headers: dict[str, str]) -> str:
    names = json.dumps({"Informant": SPEAKER})
    response = client.post(
        API,
        headers=headers,
        files={"file": (FILENAME, recording(2.0), "audio/wav")},
        data={"speaker_names": names},
    )
    assert response.status_code == 202, response.text
    job_id: str = response.json()["id"]
    return job_id


def wait_status(client: TestClient, headers: dict[str, str], job_id: str, status: str) -> Any:
    def check() -> Any:
        body = client.get(f"{API}/{job_id}", headers=headers).json()
        return body if body["status"] == status else None

    return wait_for(check, what=f"job {job_id} {status}")


def completions(client: TestClient, job_id: str) -> tuple[int, int]:
    """(transcript versions stored, ``ready_for_review`` events) of the job."""
    with state(client).db.sessions() as session:
        versions = session.scalar(select(func.count()).where(TranscriptVersion.job_id == job_id))
        ready = session.scalar(
            select(func.count()).where(
                JobEvent.job_id == job_id,
                JobEvent.kind == "status",
                JobEvent.status == JobStatus.READY_FOR_REVIEW.value,
            )
        )
    return versions or 0, ready or 0


def test_a_worker_killed_mid_job_leaves_it_to_the_other_which_completes_it_once(
    client: TestClient, workers: Workers, redis_url: str
) -> None:
    headers = auth(client)
    workers.hold.touch()
    workers.start(2)
    job_id = upload(client, headers)
    obj = f"audio-{job_id}"
    [(event, name, first)] = wait_for(workers.calls, what="a worker starting the job")
    assert (event, name) == ("start", obj)

    # In the broker: the job id, and nothing about the person or the file.
    stored = b"\n".join(broker_contents(redis_url))
    assert job_id.encode() in stored
    for secret in (FILENAME, "Kari", "Nordmann", SPEAKER, "Haugland", "Informant"):
        assert secret.encode() not in stored, secret

    workers.kill(first)
    workers.hold.unlink()
    job = wait_status(client, headers, job_id, "ready_for_review")

    calls = workers.calls()
    (second,) = set(workers.procs) - {first}
    assert calls == [("start", obj, first), ("start", obj, second), ("end", obj, second)]
    assert job["attempts"] == 2
    assert completions(client, job_id) == (1, 1)
    transcript = client.get(f"{API}/{job_id}/transcript?format=json", headers=headers)
    assert transcript.status_code == 200


def test_a_worker_taken_for_dead_that_lives_on_cannot_store_its_result(
    client: TestClient, workers: Workers, folder: Path
) -> None:
    headers = auth(client)
    workers.env["QUEUE_FAKE_DEAF"] = "1"  # the stalled worker finds out only at the end
    workers.env["INTERVJU_QUEUE__RESEND_SECONDS"] = "1.0"  # the sweep sends the task again
    holds = [folder / "hold-first", folder / "hold-second"]
    for hold in holds:
        hold.touch()
    workers.env["QUEUE_FAKE_HOLD"] = str(holds[0])
    [first] = workers.start(1)
    job_id = upload(client, headers)
    obj = f"audio-{job_id}"
    wait_for(workers.calls, what="the first worker starting the job")

    os.kill(first, signal.SIGSTOP)  # no heartbeat: taken for dead, though alive
    try:
        workers.env["QUEUE_FAKE_HOLD"] = str(holds[1])
        [second] = workers.start(1)
        wait_for(lambda: ("start", obj, second) in workers.calls(), what="the takeover")
    finally:
        os.kill(first, signal.SIGCONT)
    holds[0].unlink()  # the first worker's result comes while the second still works
    wait_for(lambda: ("end", obj, first) in workers.calls(), what="the first result")
    wait_for(lambda: "result discarded" in workers.output(first), what="the result dropped")
    assert wait_status(client, headers, job_id, "transcribing")["attempts"] == 2
    assert completions(client, job_id) == (0, 0)

    holds[1].unlink()
    wait_status(client, headers, job_id, "ready_for_review")
    assert workers.calls() == [
        ("start", obj, first),
        ("start", obj, second),
        ("end", obj, first),
        ("end", obj, second),
    ]
    assert completions(client, job_id) == (1, 1)
    assert "ready for review" in workers.output(second)
    assert "ready for review" not in workers.output(first)
    for pid in (first, second):
        assert "Kari" not in workers.output(pid) and "Haugland" not in workers.output(pid)


def test_a_duplicate_delivery_is_a_no_op(
    client: TestClient, workers: Workers, folder: Path, redis_url: str
) -> None:
    headers = auth(client)
    workers.hold.touch()
    workers.start(2)
    job_id = upload(client, headers)
    [(_, _, first)] = wait_for(workers.calls, what="a worker starting the job")
    (second,) = set(workers.procs) - {first}

    sender = make_celery(make_settings(folder / "data", redis_url))
    try:
        sender.send_task(TASK_NAME, args=[job_id])  # while the job runs
        wait_for(lambda: "'busy'" in workers.output(second), what="the duplicate dropped")
        workers.hold.unlink()
        wait_status(client, headers, job_id, "ready_for_review")
        sender.send_task(TASK_NAME, args=[job_id])  # after it is done
        wait_for(
            lambda: any("'nothing'" in workers.output(pid) for pid in workers.procs),
            what="the late duplicate dropped",
        )
    finally:
        sender.close()
    assert [event for event, _, _ in workers.calls()] == ["start", "end"]
    assert completions(client, job_id) == (1, 1)
    assert wait_status(client, headers, job_id, "ready_for_review")["attempts"] == 1


def test_uploads_run_on_the_workers_and_the_sweep_sends_jobs_without_a_task(
    client: TestClient, workers: Workers, redis_url: str
) -> None:
    import redis

    headers = auth(client)
    uploaded = [upload(client, headers) for _ in range(3)]
    # A job the broker never heard of (flushed, or the send failed): only in the database.
    store = state(client).jobs
    store.create(NewJob(id="f" * 32, filename="x.wav", audio_object="audio-" + "f" * 32,
                        size_bytes=1))  # fmt: skip
    store.queue("f" * 32)
    with redis.Redis.from_url(redis_url) as broker:
        assert broker.llen("intervju") == 3  # one task per upload, none for the other job
    workers.start(2)
    for job_id in uploaded:
        wait_status(client, headers, job_id, "ready_for_review")
        assert completions(client, job_id) == (1, 1)

    # its recording was never stored: the sweep's task ran it, and it failed as it should
    def orphan_failed() -> bool:
        job = store.get("f" * 32)
        return job is not None and job.status is JobStatus.FAILED

    wait_for(orphan_failed, what="the job without a task run")
    runs = [name for event, name, _ in workers.calls() if event == "start"]
    assert sorted(runs) == sorted(f"audio-{job_id}" for job_id in [*uploaded, "f" * 32])
