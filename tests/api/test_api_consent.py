"""Verify, receipts and withdrawal over HTTP, and who may do them."""

from __future__ import annotations

from typing import Any

from api_helpers import API, app_state, bearer, upload, wait_status
from fastapi.testclient import TestClient

from service import audit

PROJECTS = "/api/v1/projects"


def _ready(client: TestClient, auth: dict[str, str], **fields: str) -> dict[str, Any]:
    response = upload(client, auth, **fields)
    assert response.status_code == 202, response.text
    return wait_status(client, auth, response.json()["id"], "ready_for_review")


def test_verify_deletes_the_audio_and_hands_out_a_receipt(
    client: TestClient, auth: dict[str, str]
) -> None:
    job = _ready(client, auth)
    state = app_state(client)
    assert state.vault.exists(f"audio-{job['id']}")
    assert client.get(f"{API}/{job['id']}/receipt", headers=auth).status_code == 404

    response = client.post(f"{API}/{job['id']}/verify", headers=auth, json={"version": 1})

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "audio_deleted" and body["deletion_reason"] == "verified"
    assert not state.vault.exists(f"audio-{job['id']}")
    receipt = client.get(body["links"]["receipt"], headers=auth)
    assert receipt.status_code == 200
    assert "attachment" in receipt.headers["content-disposition"]
    document = receipt.json()
    assert document["receipt"] == "audio_deleted"
    assert document["data"]["audio_sha256"] == job["audio_sha256"]
    assert document["data"]["by"]["user"] == "test"
    held = {document["seq"]: document["hash"]}
    assert audit.verify(state.settings.storage.audit_path, held).ok
    # The transcript stays readable; changes are refused now.
    assert client.get(f"{API}/{job['id']}/transcript?format=txt", headers=auth).status_code == 200
    speakers = client.patch(f"{API}/{job['id']}/speakers", headers=auth, json={"names": {}})
    assert speakers.status_code == 409


def test_verifying_an_old_version_is_refused(client: TestClient, auth: dict[str, str]) -> None:
    job = _ready(client, auth)
    response = client.post(f"{API}/{job['id']}/verify", headers=auth, json={"version": 5})
    assert response.status_code == 409
    assert response.json()["code"] == "review.version_conflict"
    assert app_state(client).vault.exists(f"audio-{job['id']}")


def test_withdrawal_needs_purge_true_and_leaves_a_tombstone(
    client: TestClient, auth: dict[str, str]
) -> None:
    job = _ready(client, auth)
    refused = client.delete(f"{API}/{job['id']}", headers=auth)
    assert refused.status_code == 400 and refused.json()["code"] == "job.purge_required"
    assert app_state(client).vault.exists(f"audio-{job['id']}")

    response = client.delete(f"{API}/{job['id']}?purge=true", headers=auth)

    assert response.status_code == 200
    assert response.json()["receipt"] == "job_withdrawn"
    after = client.get(f"{API}/{job['id']}", headers=auth).json()
    assert after["status"] == "withdrawn" and after["filename"] == ""
    assert after["links"]["transcripts"] == {}
    transcript = client.get(f"{API}/{job['id']}/transcript", headers=auth)
    assert transcript.status_code == 409
    assert not app_state(client).vault.exists(f"audio-{job['id']}")


def test_another_users_token_cannot_touch_the_job(
    client: TestClient, auth: dict[str, str]
) -> None:
    job = _ready(client, auth)
    _, other = app_state(client).tokens.create("annen", user="annen")
    stranger = bearer(other)
    for method, path in [
        ("get", f"{API}/{job['id']}"),
        ("post", f"{API}/{job['id']}/verify"),
        ("get", f"{API}/{job['id']}/receipt"),
        ("delete", f"{API}/{job['id']}?purge=true"),
        ("get", f"{API}/{job['id']}/transcript"),
    ]:
        response = client.request(method, path, headers=stranger)
        assert response.status_code == 404, (method, path)
        assert response.json()["code"] == "job.not_found"
    assert client.get(API, headers=stranger).json()["jobs"] == []
    _, admin = app_state(client).tokens.create("admin", admin=True)
    assert client.get(f"{API}/{job['id']}", headers=bearer(admin)).status_code == 200
    assert app_state(client).vault.exists(f"audio-{job['id']}")


def test_uploads_go_to_a_project_with_informant_codes(
    client: TestClient, auth: dict[str, str]
) -> None:
    created = client.post(
        PROJECTS, headers=auth, json={"name": "Rus og bolig", "anonymize_dates": True}
    )
    assert created.status_code == 201, created.text
    project = created.json()["id"]
    first = _ready(client, auth, project=project)
    second = _ready(client, auth, project=project)
    chosen = _ready(client, auth, project=project, informant_code="inf-07")
    assert (first["informant_code"], second["informant_code"]) == ("S1", "S2")
    assert chosen["informant_code"] == "inf-07"
    assert first["project"] == project and first["anonymize_dates"] is True
    default = _ready(client, auth)
    assert default["project"] not in (None, project)
    _, other = app_state(client).tokens.create("annen", user="annen")
    foreign = upload(client, bearer(other), project=project)
    assert foreign.status_code == 404 and foreign.json()["code"] == "project.not_found"
    bad = upload(client, auth, informant_code="Kari Nordmann")
    assert bad.status_code == 422
