"""`intervju token`: create, list and revoke API access tokens."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import click

from service.auth import TokenInfo, TokenStore
from service.cli.common import fail, load_settings
from service.config import Settings
from service.db import open_database
from service.errors import IntervjuError
from service.storage import ensure_dir


@contextmanager
def token_store(settings: Settings) -> Iterator[TokenStore]:
    """The token table of the service's database (created if missing)."""
    ensure_dir(settings.storage.data_dir)
    db = open_database(settings.db_url)
    try:
        db.upgrade()
        yield TokenStore(db)
    finally:
        db.dispose()


@click.group()
def token() -> None:
    """Tilgangsnøkler for HTTP-API-et. / Access tokens for the HTTP API."""


@token.command("create")
@click.option("--name", help="Navn på nøkkelen / token name (standard: token-<tilfeldig>).")
@click.option(
    "--user",
    help="Brukeren nøkkelen tilhører; den ser brukerens prosjekter / the user the token belongs "
    "to; it sees that user's projects (standard / default: the token's name).",
)
@click.option(
    "--admin",
    is_flag=True,
    help="Administrator: ser alle prosjekter / admin: sees every project.",
)
def create(name: str | None, user: str | None, admin: bool) -> None:
    """Lag en ny nøkkel; den vises bare én gang. / Create a token, shown only once."""
    settings = load_settings()
    try:
        with token_store(settings) as tokens:
            info, plaintext = tokens.create(
                name or f"token-{secrets.token_hex(3)}", user=user, admin=admin
            )
    except IntervjuError as exc:
        raise fail(settings, exc) from None
    role = "administrator" if info.admin else f"bruker «{info.user}»"
    click.echo(
        f"Tilgangsnøkkel «{info.name}» (id {info.id}, {role}) er opprettet. "
        "Den vises bare denne ene gangen; ta vare på den:",
        err=True,
    )
    click.echo(plaintext)


@token.command("list")
def list_tokens() -> None:
    """Vis alle nøkler (aldri selve nøkkelen). / List tokens (never the secret)."""
    with token_store(load_settings()) as tokens:
        infos = tokens.list()
    if not infos:
        click.echo("Ingen tilgangsnøkler. Lag en med `intervju token create`.")
        return
    click.echo(
        f"{'ID':>4}  {'NAVN':<24} {'BRUKER':<16} {'ADMIN':<5} {'OPPRETTET':<17} "
        f"{'SIST BRUKT':<17} STATUS"
    )
    for info in infos:
        click.echo(_row(info))


@token.command("revoke")
@click.argument("id_or_name")
def revoke(id_or_name: str) -> None:
    """Tilbakekall en nøkkel (id eller navn). / Revoke a token by id or name."""
    settings = load_settings()
    try:
        with token_store(settings) as tokens:
            info = tokens.revoke(id_or_name)
    except IntervjuError as exc:
        raise fail(settings, exc) from None
    click.echo(f"Tilgangsnøkkel «{info.name}» (id {info.id}) er tilbakekalt.")


def _row(info: TokenInfo) -> str:
    status = "aktiv" if info.active else "tilbakekalt"
    admin = "ja" if info.admin else "nei"
    return (
        f"{info.id:>4}  {info.name:<24} {info.user:<16} {admin:<5} "
        f"{_when(info.created_at):<17} {_when(info.last_used_at):<17} {status}"
    )


def _when(moment: datetime | None) -> str:
    return "–" if moment is None else moment.astimezone().strftime("%Y-%m-%d %H:%M")
