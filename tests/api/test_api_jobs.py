"""Upload → queued → worker → done → transcript; progress, errors, delete, cancel."""

from __future__ import annotations

import json

from api_helpers import (
    API,
    BYTES_PER_SECOND,
    AppFactory,
    BlockingPipeline,
    CrashingPipeline,
    FailingPipeline,
    PipelineLog,
    app_state,
    bearer,
    new_token,
    upload,
    wait_for,
    wait_status,
)
from fastapi.testclient import TestClient

from service.api import create_app
from service.config import Settings
from service.i18n import MESSAGES
from service.transcript import Transcript


def test_upload_is_transcribed_by_the_worker(
    client: TestClient, auth: dict[str, str], pipeline_log: PipelineLog, settings
) -> None:
    content = b"RIFF" + b"\x01" * (3 * BYTES_PER_SECOND - 4)
    response = upload(client, auth, content, filename="Intervju med Kari.wav", language="nn")
    assert response.status_code == 202
    job = response.json()
    assert job["status"] in ("queued", "decoding", "transcribing", "done")
    assert response.headers["location"] == f"{API}/{job['id']}"
    assert job["filename"] == "Intervju med Kari.wav"
    assert job["size_bytes"] == len(content)
    assert job["language"] == "nn"

    done = wait_status(client, auth, job["id"], "done")
    assert done["progress"] == 1.0
    assert done["error"] is None
    assert done["duration"] == 3.0
    assert done["finished_at"] is not None
    assert done["attempts"] == 1
    assert set(done["links"]["transcripts"]) >= {"json", "txt"}

    [(path, options)] = pipeline_log.runs
    assert path == settings.storage.uploads_path / f"{job['id']}.upload"
    assert path.read_bytes() == content
    assert options.language == "nn" and options.model is None

    as_json = client.get(done["links"]["transcripts"]["json"], headers=auth)
    assert as_json.status_code == 200
    assert as_json.headers["content-type"].startswith("application/json")
    assert as_json.headers["content-disposition"] == f'attachment; filename="{job["id"]}.json"'
    transcript = Transcript.model_validate_json(as_json.content)
    assert transcript.source.duration == 3.0
    assert transcript.text == "Hei, og velkommen til intervjuet."

    as_txt = client.get(f"{API}/{job['id']}/transcript", params={"format": "txt"}, headers=auth)
    assert as_txt.status_code == 200
    assert as_txt.headers["content-type"].startswith("text/plain")
    assert as_txt.headers["content-disposition"] == f'attachment; filename="{job["id"]}.txt"'
    assert as_txt.text == "[00:00:00] Hei, og velkommen til intervjuet.\n"
    assert client.get(f"{API}/{job['id']}/transcript", headers=auth).json() == json.loads(
        as_json.content
    )


def test_pipeline_is_created_once_per_worker(
    client: TestClient, auth: dict[str, str], pipeline_log: PipelineLog
) -> None:
    assert pipeline_log.created == 0  # lazily, on the first job
    ids = [upload(client, auth).json()["id"] for _ in range(3)]
    for job_id in ids:
        wait_status(client, auth, job_id, "done")
    assert pipeline_log.created == 1
    assert len(pipeline_log.runs) == 3


def test_list_is_newest_first(client: TestClient, auth: dict[str, str]) -> None:
    ids = [upload(client, auth, filename=f"{n}.wav").json()["id"] for n in range(3)]
    listed = client.get(API, headers=auth).json()["jobs"]
    assert [job["id"] for job in listed] == ids[::-1]
    assert [job["filename"] for job in listed] == ["2.wav", "1.wav", "0.wav"]
    assert len(client.get(API, params={"limit": 1}, headers=auth).json()["jobs"]) == 1


def test_progress_and_step_are_visible_while_running(
    start_app: AppFactory, pipeline_log: PipelineLog
) -> None:
    client = start_app(pipeline=BlockingPipeline)
    auth = bearer(new_token(client))
    job_id = upload(client, auth).json()["id"]

    def running() -> dict | None:
        job = client.get(f"{API}/{job_id}", headers=auth).json()
        ok = job["status"] == "transcribing" and 0.05 < job["progress"] < 1.0
        return job if ok else None

    job = wait_for(running)
    assert job["step"] == "transcribing"
    assert job["started_at"] is not None
    later = wait_for(
        lambda: (
            (j := client.get(f"{API}/{job_id}", headers=auth).json())["progress"] > job["progress"]
            and j
        )
    )
    assert later["progress"] < 1.0

    not_ready = client.get(f"{API}/{job_id}/transcript", headers=auth)
    assert not_ready.status_code == 409
    assert not_ready.json()["code"] == "job.not_ready"
    assert "transcribing" in not_ready.json()["message"]

    pipeline_log.release.set()
    assert wait_status(client, auth, job_id, "done")["progress"] == 1.0


def test_failed_job_has_a_readable_message(
    start_app: AppFactory, pipeline_log: PipelineLog
) -> None:
    client = start_app(pipeline=FailingPipeline)
    auth = bearer(new_token(client))
    job_id = upload(client, auth).json()["id"]
    job = wait_status(client, auth, job_id, "failed")
    assert job["error"] == {"code": "audio.not_audio", "message": MESSAGES["audio.not_audio"]["nb"]}
    assert job["finished_at"] is not None
    english = client.get(f"{API}/{job_id}", headers={**auth, "Accept-Language": "en"}).json()
    assert english["error"]["message"] == MESSAGES["audio.not_audio"]["en"]
    assert "lydopptak" in job["error"]["message"]
    assert client.get(f"{API}/{job_id}/transcript", headers=auth).status_code == 409


def test_unexpected_error_is_stored_without_details(start_app: AppFactory) -> None:
    client = start_app(pipeline=CrashingPipeline)
    auth = bearer(new_token(client))
    job_id = upload(client, auth).json()["id"]
    error = wait_status(client, auth, job_id, "failed")["error"]
    assert error["code"] == "job.internal"
    assert "RuntimeError" in error["message"]
    assert "a bug" not in error["message"]
    # The worker survives and takes the next job.
    assert wait_status(client, auth, upload(client, auth).json()["id"], "failed")


def test_unknown_job_and_format(client: TestClient, auth: dict[str, str]) -> None:
    missing = client.get(f"{API}/{'f' * 32}", headers=auth)
    assert missing.status_code == 404
    assert missing.json() == {"code": "job.not_found", "message": MESSAGES["job.not_found"]["nb"]}
    assert client.get(f"{API}/../etc", headers=auth).status_code == 404
    job_id = upload(client, auth).json()["id"]
    wait_status(client, auth, job_id, "done")
    bad = client.get(f"{API}/{job_id}/transcript", params={"format": "docx"}, headers=auth)
    assert bad.status_code == 400
    assert bad.json()["code"] == "export.unknown_format"


def _database_bytes(settings: Settings) -> bytes:
    return b"".join(p.read_bytes() for p in settings.storage.data_dir.glob("intervju.db*"))


def test_delete_removes_row_upload_and_transcript(
    client: TestClient, auth: dict[str, str], settings: Settings
) -> None:
    job_id = upload(client, auth).json()["id"]
    wait_status(client, auth, job_id, "done")
    stored = settings.storage.uploads_path / f"{job_id}.upload"
    assert stored.exists()

    assert client.delete(f"{API}/{job_id}", headers=auth).status_code == 204
    assert not stored.exists()
    assert list(settings.storage.uploads_path.iterdir()) == []
    assert client.get(f"{API}/{job_id}", headers=auth).status_code == 404
    assert client.get(f"{API}/{job_id}/transcript", headers=auth).status_code == 404
    assert app_state(client).jobs.get_transcript(job_id) is None
    assert client.delete(f"{API}/{job_id}", headers=auth).status_code == 404


def test_deleted_job_leaves_no_trace_in_the_database_files(
    client: TestClient, auth: dict[str, str], settings: Settings
) -> None:
    names = ["Intervju med Kari Nordmann.wav", "Intervju med Ola Hansen.wav"]
    ids = [upload(client, auth, filename=name).json()["id"] for name in names]
    for job_id in ids:
        wait_status(client, auth, job_id, "done")
    assert b"velkommen til intervjuet" in _database_bytes(settings)
    assert all(name.encode() in _database_bytes(settings) for name in names)

    # Neither in free pages of the database nor in its write-ahead log.
    assert client.delete(f"{API}/{ids[0]}", headers=auth).status_code == 204
    assert names[0].encode() not in _database_bytes(settings)
    assert names[1].encode() in _database_bytes(settings)
    assert client.delete(f"{API}/{ids[1]}", headers=auth).status_code == 204
    assert names[1].encode() not in _database_bytes(settings)
    assert b"velkommen til intervjuet" not in _database_bytes(settings)


def test_delete_cancels_a_running_job(
    start_app: AppFactory, pipeline_log: PipelineLog, settings
) -> None:
    client = start_app(pipeline=BlockingPipeline)
    auth = bearer(new_token(client))
    job_id = upload(client, auth).json()["id"]
    assert pipeline_log.started.wait(5)

    assert client.delete(f"{API}/{job_id}", headers=auth).status_code == 204
    wait_for(lambda: pipeline_log.stopped)  # the hook stopped the run
    assert not pipeline_log.release.is_set()
    assert client.get(f"{API}/{job_id}", headers=auth).status_code == 404
    assert list(settings.storage.uploads_path.iterdir()) == []

    pipeline_log.release.set()  # the worker goes on with the next job
    assert wait_status(client, auth, upload(client, auth).json()["id"], "done")


def test_shutdown_puts_a_running_job_back_in_the_queue(
    start_app: AppFactory, pipeline_log: PipelineLog, settings: Settings
) -> None:
    app = create_app(settings, pipeline_factory=lambda s: BlockingPipeline(s, pipeline_log))
    with TestClient(app) as client:
        auth = bearer(new_token(client))
        job_id = upload(client, auth).json()["id"]
        assert pipeline_log.started.wait(5)
    # Leaving the block ends the lifespan: the worker stopped the run.
    assert pipeline_log.stopped

    again = start_app(worker=False)
    job = again.get(f"{API}/{job_id}", headers=auth).json()
    assert job["status"] == "queued"
    assert job["attempts"] == 0  # a clean stop does not count against the job
