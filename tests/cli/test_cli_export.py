"""`intervju transcribe`'s export options: docx and qdpx written with --out, never echoed to a
terminal, the layout flags and a codebook reaching the exporter."""

from __future__ import annotations

import zipfile
from io import BytesIO
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from docx import Document

from service.cli import export_options
from service.cli import transcribe as transcribe_module
from service.cli.main import cli
from service.config import Settings
from service.i18n import MESSAGES
from service.jobs import PipelineOutput
from service.options import JobOptions
from service.progress import Hook
from tests.exporters.interview import ORIGINALS, STORED_ORIGINALS, anonymised_interview
from tests.exporters.test_qdpx import CODEBOOK, GUIDE_CODES


class InterviewPipeline:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def process(self, path: Path, options: JobOptions, hook: Hook) -> PipelineOutput:
        return PipelineOutput(anonymised_interview(), STORED_ORIGINALS)


@pytest.fixture(autouse=True)
def fake_pipeline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(transcribe_module, "make_pipeline", InterviewPipeline)


@pytest.fixture
def recording(tmp_path: Path) -> Path:
    path = tmp_path / "Intervju med Kari.wav"
    path.write_bytes(b"RIFF")  # the fake pipeline does not read it
    return path


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["transcribe", "--no-progress", *args])


def test_docx_with_out_and_line_numbers(recording: Path, tmp_path: Path) -> None:
    out = tmp_path / "ut"
    result = run(str(recording), "--format", "docx", "--out", str(out), "--line-numbers")
    assert result.exit_code == 0, result.output
    target = out / "Intervju med Kari.docx"
    assert target.is_file()
    document = Document(str(target))
    texts = [p.text for p in document.paragraphs]
    assert "[00:00:00] Intervjuer: Hvor jobber du nå?" in texts
    assert document.sections[0]._sectPr.xpath("./w:lnNumType")
    with zipfile.ZipFile(target) as archive:
        content = b"".join(archive.read(n) for n in archive.namelist() if n.endswith(".xml"))
    assert not any(original.encode() in content for original in ORIGINALS)


def test_no_timestamps(recording: Path) -> None:
    result = run(str(recording), "--format", "txt", "--no-timestamps")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Intervjuer: Hvor jobber du nå?\n\n")


@pytest.mark.parametrize("language", ["nb", "en"])
def test_binary_formats_are_not_written_to_a_terminal(
    recording: Path, monkeypatch: pytest.MonkeyPatch, language: str
) -> None:
    monkeypatch.setenv("INTERVJU_UI_LANGUAGE", language)
    monkeypatch.setattr(export_options, "stdout_is_terminal", lambda: True)
    result = run(str(recording), "--format", "docx")
    assert result.exit_code == 2
    expected = MESSAGES["export.binary_needs_out"][language].format(name="docx")  # type: ignore[index]
    assert expected in " ".join(result.output.split())


def test_binary_formats_go_to_a_pipe(recording: Path) -> None:
    result = run(str(recording), "--format", "docx")
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes.startswith(b"PK")
    Document(BytesIO(result.stdout_bytes))  # a whole document


def test_qdpx_with_a_codebook(recording: Path, tmp_path: Path) -> None:
    codebook = tmp_path / "guide.qdc"
    codebook.write_text(CODEBOOK, encoding="utf-8")
    out = tmp_path / "ut"
    result = run(str(recording), "--format", "qdpx", "--codebook", str(codebook), "--out", str(out))
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out / "Intervju med Kari.qdpx") as archive:
        project = archive.read("project.qde").decode("utf-8")
    assert all(f'name="{code}"' in project for code in GUIDE_CODES)


def test_a_codebook_only_with_qdpx(recording: Path, tmp_path: Path) -> None:
    codebook = tmp_path / "guide.qdc"
    codebook.write_text(CODEBOOK, encoding="utf-8")
    result = run(str(recording), "--format", "docx", "--codebook", str(codebook))
    assert result.exit_code == 2
    assert MESSAGES["export.codebook_needs_qdpx"]["nb"] in " ".join(result.output.split())


def test_a_bad_codebook_is_reported(recording: Path, tmp_path: Path) -> None:
    codebook = tmp_path / "guide.qdc"
    codebook.write_text("ikke en kodebok", encoding="utf-8")
    out = tmp_path / "ut"
    result = run(str(recording), "--format", "qdpx", "--codebook", str(codebook), "--out", str(out))
    assert result.exit_code == 2
    assert "Kodeboken kunne ikke leses" in " ".join(result.output.split())
    assert not out.exists(), "refused before any work"


def test_recordings_with_the_same_name_keep_their_own_outputs(tmp_path: Path) -> None:
    """Two folders' «Intervju.wav» (or Intervju.mp3 and Intervju.m4a) into one --out folder."""
    paths = [
        tmp_path / "a" / "Intervju.wav",
        tmp_path / "b" / "Intervju.wav",
        tmp_path / "Intervju.mp3",
    ]
    for path in paths:
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(b"RIFF")
    out = tmp_path / "ut"
    result = run(*map(str, paths), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "Intervju-2.txt",
        "Intervju-3.txt",
        "Intervju.txt",
    ]
