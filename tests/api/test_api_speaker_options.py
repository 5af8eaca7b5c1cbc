"""Upload form fields for diarisation: good values reach the pipeline and the job record, bad
ones are refused (in the reader's language) before the recording is kept."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import cast

import pytest
from api_helpers import (
    API,
    AppFactory,
    BlockingDiarizingPipeline,
    BlockingPipeline,
    DiarizingPipeline,
    PipelineLog,
    RecordingStore,
    assert_nothing_stored,
    bearer,
    new_token,
    upload,
    wait_for,
    wait_status,
)
from fastapi.testclient import TestClient
from test_api_uploads import BOUNDARY, multipart_headers, stream_post

from service.i18n import MESSAGES
from service.jobs import JobStatus, JobStore
from service.jobs.worker import DIARIZED_STEP_SPANS, ProgressHook
from service.options import JobOptions

MiB = 1024 * 1024


def test_speaker_fields_reach_the_pipeline_and_the_job_record(
    client: TestClient, auth: dict[str, str], pipeline_log: PipelineLog
) -> None:
    names = {"Informant": "Kari", "SPEAKER_00": "Ola"}
    response = upload(
        client,
        auth,
        speakers="2",
        min_speakers="1",
        max_speakers=" 3 ",
        diarize="True",
        interviewer="speaker_01",
        speaker_names=json.dumps(names),
    )
    assert response.status_code == 202, response.text
    job = response.json()
    expected = {
        "diarize": True,
        "speakers": 2,
        "min_speakers": 1,
        "max_speakers": 3,
        "interviewer": "SPEAKER_01",
        "speaker_names": names,
    }
    assert {key: job[key] for key in expected} == expected
    done = wait_status(client, auth, job["id"], "ready_for_review")
    assert {key: done[key] for key in expected} == expected
    [(_, options)] = pipeline_log.runs
    assert options == JobOptions(
        diarize=True,
        num_speakers=2,
        min_speakers=1,
        max_speakers=3,
        interviewer="SPEAKER_01",
        speaker_names=(("Informant", "Kari"), ("SPEAKER_00", "Ola")),
    )


def test_without_speaker_fields_everything_is_the_services_choice(
    client: TestClient, auth: dict[str, str], pipeline_log: PipelineLog
) -> None:
    job = upload(client, auth, speakers="", speaker_names="").json()
    assert job["diarize"] is None and job["speakers"] is None and job["speaker_names"] == {}
    wait_status(client, auth, job["id"], "ready_for_review")
    [(_, options)] = pipeline_log.runs
    assert options == JobOptions()


def test_diarize_false_reaches_the_pipeline(
    client: TestClient, auth: dict[str, str], pipeline_log: PipelineLog
) -> None:
    job = upload(client, auth, diarize="false").json()
    assert job["diarize"] is False
    wait_status(client, auth, job["id"], "ready_for_review")
    assert pipeline_log.runs[0][1].diarize is False


BAD_FIELDS = [
    ({"speakers": "0"}, "options.bad_count", {"field": "speakers", "limit": 10}),
    ({"speakers": "11"}, "options.bad_count", {"field": "speakers", "limit": 10}),
    ({"min_speakers": "two"}, "options.bad_count", {"field": "min_speakers", "limit": 10}),
    ({"max_speakers": "-1"}, "options.bad_count", {"field": "max_speakers", "limit": 10}),
    ({"speakers": "٣"}, "options.bad_count", {"field": "speakers", "limit": 10}),
    ({"min_speakers": "3", "max_speakers": "2"}, "diarization.speakers_inconsistent", {}),
    ({"speakers": "4", "max_speakers": "3"}, "diarization.speakers_inconsistent", {}),
    ({"diarize": "maybe"}, "options.bad_flag", {"field": "diarize"}),
    ({"interviewer": "Kari"}, "options.bad_speaker_id", {}),
    ({"interviewer": "SPEAKER_1"}, "options.bad_speaker_id", {}),
    ({"speaker_names": "Informant=Kari"}, "options.bad_names", {"count": 20, "length": 100}),
    ({"speaker_names": '["Kari"]'}, "options.bad_names", {"count": 20, "length": 100}),
    ({"speaker_names": '{"Informant": 5}'}, "options.bad_names", {"count": 20, "length": 100}),
    ({"speaker_names": '{"": "Kari"}'}, "options.bad_names", {"count": 20, "length": 100}),
    ({"speaker_names": '{"A": "Kari\\u202e"}'}, "options.bad_names", {"count": 20, "length": 100}),
    (
        {"speaker_names": json.dumps({"Informant": "K" * 101})},
        "options.bad_names",
        {"count": 20, "length": 100},
    ),
    (
        {"speaker_names": json.dumps({f"Informant {n}": "K" for n in range(21)})},
        "options.bad_names",
        {"count": 20, "length": 100},
    ),
    (
        {"speaker_names": json.dumps({"x": "K" * 5000})},
        "upload.bad_field",
        {"field": "speaker_names"},
    ),
    ({"speakers": "1" * 300}, "upload.bad_field", {"field": "speakers"}),
]


@pytest.mark.parametrize(("fields", "code", "params"), BAD_FIELDS)
def test_bad_speaker_fields_are_refused_and_leave_nothing(
    client: TestClient,
    auth: dict[str, str],
    pipeline_log: PipelineLog,
    fields: dict[str, str],
    code: str,
    params: dict[str, object],
) -> None:
    response = upload(client, auth, **fields)
    assert response.status_code == 422, response.text
    assert response.json() == {"code": code, "message": MESSAGES[code]["nb"].format(**params)}
    english = upload(client, {**auth, "Accept-Language": "en"}, **fields)
    assert english.json()["message"] == MESSAGES[code]["en"].format(**params)
    assert_nothing_stored(client)
    assert client.get(API, headers=auth).json()["jobs"] == []
    assert pipeline_log.runs == []


def _fields_then_file(fields: dict[str, str], size: int) -> Iterator[bytes]:
    for name, value in fields.items():
        yield (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        ).encode()
    yield (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a.wav"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    for start in range(0, size, 64 * 1024):
        yield b"\x01" * min(64 * 1024, size - start)
    yield f"\r\n--{BOUNDARY}--\r\n".encode()


def test_a_bad_field_sent_first_is_refused_before_the_recording_is_read(
    client: TestClient, auth: dict[str, str]
) -> None:
    chunks = list(_fields_then_file({"language": "no", "speakers": "zero"}, 4 * MiB))
    response, pulled = stream_post(client, chunks, multipart_headers(auth))
    assert response.status_code == 422
    assert response.json()["code"] == "options.bad_count"
    assert pulled < 5  # the two fields and a chunk or two, not 64 chunks of recording
    assert_nothing_stored(client)

    good = list(_fields_then_file({"speakers": "2", "diarize": "false"}, MiB))
    response, pulled = stream_post(client, good, multipart_headers(auth))
    assert response.status_code == 202, response.text
    assert pulled == len(good)
    assert (response.json()["speakers"], response.json()["diarize"]) == (2, False)


def test_openapi_describes_the_speaker_fields(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    post = spec["paths"][API]["post"]
    properties = post["requestBody"]["content"]["multipart/form-data"]["schema"]["properties"]
    assert set(properties) == {
        "file",
        "language",
        "model",
        "diarize",
        "speakers",
        "min_speakers",
        "max_speakers",
        "interviewer",
        "speaker_names",
        "anonymize",
        "keep_dialect",
        "anonymize_dates",
        "project",
        "informant_code",
    }
    assert properties["speakers"]["maximum"] == 10
    assert all(prop.get("description") for prop in properties.values())
    assert post["responses"]["422"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/ErrorPublic"
    )
    job = spec["components"]["schemas"]["JobPublic"]["properties"]
    assert {"diarize", "speakers", "min_speakers", "max_speakers", "interviewer"} <= set(job)
    assert "diarizing" in spec["components"]["schemas"]["JobStatus"]["enum"]


def test_diarizing_is_a_visible_step(start_app: AppFactory, pipeline_log: PipelineLog) -> None:
    client = start_app(pipeline=BlockingDiarizingPipeline)
    auth = bearer(new_token(client))
    job_id = upload(client, auth).json()["id"]
    assert pipeline_log.started.wait(5)
    job = wait_for(
        lambda: (
            (j := client.get(f"{API}/{job_id}", headers=auth).json())["status"] == "diarizing" and j
        )
    )
    assert job["step"] == "diarizing"
    assert 0.85 <= job["progress"] < 1.0
    assert client.get(f"{API}/{job_id}/transcript", headers=auth).status_code == 409
    pipeline_log.release.set()
    assert wait_status(client, auth, job_id, "ready_for_review")["progress"] == 1.0


def test_diarized_job_gets_speaker_names_in_every_export(
    start_app: AppFactory, pipeline_log: PipelineLog
) -> None:
    client = start_app(pipeline=DiarizingPipeline)
    auth = bearer(new_token(client))
    job_id = upload(client, auth, speaker_names='{"Informant": "Kari"}').json()["id"]
    wait_status(client, auth, job_id, "ready_for_review")
    text = client.get(f"{API}/{job_id}/transcript", params={"format": "txt"}, headers=auth).text
    assert "Intervjuer: Kan du fortelle" in text and "Kari: Jeg jobber" in text


@pytest.mark.parametrize(
    ("fields", "low", "high"),
    [
        ({}, 0.83, 0.85),  # the settings: diarise and anonymise after transcribing
        ({"diarize": "false"}, 0.93, 0.95),  # anonymise only
        ({"anonymize": "false"}, 0.83, 0.85),  # diarise, then still write bokmål
        ({"anonymize": "false", "keep_dialect": "true"}, 0.88, 0.9),  # diarise only
        ({"diarize": "false", "anonymize": "false", "keep_dialect": "true"}, 0.98, 1.0),
    ],
)
def test_progress_leaves_room_for_the_steps_that_run(
    start_app: AppFactory,
    pipeline_log: PipelineLog,
    fields: dict[str, str],
    low: float,
    high: float,
) -> None:
    client = start_app(pipeline=BlockingPipeline)
    auth = bearer(new_token(client))
    job_id = upload(client, auth, **fields).json()["id"]

    def check() -> float | None:
        job = client.get(f"{API}/{job_id}", headers=auth).json()
        assert job["status"] == "transcribing" or job["progress"] < low
        return job["progress"] if job["progress"] > low else None

    progress: float = wait_for(check)
    assert low < progress < high
    pipeline_log.release.set()
    wait_status(client, auth, job_id, "ready_for_review")


def test_progress_hook_with_diarisation_leaves_room_for_it() -> None:
    store = RecordingStore()
    hook = ProgressHook(cast(JobStore, store), "x" * 32, threading.Event(), 0, DIARIZED_STEP_SPANS)
    hook("transcribing", completed=10.0, total=10.0)
    hook("diarizing", completed=0.0, total=1.0)
    hook("diarizing", completed=0.5, total=1.0)
    assert store.writes == [
        (JobStatus.TRANSCRIBING, "transcribing", 0.9),
        (JobStatus.DIARIZING, "diarizing", 0.9),
        (JobStatus.DIARIZING, "diarizing", 0.95),
    ]
