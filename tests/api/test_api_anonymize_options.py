"""Upload form fields for anonymisation: good values reach the pipeline and the job record, bad
ones are refused before the recording is kept; the anonymising step is visible."""

from __future__ import annotations

import pytest
from api_helpers import (
    API,
    WAIT_SECONDS,
    AppFactory,
    FakePipeline,
    PipelineLog,
    Source,
    assert_nothing_stored,
    bearer,
    new_token,
    upload,
    wait_for,
    wait_status,
)
from fastapi.testclient import TestClient

from service.i18n import MESSAGES
from service.options import JobOptions
from service.progress import Hook
from service.transcript import Transcript

FIELDS = ("anonymize", "keep_dialect", "anonymize_dates")


class BlockingAnonymizingPipeline(FakePipeline):
    """Stays in the anonymizing step until ``log.release`` is set."""

    def run(self, path: Source, options: JobOptions, hook: Hook) -> Transcript:
        transcript = super().run(path, options, hook)
        hook("anonymizing", completed=0.0, total=1.0)
        self.log.started.set()
        if not self.log.release.wait(WAIT_SECONDS):
            raise TimeoutError("the test never released the blocking pipeline")
        hook("anonymizing", completed=1.0, total=1.0)
        return transcript


def test_anonymisation_fields_reach_the_pipeline_and_the_job_record(
    client: TestClient, auth: dict[str, str], pipeline_log: PipelineLog
) -> None:
    response = upload(client, auth, anonymize="no", keep_dialect="ON", anonymize_dates=" 1 ")
    assert response.status_code == 202, response.text
    expected = {"anonymize": False, "keep_dialect": True, "anonymize_dates": True}
    assert {key: response.json()[key] for key in FIELDS} == expected
    done = wait_status(client, auth, response.json()["id"], "ready_for_review")
    assert {key: done[key] for key in FIELDS} == expected
    listed = client.get(API, headers=auth).json()["jobs"][0]
    assert {key: listed[key] for key in FIELDS} == expected
    [(_, options)] = pipeline_log.runs
    assert options == JobOptions(anonymize=False, keep_dialect=True, anonymize_dates=True)


def test_without_anonymisation_fields_the_service_decides(
    client: TestClient, auth: dict[str, str], pipeline_log: PipelineLog
) -> None:
    job = upload(client, auth, anonymize="", keep_dialect="").json()
    assert {key: job[key] for key in FIELDS} == {
        "anonymize": None,
        "keep_dialect": False,
        "anonymize_dates": False,
    }
    wait_status(client, auth, job["id"], "ready_for_review")
    assert pipeline_log.runs[0][1] == JobOptions()


@pytest.mark.parametrize("field", FIELDS)
def test_bad_anonymisation_fields_are_refused_and_leave_nothing(
    client: TestClient,
    auth: dict[str, str],
    pipeline_log: PipelineLog,
    field: str,
) -> None:
    response = upload(client, auth, **{field: "kanskje"})
    assert response.status_code == 422, response.text
    message = MESSAGES["options.bad_flag"]["nb"].format(field=field)
    assert response.json() == {"code": "options.bad_flag", "message": message}
    english = upload(client, {**auth, "Accept-Language": "en"}, **{field: "maybe"})
    assert english.json()["message"] == MESSAGES["options.bad_flag"]["en"].format(field=field)
    assert_nothing_stored(client)
    assert client.get(API, headers=auth).json()["jobs"] == []
    assert pipeline_log.runs == []


def test_anonymizing_is_a_visible_step(start_app: AppFactory, pipeline_log: PipelineLog) -> None:
    client = start_app(pipeline=BlockingAnonymizingPipeline)
    auth = bearer(new_token(client))
    job_id = upload(client, auth, diarize="false").json()["id"]
    assert pipeline_log.started.wait(5)
    job = wait_for(
        lambda: (
            (j := client.get(f"{API}/{job_id}", headers=auth).json())["status"] == "anonymizing"
            and j
        )
    )
    assert job["step"] == "anonymizing"
    assert job["progress"] == pytest.approx(0.95)
    assert client.get(f"{API}/{job_id}/transcript", headers=auth).status_code == 409
    pipeline_log.release.set()
    assert wait_status(client, auth, job_id, "ready_for_review")["progress"] == 1.0


def test_openapi_describes_the_anonymisation_fields(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    post = spec["paths"][API]["post"]
    properties = post["requestBody"]["content"]["multipart/form-data"]["schema"]["properties"]
    for field in FIELDS:
        assert properties[field]["type"] == "boolean" and properties[field]["description"]
    assert "INTERVJU_ANONYMIZATION__ENABLED" in properties["anonymize"]["description"]
    assert "anonymize" in post["responses"]["422"]["description"]
    job = spec["components"]["schemas"]["JobPublic"]
    assert set(FIELDS) <= set(job["properties"]) and set(FIELDS) <= set(job["required"])
    assert "anonymizing" in spec["components"]["schemas"]["JobStatus"]["enum"]
