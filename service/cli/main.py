"""Entry point of the `intervju` command."""

from __future__ import annotations

import logging

import click

from service import __version__
from service.offline import enforce_offline

enforce_offline()

from service.cli.anonymize import anonymize  # noqa: E402
from service.cli.audit import audit_group  # noqa: E402
from service.cli.batch import batch  # noqa: E402
from service.cli.consent import deadlines, purge, receipt, verify  # noqa: E402
from service.cli.db import db_group  # noqa: E402
from service.cli.diarize import diarize  # noqa: E402
from service.cli.models import models  # noqa: E402
from service.cli.project import project  # noqa: E402
from service.cli.serve import serve  # noqa: E402
from service.cli.token import token  # noqa: E402
from service.cli.transcribe import schema, transcribe  # noqa: E402
from service.cli.worker import worker  # noqa: E402


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="intervju")
@click.option("-v", "--verbose", is_flag=True, help="Log more (never transcript text).")
def cli(verbose: bool) -> None:
    """intervju: norske intervjuopptak blir transkripsjoner, helt uten nett.

    intervju: Norwegian interview recordings become transcripts, fully offline.
    """
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


cli.add_command(transcribe)
cli.add_command(batch)
cli.add_command(diarize)
cli.add_command(anonymize)
cli.add_command(audit_group)
cli.add_command(verify)
cli.add_command(purge)
cli.add_command(receipt)
cli.add_command(deadlines)
cli.add_command(schema)
cli.add_command(models)
cli.add_command(serve)
cli.add_command(worker)
cli.add_command(token)
cli.add_command(project)
cli.add_command(db_group)
