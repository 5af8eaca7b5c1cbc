"""DOCX: what a researcher sees once LibreOffice has made a PDF of it (header, speakers, line
numbers, pause marks), and that no original name is in it unless the redaction key is asked for."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from datetime import date
from io import BytesIO
from pathlib import Path

import pytest
from docx import Document

from service.exporters import ExportContext, get_exporter
from service.transcript import Transcript
from tests.exporters.interview import ORIGINALS, anonymised_interview, redaction_key

needs_office = pytest.mark.skipif(
    shutil.which("soffice") is None or shutil.which("pdftotext") is None,
    reason="LibreOffice and poppler-utils are needed (scripts/setup.sh --dev installs them)",
)
CONTEXT = ExportContext(
    project="Hjemmetjenesten", informant_code="I03", exported_on=date(2026, 12, 3)
)


def render(transcript: Transcript, context: ExportContext) -> bytes:
    return get_exporter("docx").render(transcript, context)


def pdf_text(data: bytes, tmp_path: Path) -> str:
    """The text of the PDF LibreOffice makes of the document (with its layout)."""
    source = tmp_path / "transkripsjon.docx"
    source.write_bytes(data)
    home = tmp_path / "home"  # LibreOffice's profile, away from the real one
    home.mkdir()
    subprocess.run(
        ["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(source)],
        check=True,
        capture_output=True,
        timeout=180,
        env={"HOME": str(home), "PATH": "/usr/bin:/bin"},
    )
    pdf = tmp_path / "transkripsjon.pdf"
    result = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, timeout=60
    )
    return result.stdout.decode("utf-8")


def numbered_lines(text: str) -> list[tuple[int, str]]:
    return [(int(m[1]), m[2]) for m in re.finditer(r"(?m)^\s*(\d+)\s{2,}(\S.*)$", text)]


@needs_office
def test_the_pdf_shows_header_speakers_line_numbers_and_pauses(tmp_path: Path) -> None:
    long = anonymised_interview()
    # enough turns for a second page: the numbers go on where the first page stopped
    segments = [s.model_copy(update={"start": s.start + 30 * k, "end": s.end + 30 * k})
                for k in range(12) for s in long.segments]  # fmt: skip
    many = long.model_copy(
        update={
            "segments": tuple(s.model_copy(update={"id": i}) for i, s in enumerate(segments)),
            "source": long.source.model_copy(update={"duration": 400.0}),
        }
    )
    context = ExportContext(
        project="Hjemmetjenesten", informant_code="I03", line_numbers=True,
        exported_on=date(2026, 12, 3),
    )  # fmt: skip
    text = pdf_text(render(many, context), tmp_path)

    assert "Prosjekt: Hjemmetjenesten · Informant: I03 · Eksportert: 2026-12-03" in text
    lines = numbered_lines(text)
    numbers = [n for n, _ in lines]
    assert numbers[:3] == [1, 2, 3]
    assert numbers == list(range(1, len(numbers) + 1)), "continuous, also across pages"
    assert text.count("\f") >= 2, "more than one page"
    first = dict(lines)
    assert first[1] == "[00:00:00] Intervjuer: Hvor jobber du nå?"
    assert first[2].startswith("[00:00:04] Informant: Jeg jobber på et sykehjem i [sted 1]")
    assert any(line.endswith("(uhørbart, 2 s)") for _, line in lines)
    assert any(line.endswith("(pause, 4 s)") for _, line in lines)
    for original in ORIGINALS:
        assert original not in text


@needs_office
def test_english_headings_without_times_or_numbers(tmp_path: Path, interview: Transcript) -> None:
    context = ExportContext(
        informant_code="I03", timestamps=False, language="en", exported_on=date(2026, 12, 3)
    )
    text = pdf_text(render(interview, context), tmp_path)
    assert "Transcript – I03" in text
    assert "Informant: I03 · Exported: 2026-12-03" in text
    assert "Intervjuer: Hvor jobber du nå?" in text
    assert "(inaudible, 2 s)" in text
    assert "[00:00" not in text
    assert numbered_lines(text) == []


def test_the_redaction_key_only_when_asked(interview: Transcript) -> None:
    without = Document(BytesIO(render(interview, CONTEXT)))
    assert without.tables == []
    with_key = Document(BytesIO(render(interview, ExportContext(originals=redaction_key()))))
    rows = [[cell.text for cell in row.cells] for row in with_key.tables[0].rows]
    assert rows == [["Merke", "Opprinnelig"], ["[sted 1]", "Tromsø"], ["[navn 1]", "Kari Nordmann"]]


def test_no_original_in_any_part_of_the_file(interview: Transcript) -> None:
    with zipfile.ZipFile(BytesIO(render(interview, CONTEXT))) as archive:
        content = b"".join(archive.read(name) for name in archive.namelist())
    for original in ORIGINALS:
        assert original.encode("utf-8") not in content
    assert b"w:lnNumType" not in content  # no line numbers unless asked


def test_line_numbering_is_continuous_in_the_section(interview: Transcript) -> None:
    document = Document(BytesIO(render(interview, ExportContext(line_numbers=True))))
    numbering = document.sections[0]._sectPr.find(
        "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}lnNumType"
    )
    assert numbering is not None
    attributes = {key.split("}")[1]: value for key, value in numbering.attrib.items()}
    assert attributes["restart"] == "continuous" and attributes["countBy"] == "1"


def test_a4_pages(interview: Transcript) -> None:
    section = Document(BytesIO(render(interview, CONTEXT))).sections[0]
    assert (section.page_width.mm, section.page_height.mm) == (
        pytest.approx(210, abs=0.5),
        pytest.approx(297, abs=0.5),
    )  # type: ignore[union-attr]
