"""/api/v1/jobs/{id}/review: the researcher reads the versions of an anonymised transcript,
accepts, rejects and adds redactions and corrects text; each change is a new version."""

from __future__ import annotations

from typing import Any

import pytest
from api_helpers import (
    API,
    AppFactory,
    FakePipeline,
    Source,
    app_state,
    bearer,
    new_token,
    upload,
    wait_status,
)
from fastapi import FastAPI
from fastapi.testclient import TestClient

from service.api.routes import review
from service.i18n import MESSAGES
from service.jobs import PipelineOutput
from service.options import JobOptions
from service.progress import Hook
from service.transcript import AnonymizationInfo, Redaction, Transcript, Word
from tests import factories

ORIGINALS = ("Kari Hansen", "Bodø")


def anonymised_interview() -> Transcript:
    """«Jeg ringte [navn 1], i [kommune 1].» / «Ja.», as the anonymisation step leaves it."""
    said = (
        Word(start=0.0, end=0.3, text=" Jeg", probability=0.9),
        Word(start=0.3, end=0.6, text=" ringte", probability=0.9),
        Word(start=0.6, end=1.2, text=" [navn 1],", probability=0.8),
        Word(start=1.2, end=1.4, text=" i", probability=0.9),
        Word(start=1.4, end=1.8, text=" [kommune 1].", probability=0.9),
    )
    first = factories.make_segment(0.0, 1.8, "".join(w.text for w in said).strip(), words=said)
    second = factories.make_segment(2.0, 2.5, "Ja, Per kom.")
    info = AnonymizationInfo(
        normalized=True,
        pronouns=True,
        entities=("PERSON", "MUNICIPALITY"),
        redactions=(
            Redaction(tag="[navn 1]", label="PERSON", segment=0, word=2),
            Redaction(tag="[kommune 1]", label="MUNICIPALITY", segment=0, word=4),
        ),
        seconds=0.1,
    )
    transcript = factories.make_transcript([first, second], duration=3.0)
    return transcript.model_copy(update={"anonymization": info})


class AnonymizingPipeline(FakePipeline):
    def process(self, source: Source, options: JobOptions, hook: Hook) -> PipelineOutput:
        self.run(source, options, hook)
        return PipelineOutput(anonymised_interview(), ORIGINALS)


def with_review(client: TestClient) -> TestClient:
    """``client`` with the review routes (added here until ``create_app`` registers them)."""
    app = client.app
    assert isinstance(app, FastAPI)
    if not any(getattr(r, "path", "").endswith("/review") for r in app.routes):
        app.include_router(review.router)
    return client


@pytest.fixture
def reviewing(start_app: AppFactory) -> tuple[TestClient, dict[str, str], str]:
    """A client, its token and a job in review."""
    client = with_review(start_app(pipeline=AnonymizingPipeline))
    auth = bearer(new_token(client))
    job_id = upload(client, auth).json()["id"]
    wait_status(client, auth, job_id, "ready_for_review")
    return client, auth, job_id


def url(job_id: str, path: str = "") -> str:
    return f"{API}/{job_id}/review{path}"


def ok(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def refused(response: Any, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.json()["code"] == code


def texts(body: dict[str, Any]) -> list[str]:
    return [segment["text"] for segment in body["transcript"]["segments"]]


def test_the_latest_version_with_its_redactions_and_originals_only_when_asked(
    reviewing: tuple[TestClient, dict[str, str], str],
) -> None:
    client, auth, job_id = reviewing
    response = client.get(url(job_id), headers=auth)
    body = ok(response)
    assert (body["version"], body["change"], body["author"], body["latest"]) == (
        1,
        "pipeline",
        None,
        True,
    )
    assert body["status"] == "ready_for_review"
    assert texts(body) == ["Jeg ringte [navn 1], i [kommune 1].", "Ja, Per kom."]
    assert [
        (r["index"], r["tag"], r["word"], r["reviewed"], r["source"]) for r in body["redactions"]
    ] == [
        (0, "[navn 1]", 2, False, "auto"),
        (1, "[kommune 1]", 4, False, "auto"),
    ]
    assert body["originals"] is None
    assert "Hansen" not in response.text and "Bodø" not in response.text
    with_originals = ok(client.get(url(job_id), params={"originals": "true"}, headers=auth))
    assert with_originals["originals"] == list(ORIGINALS)


def test_accept_reject_add_and_edit_each_make_a_version(
    reviewing: tuple[TestClient, dict[str, str], str],
) -> None:
    client, auth, job_id = reviewing
    accepted = ok(
        client.post(url(job_id, "/redactions/1/accept"), json={"base_version": 1}, headers=auth)
    )
    assert accepted["version"] == 2 and accepted["change"] == "redaction.accept"
    assert accepted["author"] == "test"
    assert [r["reviewed"] for r in accepted["redactions"]] == [False, True]

    rejected = ok(
        client.post(
            url(job_id, "/redactions/0/reject"),
            params={"originals": "true"},
            json={"base_version": 2},
            headers=auth,
        )
    )
    assert texts(rejected)[0] == "Jeg ringte Kari Hansen, i [kommune 1]."
    assert [r["tag"] for r in rejected["redactions"]] == ["[kommune 1]"]
    assert rejected["originals"] == ["Bodø"]

    start = texts(rejected)[1].index("Per")
    added = ok(
        client.post(
            url(job_id, "/redactions"),
            json={
                "base_version": 3,
                "segment": 1,
                "start": start,
                "end": start + 3,
                "label": "PERSON",
            },
            headers=auth,
        )
    )
    assert texts(added)[1] == "Ja, [navn 1] kom."  # «[navn 1]» is free again
    assert added["redactions"][1] == {
        "index": 1,
        "tag": "[navn 1]",
        "label": "PERSON",
        "segment": 1,
        "word": None,
        "reviewed": True,
        "source": "manual",
    }

    edited = ok(
        client.patch(
            url(job_id, "/segments/1"),
            json={"base_version": 4, "text": "Ja, [navn 1] kom hit."},
            headers=auth,
        )
    )
    assert texts(edited)[1] == "Ja, [navn 1] kom hit." and edited["change"] == "text.edit"

    versions = ok(client.get(url(job_id, "/versions"), headers=auth))["versions"]
    assert [(v["version"], v["change"]) for v in versions] == [
        (1, "pipeline"),
        (2, "redaction.accept"),
        (3, "redaction.reject"),
        (4, "redaction.add"),
        (5, "text.edit"),
    ]
    first = ok(client.get(url(job_id, "/versions/1"), headers=auth))
    assert texts(first)[0] == "Jeg ringte [navn 1], i [kommune 1]." and not first["latest"]
    assert first["originals"] is None
    old = ok(client.get(url(job_id, "/versions/1"), params={"originals": "true"}, headers=auth))
    assert old["originals"] == list(ORIGINALS)
    export = client.get(f"{API}/{job_id}/transcript", params={"format": "txt"}, headers=auth)
    assert "kom hit." in export.text


def test_a_change_to_an_older_version_is_refused(
    reviewing: tuple[TestClient, dict[str, str], str],
) -> None:
    client, auth, job_id = reviewing
    ok(client.post(url(job_id, "/redactions/0/accept"), json={"base_version": 1}, headers=auth))
    stale = client.post(url(job_id, "/redactions/1/reject"), json={"base_version": 1}, headers=auth)
    refused(stale, 409, "review.version_conflict")
    assert stale.json()["message"] == MESSAGES["review.version_conflict"]["nb"].format(
        base=1, latest=2
    )
    assert ok(client.get(url(job_id), headers=auth))["version"] == 2


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "code"),
    [
        ("post", "/redactions/2/accept", {}, 404, "review.unknown_redaction"),
        ("post", "/redactions/5/reject", {}, 404, "review.unknown_redaction"),
        (
            "post",
            "/redactions",
            {"segment": 9, "start": 0, "end": 2, "label": "PERSON"},
            404,
            "review.unknown_segment",
        ),
        (
            "post",
            "/redactions",
            {"segment": 1, "start": 5, "end": 6, "label": "PERSON"},
            422,
            "review.cuts_word",
        ),
        (
            "post",
            "/redactions",
            {"segment": 1, "start": 4, "end": 7, "label": "NAME"},
            422,
            "review.unknown_label",
        ),
        (
            "patch",
            "/segments/0",
            {"text": "Jeg ringte Kari, i [kommune 1]."},
            422,
            "review.tag_removed",
        ),
        ("patch", "/segments/1", {"text": "Ja, [navn 9] kom."}, 422, "review.tag_added"),
        ("patch", "/segments/7", {"text": "Ja."}, 404, "review.unknown_segment"),
        ("post", "/redactions/0/accept", {"base_version": 0}, 422, "request.invalid"),
    ],
)
def test_refused_changes_store_nothing(
    reviewing: tuple[TestClient, dict[str, str], str],
    method: str,
    path: str,
    body: dict[str, Any],
    status: int,
    code: str,
) -> None:
    client, auth, job_id = reviewing
    response = client.request(
        method.upper(), url(job_id, path), json={"base_version": 1, **body}, headers=auth
    )
    refused(response, status, code)
    assert len(ok(client.get(url(job_id, "/versions"), headers=auth))["versions"]) == 1


def test_after_verification_the_transcript_is_read_only_and_the_originals_are_gone(
    reviewing: tuple[TestClient, dict[str, str], str],
) -> None:
    client, auth, job_id = reviewing
    ok(client.post(url(job_id, "/redactions/0/accept"), json={"base_version": 1}, headers=auth))
    verified = client.post(f"{API}/{job_id}/verify", json={"version": 2}, headers=auth)
    assert verified.status_code == 200, verified.text
    body = ok(client.get(url(job_id), params={"originals": "true"}, headers=auth))
    assert body["originals"] is None and body["version"] == 2
    assert body["status"] in ("verified", "audio_deleted")
    old = ok(client.get(url(job_id, "/versions/1"), params={"originals": "true"}, headers=auth))
    assert old["originals"] is None
    change = client.post(
        url(job_id, "/redactions/1/accept"), json={"base_version": 2}, headers=auth
    )
    refused(change, 409, "job.not_in_review")


def test_other_users_jobs_and_unknown_versions_are_not_found(
    reviewing: tuple[TestClient, dict[str, str], str],
) -> None:
    client, auth, job_id = reviewing
    refused(client.get(url(job_id, "/versions/9"), headers=auth), 404, "review.unknown_version")
    _, other = app_state(client).tokens.create("other")
    refused(client.get(url(job_id), headers=bearer(other)), 404, "job.not_found")
    change = client.post(
        url(job_id, "/redactions/0/reject"), json={"base_version": 1}, headers=bearer(other)
    )
    refused(change, 404, "job.not_found")
    assert client.get(url(job_id)).status_code == 401


def test_a_job_without_a_transcript_yet_has_nothing_to_review(start_app: AppFactory) -> None:
    client = with_review(start_app(worker=False))
    auth = bearer(new_token(client))
    job_id = upload(client, auth).json()["id"]
    refused(client.get(url(job_id), headers=auth), 409, "job.not_ready")
    assert ok(client.get(url(job_id, "/versions"), headers=auth)) == {"versions": []}
