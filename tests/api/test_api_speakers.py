"""PATCH /api/v1/jobs/{id}/speakers: correct the interviewer and names of a job in review; each
correction is a new transcript version."""

from __future__ import annotations

from typing import Any

import pytest
from api_helpers import (
    API,
    AppFactory,
    BlockingPipeline,
    DiarizingPipeline,
    PipelineLog,
    app_state,
    bearer,
    new_token,
    running,
    upload,
    wait_status,
)
from fastapi.testclient import TestClient
from sqlalchemy import select

from service.config import Settings
from service.db import Job, TranscriptVersion
from service.i18n import MESSAGES
from service.transcript import Transcript


@pytest.fixture
def diarizing(start_app: AppFactory) -> TestClient:
    return start_app(pipeline=DiarizingPipeline)


@pytest.fixture
def diarizing_auth(diarizing: TestClient) -> dict[str, str]:
    return bearer(new_token(diarizing))


def finished_job(client: TestClient, auth: dict[str, str], **fields: str) -> str:
    job_id: str = upload(client, auth, **fields).json()["id"]
    wait_status(client, auth, job_id, "ready_for_review")
    return job_id


def patch(client: TestClient, auth: dict[str, str], job_id: str, body: Any) -> Any:
    return client.patch(f"{API}/{job_id}/speakers", headers=auth, json=body)


def table(response: Any) -> dict[str, tuple[str, str]]:
    assert response.status_code == 200, response.text
    return {s["id"]: (s["role"], s["name"]) for s in response.json()["speakers"]}


def stored(client: TestClient, auth: dict[str, str], job_id: str) -> Transcript:
    response = client.get(f"{API}/{job_id}/transcript", params={"format": "json"}, headers=auth)
    return Transcript.model_validate_json(response.content)


def test_swap_the_interviewer_and_rename(
    diarizing: TestClient, diarizing_auth: dict[str, str]
) -> None:
    client, auth = diarizing, diarizing_auth
    job_id = finished_job(client, auth, speaker_names='{"Informant": "Kari"}')
    before = stored(client, auth, job_id)
    assert {s.id: s.name for s in before.speakers} == {
        "SPEAKER_00": "Intervjuer",
        "SPEAKER_01": "Kari",
    }

    # The guess was wrong: SPEAKER_01 asked the questions. «Kari» follows the informant role.
    swapped = patch(client, auth, job_id, {"interviewer": "SPEAKER_01"})
    assert table(swapped) == {
        "SPEAKER_00": ("informant", "Kari"),
        "SPEAKER_01": ("interviewer", "Intervjuer"),
    }
    seconds = {s["id"]: s["seconds"] for s in swapped.json()["speakers"]}
    assert seconds == {s.id: s.seconds for s in before.speakers}

    # A name by id; the earlier names and the chosen interviewer stay.
    renamed = patch(client, auth, job_id, {"names": {"speaker_01": "Ola"}})
    assert table(renamed) == {
        "SPEAKER_00": ("informant", "Kari"),
        "SPEAKER_01": ("interviewer", "Ola"),
    }
    after = stored(client, auth, job_id)
    assert [s.speaker for s in after.segments] == [s.speaker for s in before.segments]
    assert after.segments == before.segments  # the text is not touched
    text = client.get(f"{API}/{job_id}/transcript", params={"format": "txt"}, headers=auth).text
    assert "Kari: Kan du fortelle" in text and "Ola: Jeg jobber" in text

    job = client.get(f"{API}/{job_id}", headers=auth).json()
    assert job["interviewer"] == "SPEAKER_01"
    assert job["speaker_names"] == {"Informant": "Kari", "SPEAKER_01": "Ola"}

    # An empty name removes one given earlier.
    cleared = patch(client, auth, job_id, {"names": {"Informant": "", "SPEAKER_01": ""}})
    assert table(cleared) == {
        "SPEAKER_00": ("informant", "Informant"),
        "SPEAKER_01": ("interviewer", "Intervjuer"),
    }
    assert client.get(f"{API}/{job_id}", headers=auth).json()["speaker_names"] == {}

    # Every correction is a new version; the earlier ones are kept for the review.
    jobs = app_state(client).jobs
    versions = jobs.list_versions(job_id)
    assert [(v.version, v.change, v.author) for v in versions] == [
        (1, "pipeline", None),
        (2, "speakers", "test"),
        (3, "speakers", "test"),
        (4, "speakers", "test"),
    ]
    first = jobs.get_version(job_id, 1)
    assert first is not None and first.transcript == before
    assert client.get(f"{API}/{job_id}", headers=auth).json()["transcript_version"] == 4


def test_an_empty_body_changes_nothing(
    diarizing: TestClient, diarizing_auth: dict[str, str]
) -> None:
    job_id = finished_job(diarizing, diarizing_auth, interviewer="SPEAKER_01")
    before = stored(diarizing, diarizing_auth, job_id)
    response = patch(diarizing, diarizing_auth, job_id, {})
    assert table(response) == {
        "SPEAKER_00": ("informant", "Informant"),
        "SPEAKER_01": ("interviewer", "Intervjuer"),
    }
    assert stored(diarizing, diarizing_auth, job_id) == before


def test_the_correction_survives_a_restart(settings: Settings, pipeline_log: PipelineLog) -> None:
    with running(settings, pipeline_log, DiarizingPipeline) as first:
        auth = bearer(new_token(first))
        job_id = finished_job(first, auth)
        patch(first, auth, job_id, {"interviewer": "SPEAKER_01", "names": {"SPEAKER_00": "Kari"}})
    with running(settings, pipeline_log, worker=False) as again:
        transcript = stored(again, auth, job_id)
        assert {s.id: (s.role.value, s.name) for s in transcript.speakers} == {
            "SPEAKER_00": ("informant", "Kari"),
            "SPEAKER_01": ("interviewer", "Intervjuer"),
        }
        assert again.get(f"{API}/{job_id}", headers=auth).json()["interviewer"] == "SPEAKER_01"


def test_names_are_only_stored_sealed_and_gone_after_withdrawal(
    diarizing: TestClient, diarizing_auth: dict[str, str], settings: Settings
) -> None:
    def database() -> bytes:
        return b"".join(p.read_bytes() for p in settings.storage.data_dir.glob("intervju.db*"))

    def sealed_values() -> set[bytes]:
        with app_state(diarizing).db.sessions() as session:
            job = session.get(Job, job_id)
            assert job is not None
            query = select(TranscriptVersion.transcript).where(TranscriptVersion.job_id == job_id)
            values = {job.options_sealed, *session.scalars(query)}
        return {value.encode() for value in values if value}

    name = "Kari Nordmann"
    job_id = finished_job(diarizing, diarizing_auth, speaker_names=f'{{"Informant": "{name}"}}')
    assert name.encode() not in database()  # in the options and the transcript, sealed
    before = sealed_values()
    assert len(before) == 2 and all(value in database() for value in before)

    response = patch(
        diarizing, diarizing_auth, job_id, {"names": {"Informant": "Petter Pettersen"}}
    )
    assert table(response)["SPEAKER_01"] == ("informant", "Petter Pettersen")
    assert name.encode() not in database()
    assert b"Petter Pettersen" not in database()  # long: cannot occur by chance
    after = sealed_values()
    assert len(after) == 3  # new options, version 1 (kept for the review), version 2
    assert all(value in database() for value in after)

    purge = {"purge": "true"}
    withdrawn = diarizing.delete(f"{API}/{job_id}", params=purge, headers=diarizing_auth)
    assert withdrawn.status_code == 200, withdrawn.text
    assert name not in withdrawn.text
    assert sealed_values() == set()
    assert not any(value in database() for value in before | after)


@pytest.mark.parametrize(
    ("body", "code", "params"),
    [
        (
            {"interviewer": "SPEAKER_07"},
            "speakers.unknown_speaker",
            {"known": "SPEAKER_00, SPEAKER_01"},
        ),
        (
            {"names": {"SPEAKER_02": "Kari"}},
            "speakers.unknown_speaker",
            {"known": "SPEAKER_00, SPEAKER_01, Intervjuer, Informant"},
        ),
        (
            {"names": {"Informant 3": "Kari"}},
            "speakers.unknown_speaker",
            {"known": "SPEAKER_00, SPEAKER_01, Intervjuer, Informant"},
        ),
        ({"interviewer": "Kari"}, "options.bad_speaker_id", {}),
        ({"names": {"SPEAKER_00": "K" * 101}}, "options.bad_names", {"count": 20, "length": 100}),
        ({"names": {"SPEAKER_00": "K\x00"}}, "options.bad_names", {"count": 20, "length": 100}),
        ({"names": ["SPEAKER_00", "Kari"]}, "request.invalid", {"field": "names"}),
        ({"interviewer": 1}, "request.invalid", {"field": "interviewer"}),
        ("not json", "request.invalid", {"field": "body"}),
    ],
)
def test_bad_corrections_are_refused_and_change_nothing(
    diarizing: TestClient,
    diarizing_auth: dict[str, str],
    body: Any,
    code: str,
    params: dict[str, str],
) -> None:
    job_id = finished_job(diarizing, diarizing_auth)
    before = stored(diarizing, diarizing_auth, job_id)
    response = patch(diarizing, diarizing_auth, job_id, body)
    assert response.status_code == 422, response.text
    assert response.json() == {"code": code, "message": MESSAGES[code]["nb"].format(**params)}
    english = patch(diarizing, {**diarizing_auth, "Accept-Language": "en"}, job_id, body)
    assert english.json()["message"] == MESSAGES[code]["en"].format(**params)
    assert stored(diarizing, diarizing_auth, job_id) == before


def test_unknown_job(client: TestClient, auth: dict[str, str]) -> None:
    response = patch(client, auth, "f" * 32, {"interviewer": "SPEAKER_00"})
    assert response.status_code == 404
    assert response.json()["code"] == "job.not_found"


def test_a_job_that_is_not_in_review(start_app: AppFactory, pipeline_log: PipelineLog) -> None:
    client = start_app(pipeline=BlockingPipeline)
    auth = bearer(new_token(client))
    job_id = upload(client, auth).json()["id"]
    assert pipeline_log.started.wait(5)
    response = patch(client, auth, job_id, {"interviewer": "SPEAKER_00"})
    assert response.status_code == 409
    assert response.json()["code"] == "job.not_in_review"
    assert "transcribing" in response.json()["message"]
    pipeline_log.release.set()
    wait_status(client, auth, job_id, "ready_for_review")


def test_a_verified_job_cannot_be_corrected(
    diarizing: TestClient, diarizing_auth: dict[str, str]
) -> None:
    client, auth = diarizing, diarizing_auth
    job_id = finished_job(client, auth)
    assert table(patch(client, auth, job_id, {"interviewer": "SPEAKER_01"}))
    verified = client.post(f"{API}/{job_id}/verify", headers=auth)
    assert verified.status_code == 200, verified.text
    assert verified.json()["status"] in ("verified", "audio_deleted")
    before = stored(client, auth, job_id)
    response = patch(client, auth, job_id, {"interviewer": "SPEAKER_00"})
    assert response.status_code == 409
    assert response.json()["code"] == "job.not_in_review"
    assert stored(client, auth, job_id) == before
    assert len(app_state(client).jobs.list_versions(job_id)) == 2

    withdrawn = client.delete(f"{API}/{job_id}", params={"purge": "true"}, headers=auth)
    assert withdrawn.status_code == 200
    response = patch(client, auth, job_id, {"interviewer": "SPEAKER_00"})
    assert response.status_code == 409
    assert response.json()["code"] == "job.not_in_review"


def test_a_job_without_speakers(diarizing: TestClient, diarizing_auth: dict[str, str]) -> None:
    job_id = finished_job(diarizing, diarizing_auth, diarize="false")
    response = patch(diarizing, diarizing_auth, job_id, {"names": {"SPEAKER_00": "Kari"}})
    assert response.status_code == 409
    assert response.json() == {
        "code": "speakers.not_diarized",
        "message": MESSAGES["speakers.not_diarized"]["nb"],
    }


def test_openapi_documents_the_route(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    operation = spec["paths"][f"{API}/{{job_id}}/speakers"]["patch"]
    assert operation["security"]
    assert operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/SpeakersUpdate"
    )
    ok = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok["$ref"].endswith("/SpeakerTable")
    for status in ("401", "404", "409", "422"):
        schema = operation["responses"][status]["content"]["application/json"]["schema"]
        assert schema["$ref"].endswith("/ErrorPublic"), status
    # FastAPI's own validation errors are answered as ErrorPublic too, and documented so.
    listing = spec["paths"][API]["get"]["responses"]["422"]
    assert listing["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorPublic")
    for path, operations in spec["paths"].items():
        for method, op in operations.items():
            if "422" in op["responses"]:
                schema = op["responses"]["422"]["content"]["application/json"]["schema"]
                assert schema["$ref"].endswith("/ErrorPublic"), (method, path)
    assert "HTTPValidationError" not in spec["components"]["schemas"]
