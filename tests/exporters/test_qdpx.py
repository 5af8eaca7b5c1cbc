"""REFI-QDA projects: every .qdpx validates against the standard's schema (also with a codebook),
its selections cover the speaker turns, cases and the role variable are there, and a project that
does not fit the schema is never returned."""

from __future__ import annotations

import zipfile
from io import BytesIO
from pathlib import Path

import pytest
from lxml import etree

from service.errors import IntervjuError
from service.exporters import ExportContext, get_exporter
from service.exporters import qdpx as qdpx_module
from service.exporters.codebook import SCHEMAS, parse_codebook
from service.exporters.qdpx import InvalidProjectError, read_project
from service.transcript import Transcript
from tests.exporters.interview import ORIGINALS, anonymised_interview

NS = {"q": "urn:QDA-XML:project:1.0"}
GUIDE_CODES = ("Arbeidshverdag", "Belastning", "Støtte fra kolleger")
CODEBOOK = """<?xml version="1.0" encoding="utf-8"?>
<CodeBook xmlns="urn:QDA-XML:codebook:1.0" origin="intervjuguide">
  <Codes>
    <Code guid="1b0f3d0e-6a34-4a56-9d7b-0d3c4b1e2a01" name="Arbeidshverdag" isCodable="true"
          color="#3366cc">
      <Description>Hva informanten gjør en vanlig dag</Description>
      <Code guid="1b0f3d0e-6a34-4a56-9d7b-0d3c4b1e2a02" name="Belastning" isCodable="true"/>
    </Code>
    <Code guid="{1B0F3D0E-6A34-4A56-9D7B-0D3C4B1E2A03}" name="Støtte fra kolleger"
          isCodable="true"/>
  </Codes>
  <Sets>
    <Set guid="1b0f3d0e-6a34-4a56-9d7b-0d3c4b1e2a04" name="Tema 1">
      <MemberCode guid="1b0f3d0e-6a34-4a56-9d7b-0d3c4b1e2a02"/>
    </Set>
  </Sets>
</CodeBook>
"""
XXE = (
    b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
    b'<CodeBook xmlns="urn:QDA-XML:codebook:1.0">&e;</CodeBook>'
)


@pytest.fixture(scope="module")
def project_schema() -> etree.XMLSchema:
    """The standard's schema, parsed here on its own (not the exporter's cached copy)."""
    return etree.XMLSchema(etree.parse(str(SCHEMAS / "Project-mrt2019.xsd")))


def render(transcript: Transcript, context: ExportContext) -> bytes:
    return get_exporter("qdpx").render(transcript, context)


def unpack(data: bytes) -> tuple[etree._Element, dict[str, str]]:
    with zipfile.ZipFile(BytesIO(data)) as archive:
        names = archive.namelist()
        assert names[0] == "project.qde"
        sources = {n: archive.read(n).decode("utf-8") for n in names if n.startswith("sources/")}
    return read_project(data), sources


def assert_valid(schema: etree.XMLSchema, project: etree._Element) -> None:
    assert schema.validate(project), schema.error_log


def test_a_project_with_cases_role_and_coded_turns(
    interview: Transcript, project_schema: etree.XMLSchema
) -> None:
    data = render(interview, ExportContext(project="Hjemmetjenesten", informant_code="I03"))
    project, sources = unpack(data)
    assert_valid(project_schema, project)
    assert project.get("name") == "Hjemmetjenesten"

    source = project.find("q:Sources/q:TextSource", NS)
    assert source is not None
    assert source.get("name") == "I03"
    path = source.get("plainTextPath")
    assert path == f"internal://{source.get('guid')}.txt"
    text = sources[f"sources/{source.get('guid')}.txt"]
    assert text.startswith("[00:00:00] Intervjuer: Hvor jobber du nå?\n\n[00:00:04] Informant: ")
    assert "(uhørbart, 2 s)" in text and "(pause, 4 s)" in text

    codes = {c.get("guid"): c.get("name") for c in project.iterfind(".//q:Code", NS)}
    assert set(codes.values()) == {"Talere", "Intervjuer", "Informant"}
    selections = source.findall("q:PlainTextSelection", NS)
    assert len(selections) == len(interview.segments)
    for selection, segment in zip(selections, interview.segments, strict=True):
        start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
        speaker = interview.speaker_name(segment.speaker)
        assert text[start:end].endswith(f"{speaker}: {segment.text}")
        code = selection.find("q:Coding/q:CodeRef", NS).get("targetGUID")  # type: ignore[union-attr]
        assert codes[code] == speaker

    variable = project.find("q:Variables/q:Variable", NS)
    assert variable is not None and variable.get("name") == "Rolle"
    cases = {c.get("name"): c for c in project.iterfind("q:Cases/q:Case", NS)}
    assert set(cases) == {"I03", "Intervjuer"}
    roles = {
        name: c.findtext("q:VariableValue/q:TextValue", namespaces=NS) for name, c in cases.items()
    }
    assert roles == {"I03": "Informant", "Intervjuer": "Intervjuer"}
    informant_turns = {
        s.get("guid") for s, seg in zip(selections, interview.segments, strict=True)
        if seg.speaker == "SPEAKER_01"
    }  # fmt: skip
    refs = {r.get("targetGUID") for r in cases["I03"].iterfind("q:SelectionRef", NS)}
    assert refs == informant_turns
    assert cases["I03"].find("q:SourceRef", NS).get("targetGUID") == source.get("guid")  # type: ignore[union-attr]
    assert cases["Intervjuer"].find("q:SourceRef", NS) is None


def test_with_a_codebook_from_the_interview_guide(
    tmp_path: Path, interview: Transcript, project_schema: etree.XMLSchema
) -> None:
    path = tmp_path / "guide.qdc"
    path.write_text(CODEBOOK, encoding="utf-8")
    for codebook in (path, CODEBOOK.encode("utf-8")):
        project, _ = unpack(render(interview, ExportContext(codebook=codebook, language="en")))
        assert_valid(project_schema, project)
        top = [c.get("name") for c in project.iterfind("q:CodeBook/q:Codes/q:Code", NS)]
        assert top == ["Arbeidshverdag", "Støtte fra kolleger", "Speakers"]
        nested = project.find("q:CodeBook/q:Codes/q:Code/q:Code", NS)
        assert nested is not None and nested.get("name") == "Belastning"
        first = project.find("q:CodeBook/q:Codes/q:Code", NS)
        assert first is not None and first.get("color") == "#3366cc"
        assert (
            first.findtext("q:Description", namespaces=NS) == "Hva informanten gjør en vanlig dag"
        )
        member = project.find("q:Sets/q:Set/q:MemberCode", NS)
        assert member is not None and member.get("targetGUID") == nested.get("guid")
        variable = project.find("q:Variables/q:Variable", NS)
        assert variable is not None and variable.get("name") == "Role"


def test_without_speakers_one_informant_case(project_schema: etree.XMLSchema) -> None:
    plain = anonymised_interview(with_speakers=False)
    project, sources = unpack(render(plain, ExportContext(informant_code="S7", timestamps=False)))
    assert_valid(project_schema, project)
    cases = project.findall("q:Cases/q:Case", NS)
    assert [c.get("name") for c in cases] == ["S7"]
    assert project.find("q:CodeBook", NS) is None
    (text,) = sources.values()
    assert text.startswith("Hvor jobber du nå?\n\nJeg jobber")
    bare, _ = unpack(render(plain, ExportContext()))
    assert_valid(project_schema, bare)
    assert bare.find("q:Cases", NS) is None


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"not xml", "not XML"),
        (b'<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes/></CodeBook>', "not valid"),
        (CODEBOOK.replace("2a02", "2a01").encode(), "twice"),
        (CODEBOOK.replace("2a02\"/>", "2a09\"/>").encode(), "set names"),
        (XXE, "DTD"),
    ],
)  # fmt: skip
def test_a_file_that_is_not_a_codebook_is_refused(content: bytes, reason: str) -> None:
    with pytest.raises(IntervjuError) as raised:
        parse_codebook(content)
    assert raised.value.key == "export.bad_codebook"
    assert reason in str(raised.value.params["reason"])


def test_a_project_that_does_not_fit_the_schema_raises(
    interview: Transcript, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(qdpx_module, "_guid", lambda: "not-a-guid")
    with pytest.raises(InvalidProjectError):
        render(interview, ExportContext())


def test_no_original_anywhere_in_the_zip(interview: Transcript) -> None:
    data = render(interview, ExportContext(informant_code="I03"))
    with zipfile.ZipFile(BytesIO(data)) as archive:
        content = "".join(archive.read(n).decode("utf-8") for n in archive.namelist())
    assert not any(original in content for original in ORIGINALS)


def test_a_huge_codebook_file_is_refused_without_reading_it_all(tmp_path: Path) -> None:
    """``--codebook`` given a disk image or /dev/zero by mistake: refused at the limit."""
    import tracemalloc

    from service.exporters.codebook import MAX_BYTES, read_codebook

    huge = tmp_path / "stor.qdc"
    with huge.open("wb") as handle:
        handle.truncate(100 * MAX_BYTES)  # sparse: nothing written to disk
    tracemalloc.start()
    try:
        with pytest.raises(IntervjuError) as raised:
            read_codebook(huge)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "MiB" in str(raised.value.params["reason"])
    assert peak < 3 * MAX_BYTES
