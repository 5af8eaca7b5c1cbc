"""`intervju db`: the database schema's migrations, for operators."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click

from service import migrations
from service.cli.common import load_settings
from service.db import Database, open_database
from service.storage import ensure_dir


@contextmanager
def _database() -> Iterator[Database]:
    settings = load_settings()
    ensure_dir(settings.storage.data_dir)
    db = open_database(settings.db_url)
    try:
        yield db
    finally:
        db.dispose()


def _where(db: Database) -> str:
    """The database's URL with any password masked."""
    return db.engine.url.render_as_string(hide_password=True)


@click.group("db")
def db_group() -> None:
    """Databasens skjema og migreringer. / The database schema and its migrations."""


@db_group.command("upgrade")
def upgrade() -> None:
    """Migrer databasen til nyeste versjon (gjøres også ved hver oppstart). / Migrate the
    database to the latest revision (also done at every start)."""
    with _database() as db:
        before = migrations.current(db)
        db.upgrade()
        after = migrations.current(db)
        click.echo(f"{_where(db)}: {before or '-'} -> {after}")


@db_group.command("current")
def current() -> None:
    """Vis databasens versjon og den nyeste. / Show the database's revision and the latest."""
    with _database() as db:
        found = migrations.current(db)
        head = migrations.head()
        state = "up to date" if found == head else "needs `intervju db upgrade`"
        click.echo(f"{_where(db)}: {found or '-'} (head {head}, {state})")
