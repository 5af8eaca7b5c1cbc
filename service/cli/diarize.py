"""`intervju diarize`: who speaks when, without speech recognition (RTTM or JSON).

Also the speaker-count options that `intervju transcribe` shares.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from service.cli.common import fail, load_settings
from service.cli.progress import ProgressBar
from service.config import Settings
from service.diarization.base import Diarization, Diarizer, SpeakerHints, load_backend
from service.errors import IntervjuError
from service.exporters.rttm import URI
from service.i18n import message
from service.progress import Hook

F = TypeVar("F", bound=Callable[..., Any])


def speaker_count_options(command: F) -> F:
    """``--speakers``, ``--min-speakers``, ``--max-speakers`` (checked by ``speaker_hints``)."""
    options = [
        click.option(
            "--speakers", type=int, metavar="N", help="Exact number of speakers, when known."
        ),
        click.option("--min-speakers", type=int, metavar="N", help="At least this many speakers."),
        click.option(
            "--max-speakers",
            type=int,
            metavar="N",
            help="At most this many speakers (default: INTERVJU_DIARIZATION__MAX_SPEAKERS).",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def speaker_hints(
    settings: Settings, speakers: int | None, low: int | None, high: int | None
) -> SpeakerHints:
    """The counts as hints, or a usage error in the user's language."""
    try:
        return SpeakerHints(speakers, low, high)
    except IntervjuError as exc:
        raise click.UsageError(exc.message(settings.ui_language)) from None


@click.command()
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@speaker_count_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["rttm", "json"]),
    default="rttm",
    show_default=True,
    help="NIST RTTM, or JSON with speakers, turns, overlapping speech and duration.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for <name>.rttm or <name>.json (needed for several files; else stdout).",
)
@click.option(
    "--progress/--no-progress", default=None, help="Progress on stderr (default: on a terminal)."
)
def diarize(
    files: tuple[Path, ...],
    speakers: int | None,
    min_speakers: int | None,
    max_speakers: int | None,
    fmt: str,
    out: Path | None,
    progress: bool | None,
) -> None:
    """Finn hvem som snakker når / find who speaks when, without transcribing.

    Uses the configured backend (INTERVJU_DIARIZATION__BACKEND). Speakers are labelled
    SPEAKER_00, SPEAKER_01, ... in order of first appearance. A file that cannot be read is
    reported and the others still run (exit 1 if any failed).
    """
    settings = load_settings()
    lang = settings.ui_language
    hints = speaker_hints(settings, speakers, min_speakers, max_speakers)
    if out is None and len(files) > 1:
        raise click.UsageError(message("cli.out_required", lang))
    try:
        diarizer = load_backend(settings.diarization.backend, settings)
    except IntervjuError as exc:
        raise fail(settings, exc) from None
    failures = 0
    for path in files:
        try:
            with ProgressBar(path.name, lang, progress) as bar:
                result, duration = diarize_file(diarizer, path, hints, bar)
        except IntervjuError as exc:
            failures += 1
            click.echo(f"{path.name}: {exc.message(lang)}", err=True)
            continue
        text = render_json(result, duration) if fmt == "json" else render_rttm(result)
        if out is None:
            click.echo(text, nl=False)
        else:
            out.mkdir(parents=True, exist_ok=True)
            target = out / f"{path.stem}.{fmt}"
            target.write_text(text, encoding="utf-8")
            click.echo(f"{path.name} -> {target}", err=True)
    if failures:
        raise SystemExit(1)


def diarize_file(
    diarizer: Diarizer, path: Path, hints: SpeakerHints, hook: Hook
) -> tuple[Diarization, float]:
    """Decode ``path`` and find its speakers; returns the result and the duration (seconds)."""
    from service.audio import decode_audio, probe_audio

    hook("decoding", completed=0.0, total=1.0)
    info = probe_audio(path)
    audio = decode_audio(path, info)
    hook("decoding", completed=1.0, total=1.0)
    hook("diarizing", completed=0.0, total=1.0)
    result = diarizer(audio.samples, hints, hook)
    hook("diarizing", completed=1.0, total=1.0)
    return result, info.duration


def render_rttm(result: Diarization) -> str:
    """One ``SPEAKER`` line per turn. The recording is called ``URI``, never by its file name
    (names of files often name people)."""
    return "".join(
        f"SPEAKER {URI} 1 {segment.start:.3f} {segment.duration:.3f} <NA> <NA> {label} <NA> <NA>\n"
        for segment, _, label in result.turns.itertracks(yield_label=True)
    )


def render_json(result: Diarization, duration: float) -> str:
    document = {
        "speakers": result.speakers,
        "turns": [
            {"start": round(seg.start, 3), "end": round(seg.end, 3), "speaker": str(label)}
            for seg, _, label in result.turns.itertracks(yield_label=True)
        ],
        "overlap": [
            {"start": round(seg.start, 3), "end": round(seg.end, 3)}
            for seg in result.overlap.support()
        ],
        "duration": round(duration, 3),
    }
    return json.dumps(document, indent=2) + "\n"
