"""Upload → queued → worker → ready_for_review → transcript; progress, errors, withdrawal
(purge), stopping a running job."""

from __future__ import annotations

import hashlib
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
from sqlalchemy import select

from service.api import create_app
from service.audio import SealedAudio
from service.config import Settings
from service.db import Job, TranscriptVersion
from service.i18n import MESSAGES
from service.transcript import Transcript


def test_upload_is_transcribed_by_the_worker(
    client: TestClient, auth: dict[str, str], pipeline_log: PipelineLog, settings
) -> None:
    content = b"RIFF" + b"\x01" * (3 * BYTES_PER_SECOND - 4)
    response = upload(client, auth, content, filename="Intervju med Kari.wav", language="nn")
    assert response.status_code == 202
    job = response.json()
    assert job["status"] in ("queued", "decoding", "transcribing", "ready_for_review")
    assert response.headers["location"] == f"{API}/{job['id']}"
    assert job["filename"] == "Intervju med Kari.wav"
    assert job["size_bytes"] == len(content)
    assert job["language"] == "nn"
    assert job["audio_sha256"] == hashlib.sha256(content).hexdigest()

    done = wait_status(client, auth, job["id"], "ready_for_review")
    assert done["progress"] == 1.0
    assert done["error"] is None
    assert done["duration"] == 3.0
    assert done["finished_at"] is not None
    assert done["attempts"] == 1
    assert set(done["links"]["transcripts"]) >= {"json", "txt"}

    [(source, options)] = pipeline_log.runs
    vault = app_state(client).vault
    assert source == SealedAudio(vault, f"audio-{job['id']}")
    assert vault.read(source.object_id) == content
    assert options.language == "nn" and options.model is None
    _assert_no_plaintext_recording(settings, content)

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
        wait_status(client, auth, job_id, "ready_for_review")
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
    assert wait_status(client, auth, job_id, "ready_for_review")["progress"] == 1.0


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
    wait_status(client, auth, job_id, "ready_for_review")
    bad = client.get(f"{API}/{job_id}/transcript", params={"format": "wpd"}, headers=auth)
    assert bad.status_code == 400
    assert bad.json()["code"] == "export.unknown_format"


def _database_bytes(settings: Settings) -> bytes:
    return b"".join(p.read_bytes() for p in settings.storage.data_dir.glob("intervju.db*"))


def _assert_no_plaintext_recording(settings: Settings, content: bytes) -> None:
    """The recording is only kept encrypted: no file under the data directory holds it."""
    for path in settings.storage.data_dir.rglob("*"):
        if path.is_file():
            assert content not in path.read_bytes(), path


def _sealed_values(client: TestClient, job_id: str) -> list[bytes]:
    """The sealed file name, options and transcript versions of a job, as stored."""
    with app_state(client).db.sessions() as session:
        job = session.get(Job, job_id)
        assert job is not None
        versions = session.scalars(
            select(TranscriptVersion.transcript).where(TranscriptVersion.job_id == job_id)
        )
        values = [job.original_filename, job.options_sealed, *versions]
    return [value.encode() for value in values if value]


def test_delete_without_purge_is_refused(client: TestClient, auth: dict[str, str]) -> None:
    job_id = upload(client, auth).json()["id"]
    wait_status(client, auth, job_id, "ready_for_review")
    refused = client.delete(f"{API}/{job_id}", headers=auth)
    assert refused.status_code == 400
    assert refused.json()["code"] == "job.purge_required"
    refused = client.delete(f"{API}/{job_id}", params={"purge": "false"}, headers=auth)
    assert refused.status_code == 400
    assert app_state(client).vault.exists(f"audio-{job_id}")
    assert client.get(f"{API}/{job_id}", headers=auth).json()["status"] == "ready_for_review"
    assert client.get(f"{API}/{job_id}/transcript", headers=auth).status_code == 200
    missing = client.delete(f"{API}/{'f' * 32}", params={"purge": "true"}, headers=auth)
    assert missing.status_code == 404


def test_purge_withdraws_the_job_and_deletes_its_audio_and_transcript(
    client: TestClient, auth: dict[str, str], settings: Settings
) -> None:
    content = b"RIFF" + b"\x02" * 64_000
    job_id = upload(client, auth, content, filename="Intervju med Kari.wav").json()["id"]
    wait_status(client, auth, job_id, "ready_for_review")
    vault = app_state(client).vault
    assert vault.exists(f"audio-{job_id}")

    purged = client.delete(f"{API}/{job_id}", params={"purge": "true"}, headers=auth)
    assert purged.status_code == 200, purged.text
    receipt = purged.json()
    assert receipt["receipt"] == "job_withdrawn"
    assert receipt["data"]["job"] == job_id
    assert receipt["data"]["reason"] == "withdrawn"
    assert receipt["data"]["status_before"] == "ready_for_review"
    assert receipt["data"]["audio_deleted"] is True
    assert receipt["data"]["transcript_versions_deleted"] == 1
    assert receipt["data"]["by"]["user"] == "test"
    assert receipt["data"]["by"]["via"] == "api"
    assert "Kari" not in purged.text  # a receipt holds no personal data

    assert vault.object_ids("audio-") == []
    assert not vault.exists(f"audio-{job_id}")
    job = client.get(f"{API}/{job_id}", headers=auth).json()
    assert job["status"] == "withdrawn"
    assert job["filename"] == ""
    assert job["deletion_reason"] == "withdrawn"
    assert job["links"]["transcripts"] == {}
    gone = client.get(f"{API}/{job_id}/transcript", headers=auth)
    assert gone.status_code == 409
    assert gone.json()["code"] == "job.not_ready"
    assert app_state(client).jobs.get_transcript(job_id) is None
    assert app_state(client).jobs.list_versions(job_id) == []
    receipt_link = client.get(job["links"]["receipt"], headers=auth)
    assert receipt_link.status_code == 200
    assert receipt_link.json() == receipt

    again = client.delete(f"{API}/{job_id}", params={"purge": "true"}, headers=auth)
    assert again.status_code == 200  # repeating it hands out the same receipt
    assert again.json() == receipt
    _assert_no_plaintext_recording(settings, content)


def test_withdrawn_job_leaves_no_trace_in_the_database_files(
    client: TestClient, auth: dict[str, str], settings: Settings
) -> None:
    names = ["Intervju med Kari Nordmann.wav", "Intervju med Ola Hansen.wav"]
    ids = [upload(client, auth, filename=name).json()["id"] for name in names]
    for job_id in ids:
        wait_status(client, auth, job_id, "ready_for_review")
    # File names and transcripts are sealed before they reach the database.
    assert b"velkommen til intervjuet" not in _database_bytes(settings)
    assert not any(name.encode() in _database_bytes(settings) for name in names)
    sealed = [_sealed_values(client, job_id) for job_id in ids]
    assert all(len(values) == 3 for values in sealed)  # file name, options, version 1
    assert all(value in _database_bytes(settings) for values in sealed for value in values)

    # Not even the sealed values are left: neither in free pages nor in the write-ahead log.
    purge = {"purge": "true"}
    assert client.delete(f"{API}/{ids[0]}", params=purge, headers=auth).status_code == 200
    assert not any(value in _database_bytes(settings) for value in sealed[0])
    assert all(value in _database_bytes(settings) for value in sealed[1])
    assert client.delete(f"{API}/{ids[1]}", params=purge, headers=auth).status_code == 200
    assert not any(value in _database_bytes(settings) for value in sealed[1])


def test_purge_stops_a_running_job(
    start_app: AppFactory, pipeline_log: PipelineLog, settings: Settings
) -> None:
    client = start_app(pipeline=BlockingPipeline)
    auth = bearer(new_token(client))
    job_id = upload(client, auth).json()["id"]
    assert pipeline_log.started.wait(5)

    purged = client.delete(f"{API}/{job_id}", params={"purge": "true"}, headers=auth)
    assert purged.status_code == 200
    assert purged.json()["data"]["status_before"] == "transcribing"
    wait_for(lambda: pipeline_log.stopped)  # the hook stopped the run
    assert not pipeline_log.release.is_set()
    job = client.get(f"{API}/{job_id}", headers=auth).json()
    assert job["status"] == "withdrawn"
    assert job["error"] is None
    assert app_state(client).vault.object_ids("audio-") == []
    assert app_state(client).jobs.list_versions(job_id) == []

    pipeline_log.release.set()  # the worker goes on with the next job
    assert wait_status(client, auth, upload(client, auth).json()["id"], "ready_for_review")
    assert client.get(f"{API}/{job_id}", headers=auth).json()["status"] == "withdrawn"


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


def test_a_job_is_seen_only_by_its_users_tokens_and_admins(
    client: TestClient, auth: dict[str, str]
) -> None:
    job_id = upload(client, auth).json()["id"]
    wait_status(client, auth, job_id, "ready_for_review")
    tokens = app_state(client).tokens
    _, same_user = tokens.create("ipad", user="test")  # the uploader's second device
    _, admin = tokens.create("root", user="sjef", admin=True)
    other = bearer(new_token(client, "kari"))

    for reader in (bearer(same_user), bearer(admin)):
        assert client.get(f"{API}/{job_id}", headers=reader).status_code == 200
        assert [job["id"] for job in client.get(API, headers=reader).json()["jobs"]] == [job_id]
    assert client.get(API, headers=other).json()["jobs"] == []
    for method, path in [
        ("GET", f"{API}/{job_id}"),
        ("GET", f"{API}/{job_id}/transcript"),
        ("PATCH", f"{API}/{job_id}/speakers"),
        ("DELETE", f"{API}/{job_id}?purge=true"),
    ]:
        response = client.request(method, path, headers=other, json={})
        assert response.status_code == 404, (method, path)
        assert response.json()["code"] == "job.not_found"
    assert client.get(f"{API}/{job_id}", headers=auth).json()["status"] == "ready_for_review"
    assert app_state(client).vault.exists(f"audio-{job_id}")
