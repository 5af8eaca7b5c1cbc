"""GET /api/v1/jobs/{id}/transcript with layout and originals, POST …/export with a codebook:
the job's project and informant code in the file, originals only on request during review."""

from __future__ import annotations

import zipfile
from io import BytesIO
from typing import Any

import pytest
from docx import Document
from fastapi.testclient import TestClient
from lxml import etree

from service.exporters.codebook import SCHEMAS
from service.i18n import MESSAGES
from service.jobs import PipelineOutput
from service.options import JobOptions
from service.progress import Hook
from tests.api.api_helpers import (
    API,
    AppFactory,
    FakePipeline,
    Source,
    app_state,
    bearer,
    upload,
    wait_status,
)
from tests.exporters.interview import ORIGINALS, STORED_ORIGINALS, anonymised_interview
from tests.exporters.test_qdpx import CODEBOOK, GUIDE_CODES

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class InterviewPipeline(FakePipeline):
    """Returns the anonymised two-speaker interview and what its tags replaced."""

    def process(self, source: Source, options: JobOptions, hook: Hook) -> PipelineOutput:
        self.run(source, options, hook)
        return PipelineOutput(anonymised_interview(), STORED_ORIGINALS)


@pytest.fixture
def in_review(start_app: AppFactory) -> tuple[TestClient, dict[str, str], str]:
    """A client, Kari's token and her job in review in the project «Hjemmetjenesten»."""
    client = start_app(pipeline=InterviewPipeline)
    _, token = app_state(client).tokens.create("kari-token", user="kari")
    auth = bearer(token)
    project = client.post("/api/v1/projects", headers=auth, json={"name": "Hjemmetjenesten"})
    assert project.status_code == 201, project.text
    job = upload(client, auth, project=project.json()["id"], informant_code="I03").json()
    wait_status(client, auth, job["id"], "ready_for_review")
    return client, auth, job["id"]


def export(client: TestClient, auth: dict[str, str], job_id: str, **params: Any) -> Any:
    return client.get(f"{API}/{job_id}/transcript", params=params, headers=auth)


def docx_text(data: bytes) -> str:
    with zipfile.ZipFile(BytesIO(data)) as archive:
        return "".join(
            archive.read(n).decode("utf-8") for n in archive.namelist() if n.endswith(".xml")
        )


def test_docx_with_project_informant_code_and_line_numbers(in_review: Any) -> None:
    client, auth, job_id = in_review
    response = export(client, auth, job_id, format="docx", line_numbers="true")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == DOCX
    assert response.headers["content-disposition"] == f'attachment; filename="{job_id}.docx"'
    assert response.headers["cache-control"] == "no-store"
    document = Document(BytesIO(response.content))
    header = document.sections[0].header.paragraphs[0].text
    assert header.startswith("Prosjekt: Hjemmetjenesten · Informant: I03 · Eksportert: ")
    assert "w:lnNumType" in docx_text(response.content)
    assert not any(original in docx_text(response.content) for original in ORIGINALS)

    english = client.get(
        f"{API}/{job_id}/transcript", params={"format": "docx"},
        headers={**auth, "Accept-Language": "en"},
    )  # fmt: skip
    assert (
        Document(BytesIO(english.content))
        .sections[0]
        .header.paragraphs[0]
        .text.startswith("Project: Hjemmetjenesten · Informant: I03 · Exported: ")
    )
    assert "w:lnNumType" not in docx_text(english.content)


def test_text_formats_and_their_layout(in_review: Any) -> None:
    client, auth, job_id = in_review
    timed = export(client, auth, job_id, format="txt").text
    assert timed.startswith("[00:00:00] Intervjuer: Hvor jobber du nå?")
    untimed = export(client, auth, job_id, format="txt", timestamps="false", line_numbers="true")
    assert untimed.text.startswith("   1  Intervjuer: Hvor jobber du nå?\n\n   2  Informant: ")
    maxqda = export(client, auth, job_id, format="maxqda")
    assert maxqda.headers["content-disposition"] == (f'attachment; filename="{job_id}-maxqda.txt"')
    assert maxqda.text.startswith("#00:00:00-5# Intervjuer: Hvor jobber du nå?\n\n")
    vtt = export(client, auth, job_id, format="vtt")
    assert vtt.headers["content-type"].startswith("text/vtt")
    assert "<v Informant>" in vtt.text
    for name in ("txt", "maxqda", "nvivo", "srt", "vtt", "json"):
        body = export(client, auth, job_id, format=name).text
        assert not any(original in body for original in ORIGINALS), name


def test_originals_only_when_asked_and_only_in_review(
    in_review: Any, start_app: AppFactory
) -> None:
    client, auth, job_id = in_review
    asked = export(client, auth, job_id, format="docx", originals="true")
    assert asked.status_code == 200
    table = Document(BytesIO(asked.content)).tables[0]
    assert [c.text for c in table.rows[2].cells] == ["[navn 1]", "Kari Nordmann"]
    assert "Tromsø" in docx_text(asked.content)

    _, other = app_state(client).tokens.create("ola-token", user="ola")
    hidden = export(client, bearer(other), job_id, format="docx", originals="true")
    assert hidden.status_code == 404

    verified = client.post(f"{API}/{job_id}/verify", headers=auth, json={"version": 1})
    assert verified.status_code == 200, verified.text
    refused = export(client, auth, job_id, format="docx", originals="true")
    assert refused.status_code == 409
    assert refused.json()["code"] == "job.not_in_review"
    after = export(client, auth, job_id, format="docx")
    assert after.status_code == 200
    assert not any(original in docx_text(after.content) for original in ORIGINALS)


def test_qdpx_with_a_codebook(in_review: Any) -> None:
    client, auth, job_id = in_review
    xml = {**auth, "Content-Type": "application/xml"}
    response = client.post(f"{API}/{job_id}/export", content=CODEBOOK.encode(), headers=xml)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    assert response.headers["content-disposition"] == f'attachment; filename="{job_id}.qdpx"'
    with zipfile.ZipFile(BytesIO(response.content)) as archive:
        project = etree.fromstring(archive.read("project.qde"))
    schema = etree.XMLSchema(etree.parse(str(SCHEMAS / "Project-mrt2019.xsd")))
    assert schema.validate(project), schema.error_log
    names = {c.get("name") for c in project.iter("{urn:QDA-XML:project:1.0}Code")}
    assert set(GUIDE_CODES) <= names
    assert project.get("name") == "Hjemmetjenesten"

    without = client.post(f"{API}/{job_id}/export", headers=auth)
    assert without.status_code == 200
    assert without.headers["content-type"] == "application/zip"


@pytest.mark.parametrize(
    ("params", "body", "status", "code"),
    [
        ({}, b"<not a codebook/>", 422, "export.bad_codebook"),
        ({"format": "docx"}, CODEBOOK.encode(), 422, "export.codebook_needs_qdpx"),
        ({}, b"<a>" + b" " * (6 * 1024 * 1024) + b"</a>", 413, "upload.too_large"),
        ({"format": "wpd"}, b"", 400, "export.unknown_format"),
    ],
)
def test_export_refusals(
    in_review: Any, params: dict[str, str], body: bytes, status: int, code: str
) -> None:
    client, auth, job_id = in_review
    response = client.post(
        f"{API}/{job_id}/export", params=params, content=body,
        headers={**auth, "Content-Type": "application/xml"},
    )  # fmt: skip
    assert response.status_code == status, response.text
    assert response.json()["code"] == code
    message = response.json()["message"]
    assert message and message != code
    assert message.startswith(MESSAGES[code]["nb"].split("{")[0].split("«")[0])


def test_names_xml_cannot_hold_do_not_break_the_docx_and_qdpx(
    start_app: AppFactory,
) -> None:
    """The name checks let noncharacters (U+FFFE, U+FFFF) through; the exports must cope."""
    client = start_app(pipeline=InterviewPipeline)
    _, token = app_state(client).tokens.create("kari-token", user="kari")
    auth = bearer(token)
    project = client.post("/api/v1/projects", headers=auth, json={"name": "Hjemmetjenesten\uffff"})
    assert project.status_code == 201, project.text
    job_id = upload(client, auth, project=project.json()["id"]).json()["id"]
    wait_status(client, auth, job_id, "ready_for_review")
    renamed = client.patch(
        f"{API}/{job_id}/speakers", headers=auth, json={"names": {"Informant": "Kari\ufffe"}}
    )
    assert renamed.status_code == 200, renamed.text
    for fmt in ("docx", "qdpx"):
        response = export(client, auth, job_id, format=fmt)
        assert response.status_code == 200, (fmt, response.text)
    document = Document(BytesIO(export(client, auth, job_id, format="docx").content))
    assert document.sections[0].header.paragraphs[0].text.startswith("Prosjekt: Hjemmetjenesten ·")
    assert any("] Kari: " in p.text for p in document.paragraphs)
