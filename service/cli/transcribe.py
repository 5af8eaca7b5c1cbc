"""`intervju transcribe` and `intervju schema`."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING

import click

from service.cli.common import load_settings
from service.cli.diarize import speaker_count_options, speaker_hints
from service.cli.export_options import ExportChoice, check_output, export_options, write_export
from service.cli.progress import ProgressBar
from service.config import Settings
from service.errors import IntervjuError
from service.i18n import message
from service.jobs.options import renames, speaker_id
from service.options import JobOptions
from service.transcript import SCHEMA_VERSION, transcript_json_schema

if TYPE_CHECKING:
    from service.jobs.worker import PipelineLike

logger = logging.getLogger(__name__)

SCHEMA_PATH = (
    Path(__file__).resolve().parent.parent / "schemas" / f"transcript-{SCHEMA_VERSION}.json"
)


@click.command()
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@export_options
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Mappe for resultatene (ellers standard ut) / folder for results (else stdout).",
)
@click.option(
    "--language",
    type=click.Choice(["no", "nn"]),
    help="Skriftspråk: no = bokmål, nn = nynorsk / written standard.",
)
@click.option("--model", help="Modellmappe eller navn / model directory or name.")
@click.option("--progress/--no-progress", default=None, help="Fremdriftslinje / progress bar.")
@speaker_count_options
@click.option(
    "--no-diarize",
    is_flag=True,
    help="Do not find speakers (default: INTERVJU_DIARIZATION__ENABLED).",
)
@click.option(
    "--interviewer",
    metavar="SPEAKER_ID",
    help="The speaker id (SPEAKER_01) of the interviewer, overriding the guess.",
)
@click.option(
    "--speaker-names",
    "speaker_names",
    metavar="NAME=NEW",
    multiple=True,
    help="Show a role (Intervjuer, Informant, 'Informant 2') or speaker id under another "
    "name, e.g. Informant=Kari; repeatable.",
)
@click.option(
    "--no-anonymize",
    is_flag=True,
    help="Ikke anonymiser navn, steder og pronomen / do not anonymise names, places and pronouns "
    "(default: INTERVJU_ANONYMIZATION__ENABLED).",
)
@click.option(
    "--keep-dialect",
    is_flag=True,
    help="Behold dialekt og nynorsk, ikke skriv om til bokmål / keep dialect and nynorsk "
    "instead of writing bokmål.",
)
@click.option(
    "--anonymize-dates",
    is_flag=True,
    help="Anonymiser også datoer og alder / also anonymise dates and ages.",
)
def transcribe(
    files: tuple[Path, ...],
    export: ExportChoice,
    out: Path | None,
    language: str | None,
    model: str | None,
    progress: bool | None,
    speakers: int | None,
    min_speakers: int | None,
    max_speakers: int | None,
    no_diarize: bool,
    interviewer: str | None,
    speaker_names: tuple[str, ...],
    no_anonymize: bool,
    keep_dialect: bool,
    anonymize_dates: bool,
) -> None:
    """Transkriber opptak / transcribe recordings (MP3, WMA, WAV, M4A, MP4, DSS, ...)."""
    settings = load_settings()
    check_output(settings, export.exporter, out)
    hints = speaker_hints(settings, speakers, min_speakers, max_speakers)
    options = JobOptions(
        language="nn" if language == "nn" else "no" if language == "no" else None,
        model=model,
        diarize=False if no_diarize else None,
        num_speakers=hints.num_speakers,
        min_speakers=hints.min_speakers,
        max_speakers=hints.max_speakers,
        interviewer=_interviewer(settings, interviewer),
        speaker_names=_renames(settings, speaker_names),
        anonymize=False if no_anonymize else None,
        keep_dialect=keep_dialect,
        anonymize_dates=anonymize_dates,
    )
    pipeline = make_pipeline(settings)
    failures = 0
    for path in files:
        try:
            with ProgressBar(path.name, settings.ui_language, progress) as bar:
                transcript = pipeline.process(path, options, hook=bar).transcript
        except IntervjuError as exc:
            failures += 1
            click.echo(f"{path.name}: {exc.message(settings.ui_language)}", err=True)
            continue
        data = export.exporter.render(transcript, export.context(settings))
        target = write_export(export.exporter, data, out=out, stem=path.stem)
        if target is not None:
            click.echo(f"{path.name} -> {target}", err=True)
    if failures:
        raise SystemExit(1)


def make_pipeline(settings: Settings) -> PipelineLike:
    """The real pipeline (tests put a fake here)."""
    from service.pipeline import Pipeline  # heavy: import when needed

    return Pipeline(settings)


def _interviewer(settings: Settings, raw: str | None) -> str | None:
    try:
        return None if raw is None else speaker_id(raw)
    except IntervjuError as exc:
        hint = "--interviewer"
        raise click.BadParameter(exc.message(settings.ui_language), param_hint=hint) from None


def _renames(settings: Settings, pairs: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    lang = settings.ui_language
    parsed: dict[str, str] = {}
    for pair in pairs:
        key, equals, name = pair.partition("=")
        if not equals or not key.strip():
            bad = message("cli.bad_rename", lang, value=pair)
            raise click.BadParameter(bad, param_hint="--speaker-names")
        parsed[key.strip()] = name
    try:
        return renames(parsed)
    except IntervjuError as exc:
        raise click.BadParameter(exc.message(lang), param_hint="--speaker-names") from None


@click.command()
@click.option("--write", is_flag=True, help="Skriv skjemafilen i pakken / write the schema file.")
def schema(write: bool) -> None:
    """Vis JSON-skjemaet for transkripsjoner / print the transcript JSON schema."""
    text = json.dumps(transcript_json_schema(), indent=2, ensure_ascii=False) + "\n"
    if write:
        SCHEMA_PATH.write_text(text, encoding="utf-8")
        click.echo(str(SCHEMA_PATH), err=True)
    else:
        click.echo(text, nl=False)
