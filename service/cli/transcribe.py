"""`intervju transcribe` and `intervju schema`."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING

import click

from service.cli.common import load_settings
from service.cli.export_options import ExportChoice, check_output, export_options, write_export
from service.cli.job_options import JobFlags, job_flags
from service.cli.progress import ProgressBar
from service.config import Settings
from service.errors import IntervjuError
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
@click.option("--progress/--no-progress", default=None, help="Fremdriftslinje / progress bar.")
@job_flags
def transcribe(
    files: tuple[Path, ...],
    export: ExportChoice,
    out: Path | None,
    progress: bool | None,
    flags: JobFlags,
) -> None:
    """Transkriber opptak / transcribe recordings (MP3, WMA, WAV, M4A, MP4, DSS, ...)."""
    settings = load_settings()
    check_output(settings, export.exporter, out)
    options = flags.options(settings)
    pipeline = make_pipeline(settings)
    failures = 0
    stems: set[str] = set()  # the outputs of this run: a second «Intervju.wav» is «Intervju-2»
    for path in files:
        try:
            with ProgressBar(path.name, settings.ui_language, progress) as bar:
                transcript = pipeline.process(path, options, hook=bar).transcript
            data = export.exporter.render(transcript, export.context(settings))
        except IntervjuError as exc:
            failures += 1
            click.echo(f"{path.name}: {exc.message(settings.ui_language)}", err=True)
            continue
        target = write_export(export.exporter, data, out=out, stem=_unused(path.stem, stems))
        if target is not None:
            click.echo(f"{path.name} -> {target}", err=True)
    if failures:
        raise SystemExit(1)


def _unused(stem: str, used: set[str]) -> str:
    """``stem``, or ``stem-2``, ``stem-3``, ... when an earlier file of this run took it."""
    candidate, number = stem, 1
    while candidate in used:
        number += 1
        candidate = f"{stem}-{number}"
    used.add(candidate)
    return candidate


def make_pipeline(settings: Settings) -> PipelineLike:
    """The real pipeline (tests put a fake here)."""
    from service.pipeline import Pipeline  # heavy: import when needed

    return Pipeline(settings)


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
