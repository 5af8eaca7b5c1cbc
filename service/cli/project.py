"""`intervju project`: create, list, show and change research projects."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

import click

from service.cli.common import fail, load_settings
from service.config import Settings
from service.db import open_database
from service.errors import IntervjuError
from service.projects import ProjectRecord, ProjectStore
from service.storage import ensure_dir

_DATE = click.DateTime(formats=["%Y-%m-%d"])


@contextmanager
def project_store(settings: Settings) -> Iterator[ProjectStore]:
    """The project table of the service's database (created if missing)."""
    ensure_dir(settings.storage.data_dir)
    db = open_database(settings.db_url)
    try:
        db.upgrade()
        yield ProjectStore(db)
    finally:
        db.dispose()


@click.group()
def project() -> None:
    """Forskningsprosjekter og hvem som ser dem. / Research projects and who sees them."""


@project.command("create")
@click.argument("name")
@click.option(
    "--owner",
    required=True,
    help="Brukeren som eier prosjektet (som i `intervju token create --user`) / the user who "
    "owns the project.",
)
@click.option(
    "--end-date",
    type=_DATE,
    help="Siste dag (ÅÅÅÅ-MM-DD); lyden slettes etter den / last day (YYYY-MM-DD); audio is "
    "deleted after it.",
)
@click.option(
    "--keep-audio-after-verify",
    is_flag=True,
    help="Behold lyden etter verifisering (til sluttdatoen) / keep audio after verification "
    "(until the end date).",
)
@click.option(
    "--anonymize-dates",
    is_flag=True,
    help="Anonymiser også datoer og alder / anonymise dates and ages too.",
)
def create(
    name: str,
    owner: str,
    end_date: datetime | None,
    keep_audio_after_verify: bool,
    anonymize_dates: bool,
) -> None:
    """Lag et prosjekt; id-en skrives ut. / Create a project; its id is printed."""
    settings = load_settings()
    try:
        with project_store(settings) as projects:
            record = projects.create(
                name,
                owner,
                delete_audio_after_verify=not keep_audio_after_verify,
                end_date=None if end_date is None else end_date.date(),
                anonymize_dates=anonymize_dates,
            )
    except IntervjuError as exc:
        raise fail(settings, exc) from None
    click.echo(f"Prosjekt «{record.name}» er opprettet for «{record.owner}».", err=True)
    click.echo(record.id)


@project.command("list")
def list_projects() -> None:
    """Vis alle prosjekter. / List every project."""
    with project_store(load_settings()) as projects:
        records = projects.list_all()
    if not records:
        click.echo("Ingen prosjekter. Lag et med `intervju project create NAVN --owner BRUKER`.")
        return
    click.echo(f"{'ID':<32}  {'EIER':<16} {'SLUTTDATO':<10}  NAVN")
    for record in records:
        click.echo(
            f"{record.id:<32}  {record.owner:<16} {_day(record.end_date):<10}  {record.name}"
        )


@project.command("show")
@click.argument("project_id")
def show(project_id: str) -> None:
    """Vis ett prosjekt. / Show one project."""
    settings = load_settings()
    with project_store(settings) as projects:
        record = projects.get(project_id)
    if record is None:
        raise fail(settings, IntervjuError("project.not_found"))
    for label, value in _details(record):
        click.echo(f"{label + ':':<28} {value}")


@project.command("update")
@click.argument("project_id")
@click.option("--name", help="Nytt navn / new name.")
@click.option("--end-date", type=_DATE, help="Ny sluttdato (ÅÅÅÅ-MM-DD) / new end date.")
@click.option("--no-end-date", is_flag=True, help="Fjern sluttdatoen / remove the end date.")
@click.option(
    "--keep-audio-after-verify/--delete-audio-after-verify",
    default=None,
    help="Behold eller slett lyden etter verifisering / keep or delete audio after verification.",
)
@click.option(
    "--anonymize-dates/--no-anonymize-dates",
    default=None,
    help="Anonymiser datoer og alder eller ikke / anonymise dates and ages or not.",
)
def update(
    project_id: str,
    name: str | None,
    end_date: datetime | None,
    no_end_date: bool,
    keep_audio_after_verify: bool | None,
    anonymize_dates: bool | None,
) -> None:
    """Endre et prosjekt. / Change a project."""
    if end_date is not None and no_end_date:
        raise click.UsageError(
            "--end-date og --no-end-date kan ikke brukes sammen / cannot be used together."
        )
    changes: dict[str, Any] = {}
    if name is not None:
        changes["name"] = name
    if end_date is not None or no_end_date:
        changes["end_date"] = None if end_date is None else end_date.date()
    if keep_audio_after_verify is not None:
        changes["delete_audio_after_verify"] = not keep_audio_after_verify
    if anonymize_dates is not None:
        changes["anonymize_dates"] = anonymize_dates
    if not changes:
        raise click.UsageError("Ingenting å endre / nothing to change: give at least one option.")
    settings = load_settings()
    try:
        with project_store(settings) as projects:
            record = projects.update(project_id, **changes)
    except IntervjuError as exc:
        raise fail(settings, exc) from None
    click.echo(f"Prosjekt «{record.name}» (id {record.id}) er endret.")


def _details(record: ProjectRecord) -> list[tuple[str, str]]:
    audio = "slettes" if record.delete_audio_after_verify else "beholdes til sluttdatoen"
    return [
        ("Id", record.id),
        ("Navn", record.name),
        ("Eier", record.owner),
        ("Standardprosjekt", "ja" if record.is_default else "nei"),
        ("Sluttdato", _day(record.end_date)),
        ("Lyd etter verifisering", audio),
        ("Anonymiser datoer", "ja" if record.anonymize_dates else "nei"),
        ("Opprettet", _when(record.created_at)),
        ("Varslet om sluttdato", _when(record.end_warned_at)),
    ]


def _day(day: date | None) -> str:
    return "–" if day is None else day.isoformat()


def _when(moment: datetime | None) -> str:
    return "–" if moment is None else moment.astimezone().strftime("%Y-%m-%d %H:%M")
