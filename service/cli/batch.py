"""`intervju batch`: every recording in a project folder, resumable, with a summary table."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from tqdm import tqdm

from service.batch.discover import discover
from service.batch.runner import BatchJob, Item, Outcome, Result, Runner
from service.batch.state import BatchLocked, BatchState, locked, remove_leftovers
from service.cli import transcribe as transcribe_command
from service.cli.common import load_settings
from service.cli.export_options import ExportChoice, export_options
from service.cli.job_options import JobFlags, job_flags
from service.cli.progress import ProgressBar
from service.config import Settings
from service.i18n import Lang, message
from service.jobs.worker import step_spans
from service.progress import Hook

DEFAULT_OUT = "intervju-ut"
INTERRUPTED = 130  # the shell's code for a run stopped by Ctrl-C

LABELS: dict[str, dict[str, str]] = {
    "nb": {
        "file": "fil",
        "duration": "varighet",
        "speakers": "talere",
        "status": "status",
        "recording": "opptak",
        "output": "utfil",
        "done": "ferdig",
        "skipped": "hoppet over",
        "failed": "feilet",
        "deleted": "slettet",
        "kept": "beholdt",
        "total": "totalt",
    },
    "en": {
        "file": "file",
        "duration": "duration",
        "speakers": "speakers",
        "status": "status",
        "recording": "recording",
        "output": "output",
        "done": "done",
        "skipped": "skipped",
        "failed": "failed",
        "deleted": "deleted",
        "kept": "kept",
        "total": "total",
    },
}


@click.command()
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help=f"Mappe for resultatene (standard MAPPE/{DEFAULT_OUT}) / folder for the results "
    f"(default FOLDER/{DEFAULT_OUT}).",
)
@click.option(
    "--project",
    help="Prosjektnavn i eksportene (standard: mappens navn) / project name in the exports "
    "(default: the folder's name).",
)
@export_options
@click.option("--progress/--no-progress", default=None, help="Fremdriftslinje / progress bar.")
@click.option(
    "--auto-verify",
    is_flag=True,
    help="Slett hvert opptak så snart transkripsjonen er skrevet og lest tilbake, UTEN "
    "gjennomlesing / delete each recording as soon as its transcript is written and read "
    "back, WITHOUT review.",
)
@click.option(
    "--yes", "-y", is_flag=True, help="Ikke spør om --auto-verify / do not ask about --auto-verify."
)
@job_flags
def batch(
    folder: Path,
    out: Path | None,
    project: str | None,
    export: ExportChoice,
    progress: bool | None,
    auto_verify: bool,
    yes: bool,
    flags: JobFlags,
) -> None:
    """Transkriber alle opptak i en mappe / transcribe every recording in a folder.

    Recordings already done (same content, whatever their name) are skipped, so the command
    can be run again after an interruption or when new recordings arrive. Outputs are named by
    informant code (S1.txt, S2.txt, ...); the state is kept in OUT/intervju-batch.json. Exit 1
    if any recording failed (the others are still done), 130 when interrupted.
    """
    settings = load_settings()
    lang = settings.ui_language
    options = flags.options(settings)
    out = out if out is not None else folder / DEFAULT_OUT
    if folder.resolve().is_relative_to(out.resolve()):  # every recording would be skipped
        raise click.BadParameter(message("batch.out_holds_folder", lang), param_hint="--out")
    if auto_verify:
        click.echo(message("batch.auto_verify_warning", lang), err=True)
        if not yes:
            click.confirm(message("batch.auto_verify_confirm", lang), abort=True, err=True)
    try:
        with locked(out):
            remove_leftovers(out)
            state = _load_state(settings, out, project or folder.resolve().name)
            if project is not None:
                state.project = project
            job = BatchJob(
                out=out,
                options=options,
                exporter=export.exporter,
                context=export.context(settings, project=state.project),
                audit_path=settings.storage.audit_path,
                auto_verify=auto_verify,
            )
            results = _run(settings, job, state, folder, progress)
    except BatchLocked:
        raise click.ClickException(message("batch.locked", lang, out=out)) from None
    if not results:
        click.echo(message("batch.no_recordings", lang, folder=folder), err=True)
        return
    click.echo(summary(results, folder, lang, deleted_column=auto_verify))
    if any(r.outcome is Outcome.FAILED for r in results):
        raise SystemExit(1)


def _load_state(settings: Settings, out: Path, project: str) -> BatchState:
    try:
        return BatchState.load(out, project)
    except (ValueError, KeyError, TypeError):
        raise click.ClickException(
            message("batch.bad_state", settings.ui_language, out=out)
        ) from None


def _run(
    settings: Settings, job: BatchJob, state: BatchState, folder: Path, progress: bool | None
) -> list[Result]:
    """Plan and process every recording; Ctrl-C ends with what is done and exit 130."""
    lang = settings.ui_language
    results: list[Result] = []
    try:
        pipeline = transcribe_command.make_pipeline(settings)
        runner = Runner(job, state, pipeline)
        items = runner.plan(discover(folder, skip=job.out))
        todo = sum(i.seconds or 0.0 for i in items if not i.skip and i.problem is None)
        with OverallBar(todo, lang, progress) as overall:
            for item in items:
                label = item.path.relative_to(folder).as_posix()
                if item.skip or item.problem is not None:
                    results.append(runner.run(item, overall.hook(item, None)))
                    continue
                with ProgressBar(label, lang, progress, leave=False) as bar:
                    results.append(runner.run(item, overall.hook(item, bar)))
                overall.finish(item)
    except KeyboardInterrupt:
        if results:
            click.echo(summary(results, folder, lang, deleted_column=job.auto_verify))
        click.echo(message("batch.interrupted", lang), err=True)
        sys.exit(INTERRUPTED)
    return results


class OverallBar:
    """All recordings to process as one bar over their audio seconds, with an ETA."""

    def __init__(self, total: float, lang: Lang, enabled: bool | None) -> None:
        self.bar = tqdm(
            total=total,
            desc=LABELS[lang]["total"],
            unit="s",
            disable=None if enabled is None else not enabled,  # None: only on a terminal
            bar_format="{desc}: {percentage:3.0f}%|{bar}| {n:.0f}/{total:.0f} s "
            "[{elapsed}<{remaining}]",
            position=0,
            leave=True,
        )
        self.done = 0.0
        self.spans = step_spans(diarize=True, anonymize=True)

    def hook(self, item: Item, file_bar: ProgressBar | None) -> Hook:
        """The pipeline's hook for ``item``: moves its own bar and the overall one."""
        seconds = item.seconds or 0.0

        def hook(step: str, *, completed: float | None = None, total: float | None = None) -> None:
            if file_bar is not None:
                file_bar(step, completed=completed, total=total)
            if step in self.spans and total:
                start, end = self.spans[step]
                share = start + (end - start) * min(1.0, (completed or 0.0) / total)
                self.bar.n = self.done + seconds * share
                self.bar.refresh()

        return hook

    def finish(self, item: Item) -> None:
        self.done += item.seconds or 0.0
        self.bar.n = self.done
        self.bar.refresh()

    def __enter__(self) -> OverallBar:
        return self

    def __exit__(self, *exc: object) -> None:
        self.bar.close()


def summary(results: list[Result], folder: Path, lang: Lang, *, deleted_column: bool) -> str:
    """The table printed at the end: one row per recording, then the errors."""
    labels = LABELS[lang]
    header = ["file", "duration", "speakers", "status"]
    header += ["recording"] if deleted_column else []
    rows = [[labels[h] for h in [*header, "output"]]]
    for r in results:
        row = [
            r.item.path.relative_to(folder).as_posix(),
            _duration(r.seconds if r.seconds is not None else r.item.seconds),
            str(r.speakers) if r.speakers else "–",
            labels[r.outcome.value],
        ]
        if deleted_column:
            row.append(labels["deleted"] if r.deleted else labels["kept"])
        rows.append([*row, r.output or "–"])
    widths = [max(len(row[c]) for row in rows) for c in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
             for row in rows]  # fmt: skip
    lines.insert(1, "  ".join("-" * w for w in widths))
    for r in results:
        if r.error is not None:
            lines.append(f"{r.item.path.relative_to(folder).as_posix()}: {r.error.message(lang)}")
    return "\n".join(lines)


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"
