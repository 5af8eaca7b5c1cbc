"""`intervju transcribe`'s speaker options reach the pipeline as ``JobOptions``."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import pytest
from click.testing import CliRunner, Result

from service.cli import transcribe as transcribe_module
from service.cli.main import cli
from service.config import Settings
from service.i18n import MESSAGES
from service.jobs import PipelineOutput
from service.options import JobOptions
from service.progress import Hook
from service.transcript import Transcript
from tests import factories


class FakePipeline:
    """Records what it was asked; returns a two-speaker transcript labelled as asked."""

    created: ClassVar[list[Settings]] = []
    runs: ClassVar[list[tuple[Path, JobOptions]]] = []

    def __init__(self, settings: Settings) -> None:
        self.created.append(settings)

    def process(self, path: Path, options: JobOptions, hook: Hook) -> PipelineOutput:
        return PipelineOutput(self.run(path, options, hook))

    def run(self, path: Path, options: JobOptions, hook: Hook) -> Transcript:
        from service.diarization.roles import label_roles

        self.runs.append((path, options))
        hook("decoding", completed=1.0, total=1.0)
        diarize = options.diarize is not False
        transcript = factories.make_transcript(
            [
                factories.make_segment(
                    0.0, 2.0, "Hvor jobber du?", speaker="SPEAKER_00" if diarize else None
                ),
                factories.make_segment(
                    2.0, 5.0, "På et sykehjem.", speaker="SPEAKER_01" if diarize else None
                ),
            ],
            duration=5.0,
        )
        if not diarize:
            return transcript
        return label_roles(transcript, options.interviewer, dict(options.speaker_names))


@pytest.fixture(autouse=True)
def fake_pipeline(monkeypatch: pytest.MonkeyPatch) -> type[FakePipeline]:
    FakePipeline.created, FakePipeline.runs = [], []
    monkeypatch.setattr(transcribe_module, "make_pipeline", FakePipeline)
    return FakePipeline


@pytest.fixture
def recording(tmp_path: Path) -> Path:
    path = tmp_path / "opptak.wav"
    path.write_bytes(b"RIFF")  # the fake pipeline does not read it
    return path


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["transcribe", "--no-progress", *args])


def test_speaker_options_reach_the_pipeline(recording: Path) -> None:
    result = run(
        str(recording),
        "--speakers",
        "2",
        "--min-speakers",
        "1",
        "--max-speakers",
        "3",
        "--interviewer",
        "speaker_01",
        "--speaker-names",
        "Informant=Kari",
        "--speaker-names",
        "SPEAKER_01 = Ola Nordmann",
        "--language",
        "nn",
    )
    assert result.exit_code == 0, result.output
    [(path, options)] = FakePipeline.runs
    assert path == recording
    assert options == JobOptions(
        language="nn",
        num_speakers=2,
        min_speakers=1,
        max_speakers=3,
        interviewer="SPEAKER_01",
        speaker_names=(("Informant", "Kari"), ("SPEAKER_01", "Ola Nordmann")),
    )
    # SPEAKER_01 is the interviewer, shown by name; SPEAKER_00 is the informant, Kari.
    assert result.stdout == (
        "[00:00:00] Kari: Hvor jobber du?\n\n[00:00:02] Ola Nordmann: På et sykehjem.\n"
    )


def test_without_options_the_settings_decide(recording: Path) -> None:
    result = run(str(recording))
    assert result.exit_code == 0, result.output
    [(_, options)] = FakePipeline.runs
    assert options == JobOptions()
    assert "Intervjuer: Hvor jobber du?" in result.stdout


def test_no_diarize(recording: Path) -> None:
    result = run(str(recording), "--no-diarize")
    assert result.exit_code == 0, result.output
    [(_, options)] = FakePipeline.runs
    assert options == JobOptions(diarize=False)
    assert result.stdout == "[00:00:00] Hvor jobber du?\n\n[00:00:02] På et sykehjem.\n"


def test_anonymisation_options_reach_the_pipeline(recording: Path) -> None:
    result = run(str(recording), "--no-anonymize", "--keep-dialect", "--anonymize-dates")
    assert result.exit_code == 0, result.output
    [(_, options)] = FakePipeline.runs
    assert options == JobOptions(anonymize=False, keep_dialect=True, anonymize_dates=True)


def test_anonymisation_help_is_norwegian_first() -> None:
    result = CliRunner().invoke(cli, ["transcribe", "--help"], terminal_width=200)
    help_text = " ".join(result.output.split())
    for option, norwegian in [
        ("--no-anonymize", "Ikke anonymiser"),
        ("--keep-dialect", "Behold dialekt"),
        ("--anonymize-dates", "Anonymiser også datoer"),
    ]:
        assert f"{option} {norwegian}" in help_text


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["--speakers", "12"],
            MESSAGES["diarization.speakers_out_of_range"]["nb"].format(limit=10),
        ),
        (
            ["--speakers", "3", "--max-speakers", "2"],
            MESSAGES["diarization.speakers_inconsistent"]["nb"],
        ),
        (["--interviewer", "Kari"], MESSAGES["options.bad_speaker_id"]["nb"]),
        (["--speaker-names", "Kari"], MESSAGES["cli.bad_rename"]["nb"].format(value="Kari")),
        (["--speaker-names", "=Kari"], MESSAGES["cli.bad_rename"]["nb"].format(value="=Kari")),
        (
            ["--speaker-names", "Informant=" + "K" * 101],
            MESSAGES["options.bad_names"]["nb"].format(count=20, length=100),
        ),
    ],
)
def test_bad_speaker_options_are_usage_errors(
    recording: Path, args: list[str], expected: str
) -> None:
    result = run(str(recording), *args)
    assert result.exit_code == 2, result.output
    assert expected in " ".join(result.stderr.split())
    assert FakePipeline.created == []  # refused before any model is loaded


def test_messages_follow_the_ui_language(recording: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INTERVJU_UI_LANGUAGE", "en")
    result = run(str(recording), "--interviewer", "Kari")
    assert result.exit_code == 2
    assert MESSAGES["options.bad_speaker_id"]["en"] in " ".join(result.stderr.split())
