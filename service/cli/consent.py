"""`intervju verify`, `intervju purge`, `intervju receipt`, `intervju deadlines`: the consent
form's promises from the command line, on the server's own data directory."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime

import click

from service.cli.common import fail, load_settings
from service.config import Settings
from service.consent import Consent, receipts
from service.consent.receipts import Actor
from service.consent.scheduler import DeadlineScheduler
from service.datadir import open_vault
from service.db import open_database
from service.errors import IntervjuError
from service.jobs import JobStore


@dataclass(frozen=True)
class Opened:
    settings: Settings
    jobs: JobStore
    consent: Consent


@contextmanager
def opened() -> Iterator[Opened]:
    """The service's database, vault and audit log (the same ones `intervju serve` uses)."""
    settings = load_settings()
    db = open_database(settings.db_url)
    try:
        db.upgrade()
        vault = open_vault(settings)
        jobs = JobStore(db, vault)
        yield Opened(settings, jobs, Consent(db, jobs, vault, settings.storage.audit_path))
    except IntervjuError as exc:
        raise fail(settings, exc) from None
    finally:
        db.dispose()


@click.command()
@click.argument("job_id")
@click.option("--version", type=int, help="Versjonen du har gått gjennom / the version reviewed.")
def verify(job_id: str, version: int | None) -> None:
    """Godkjenn transkripsjonen; lyden slettes. / Verify the transcript; the audio is deleted.

    Den nyeste versjonen leses tilbake og sjekkes før opptaket krypto-makuleres og en
    kvittering skrives i revisjonsloggen (med mindre prosjektet beholder lyden til
    sluttdatoen). / The newest version is read back and checked before the recording is
    crypto-shredded and a receipt is written to the audit log (unless the project keeps audio
    until its end date).
    """
    with opened() as env:
        record = env.consent.verify(job_id, version, Actor.cli())
        click.echo(f"Jobb {record.id}: {record.status.value}.")
        if record.receipt_seq is not None:
            _print_receipt(env, record.receipt_seq)


@click.command()
@click.argument("job_id")
@click.option("--yes", is_flag=True, help="Ikke spør / do not ask.")
def purge(job_id: str, yes: bool) -> None:
    """Slett alt om en jobb (informanten trakk samtykket). / Delete everything of a job.

    Opptaket, alle versjoner av transkripsjonen og navnene bak taggene slettes for godt;
    kvitteringen inneholder ingen personopplysninger. / The recording, every transcript version
    and the names behind the tags are deleted for good; the receipt holds no personal data.
    """
    if not yes:
        click.confirm(
            f"Slette alt om jobb {job_id} for godt? / Delete it all for good?", abort=True
        )
    with opened() as env:
        receipt = env.consent.purge(job_id, Actor.cli())
        click.echo(f"Jobb {job_id}: trukket tilbake og slettet. / withdrawn and deleted.")
        click.echo(json.dumps(receipts.document(receipt.entry), ensure_ascii=False, indent=2))


@click.command()
@click.argument("job_id")
def receipt(job_id: str) -> None:
    """Skriv ut slettekvitteringen (JSON). / Print the deletion receipt (JSON)."""
    with opened() as env:
        record = env.jobs.get(job_id)
        if record is None:
            raise fail(env.settings, IntervjuError("job.not_found"))
        if record.receipt_seq is None:
            raise fail(env.settings, IntervjuError("receipt.not_found"))
        _print_receipt(env, record.receipt_seq)


@click.command()
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), help="Dato å sjekke mot / as of.")
def deadlines(today: datetime | None) -> None:
    """Slett lyd i prosjekter forbi sluttdatoen nå. / Apply project end dates now.

    `intervju serve` gjør dette selv hver time. / `intervju serve` does this itself hourly.
    """
    day = today.date() if today is not None else date.today()
    with opened() as env:
        count = DeadlineScheduler(env.consent, env.settings.consent).run_now(day)
    click.echo(f"Lyd slettet for {count} jobb(er). / Audio deleted for {count} job(s).")


def _print_receipt(env: Opened, seq: int) -> None:
    entry = receipts.entry_at(env.settings.storage.audit_path, seq)
    if entry is None:
        raise fail(env.settings, IntervjuError("receipt.not_found"))
    click.echo(json.dumps(receipts.document(entry), ensure_ascii=False, indent=2))
