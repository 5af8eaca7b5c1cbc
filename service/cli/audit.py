"""`intervju audit`: check the tamper-evident audit log, list its entries."""

from __future__ import annotations

import json
import sys
from typing import TextIO

import click

from service import audit
from service.cli.common import load_settings


@click.group("audit")
def audit_group() -> None:
    """Revisjonsloggen (kvitteringer for sletting). / The audit log (deletion receipts)."""


@audit_group.command("verify")
@click.option(
    "--receipt",
    "receipts",
    multiple=True,
    type=click.File("r", encoding="utf-8"),
    help="En kvittering (JSON) loggen fortsatt må inneholde / a receipt (JSON) the log must "
    "still hold; may be repeated.",
)
def verify(receipts: tuple[TextIO, ...]) -> None:
    """Sjekk hele kjeden; navngi første brudd. / Check the whole chain; name the first break."""
    path = load_settings().storage.audit_path
    held: dict[int, str] = {}
    for handle in receipts:
        receipt = json.load(handle)
        held[int(receipt["seq"])] = str(receipt["hash"])
    result = audit.verify(path, held)
    if result.ok:
        click.echo(
            f"Revisjonsloggen er hel: {result.entries} oppføringer, siste hash {result.head}. / "
            f"The audit log is intact: {result.entries} entries, last hash {result.head}."
        )
        return
    click.echo(
        f"Revisjonsloggen er brutt ved oppføring {result.broken}: {result.reason}. / "
        f"The audit log is broken at entry {result.broken}: {result.reason}.",
        err=True,
    )
    sys.exit(1)


@audit_group.command("list")
def list_entries() -> None:
    """Vis oppføringene som JSON-linjer. / Show the entries as JSON lines."""
    for entry in audit.read(load_settings().storage.audit_path):
        click.echo(json.dumps(entry.__dict__, ensure_ascii=False, sort_keys=True))
