"""`intervju transcribe` and `intervju schema`."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import click

from service.cli.common import load_settings
from service.cli.progress import ProgressBar
from service.errors import IntervjuError
from service.exporters import exporter_names, get_exporter
from service.transcript import SCHEMA_VERSION, transcript_json_schema

logger = logging.getLogger(__name__)

SCHEMA_PATH = (
    Path(__file__).resolve().parent.parent / "schemas" / f"transcript-{SCHEMA_VERSION}.json"
)


@click.command()
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(exporter_names()),
    default="txt",
    show_default=True,
    help="Utformat / output format.",
)
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
def transcribe(
    files: tuple[Path, ...],
    fmt: str,
    out: Path | None,
    language: str | None,
    model: str | None,
    progress: bool | None,
) -> None:
    """Transkriber opptak / transcribe recordings (MP3, WMA, WAV, M4A, MP4, DSS, ...)."""
    from service.pipeline import JobOptions, Pipeline  # heavy: import when needed

    settings = load_settings()
    exporter = get_exporter(fmt)
    pipeline = Pipeline(settings)
    options = JobOptions(language=language, model=model)  # type: ignore[arg-type]
    failures = 0
    for path in files:
        try:
            with ProgressBar(path.name, settings.ui_language, progress) as bar:
                transcript = pipeline.run(path, options, hook=bar)
        except IntervjuError as exc:
            failures += 1
            click.echo(f"{path.name}: {exc.message(settings.ui_language)}", err=True)
            continue
        data = exporter.render(transcript)
        if out is None:
            click.echo(data.decode("utf-8"), nl=False)
        else:
            out.mkdir(parents=True, exist_ok=True)
            target = out / f"{path.stem}.{exporter.extension}"
            target.write_bytes(data)
            click.echo(f"{path.name} -> {target}", err=True)
    if failures:
        raise SystemExit(1)


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
