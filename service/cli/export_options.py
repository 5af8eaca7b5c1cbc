"""The export options every command that writes transcripts shares (`transcribe`, `batch`).

>>> @click.command()
... @export_options
... def command(export: ExportChoice) -> None:
...     context = export.context(settings, project="Hjemmetjenesten", informant_code="I03")
...     data = export.exporter.render(transcript, context)
...     check_output(settings, export.exporter, out)  # before the slow work
...     write_export(export.exporter, data, out=out, stem="intervju")

``@export_options`` adds ``--format``, ``--line-numbers``, ``--no-timestamps`` and
``--codebook`` and hands the command one ``export`` argument instead of four.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click

from service.cli.common import load_settings
from service.config import Settings
from service.errors import IntervjuError
from service.exporters import ExportContext, Exporter, exporter_names, get_exporter
from service.exporters.codebook import read_codebook
from service.i18n import message

F = TypeVar("F", bound=Callable[..., Any])

QDPX = "qdpx"


@dataclass(frozen=True)
class ExportChoice:
    """What the user chose on the command line."""

    exporter: Exporter
    timestamps: bool = True
    line_numbers: bool = False
    codebook: Path | None = None

    def context(
        self,
        settings: Settings,
        *,
        project: str | None = None,
        informant_code: str | None = None,
    ) -> ExportContext:
        """The ExportContext for one transcript (headings in the user's language)."""
        return ExportContext(
            project=project,
            informant_code=informant_code,
            timestamps=self.timestamps,
            line_numbers=self.line_numbers,
            codebook=self.codebook,
            language=settings.ui_language,
        )


def export_options(command: F) -> F:
    """Add the export options to a click command; it receives them as ``export``."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        fmt: str = kwargs.pop("fmt")
        codebook: Path | None = kwargs.pop("codebook")
        if codebook is not None:
            _check_codebook(codebook, fmt)
        kwargs["export"] = ExportChoice(
            exporter=get_exporter(fmt),
            timestamps=not kwargs.pop("no_timestamps"),
            line_numbers=kwargs.pop("line_numbers"),
            codebook=codebook,
        )
        return command(*args, **kwargs)

    options = [
        click.option(
            "--format",
            "fmt",
            type=click.Choice(exporter_names()),
            default="txt",
            show_default=True,
            help="Utformat / output format.",
        ),
        click.option(
            "--line-numbers",
            is_flag=True,
            help="Linjenummer (docx, txt) / line numbers (docx, txt).",
        ),
        click.option(
            "--no-timestamps",
            is_flag=True,
            help="Uten tidskoder i teksten (docx, txt) / no timestamps in the text (docx, txt).",
        ),
        click.option(
            "--codebook",
            type=click.Path(exists=True, dir_okay=False, path_type=Path),
            help="REFI-QDA-kodebok (.qdc) å ta med i qdpx / REFI-QDA codebook (.qdc) for qdpx.",
        ),
    ]
    decorated: Callable[..., Any] = wrapper
    for option in reversed(options):
        decorated = option(decorated)
    return decorated  # type: ignore[return-value]


def _check_codebook(codebook: Path, fmt: str) -> None:
    """Refuse a codebook without qdpx, or a file that is not one, before the slow work."""
    language = load_settings().ui_language
    if fmt != QDPX:
        raise click.BadParameter(
            message("export.codebook_needs_qdpx", language), param_hint="--codebook"
        )
    try:
        read_codebook(codebook)
    except IntervjuError as exc:
        raise click.BadParameter(exc.message(language), param_hint="--codebook") from None


def check_output(settings: Settings, exporter: Exporter, out: Path | None) -> None:
    """Refuse to write a binary format to a terminal (call before the slow work)."""
    if exporter.binary and out is None and stdout_is_terminal():
        raise click.UsageError(
            message("export.binary_needs_out", settings.ui_language, name=exporter.name)
        )


def stdout_is_terminal() -> bool:
    return sys.stdout.isatty()


def write_export(exporter: Exporter, data: bytes, *, out: Path | None, stem: str) -> Path | None:
    """Write ``data`` to ``out/<stem>.<extension>``, or to standard output without ``out``.

    Returns the file written, or None for standard output."""
    if out is None:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return None
    out.mkdir(parents=True, exist_ok=True)
    target = out / f"{stem}.{exporter.extension}"
    target.write_bytes(data)
    return target
