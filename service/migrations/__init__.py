"""Schema migrations with Alembic, run at every start (``Database.upgrade``) and by
``intervju db upgrade``.

Configured here, without ``alembic.ini``: the scripts are this package (``env.py``,
``versions/``). A database an earlier version made with ``create_all`` has tables but no
``alembic_version``: it gets the missing tables and columns (``ADDED_COLUMNS``) and is stamped
with the baseline revision, then upgraded like any other.

Only one process migrates at a time: on PostgreSQL under a session advisory lock, on SQLite
under an exclusive ``flock`` on ``<database>.migrate.lock``; the next process then finds the
schema at head and has nothing to do.
"""

from __future__ import annotations

import fcntl
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect, text

from service.db import Database

logger = logging.getLogger(__name__)

BASELINE = "0001"
# pg_advisory_lock key for migrations ("intv" in ASCII); the events outbox uses another.
PG_MIGRATION_LOCK = 0x696E7476
_HERE = Path(__file__).resolve().parent


def upgrade(db: Database, revision: str = "head") -> None:
    """Bring the schema to ``revision``, adopting a database made before migrations."""
    with _migration_lock(db), db.engine.connect() as connection:
        if _made_before_migrations(connection):
            connection.rollback()
            db.complete_legacy_schema()
            command.stamp(_config(connection), BASELINE)
            connection.commit()
            logger.warning("database: adopted a database made before migrations")
        before = _revision(connection)
        command.upgrade(_config(connection), revision)
        connection.commit()
        after = _revision(connection)
    if before != after:
        logger.info("database: migrated from %s to %s", before or "empty", after)


def current(db: Database) -> str | None:
    """The database's revision (``None``: empty, or made before migrations)."""
    with db.engine.connect() as connection:
        return _revision(connection)


def head() -> str:
    """The latest revision these scripts know."""
    script = ScriptDirectory.from_config(_config(None))
    found = script.get_current_head()
    if found is None:
        raise RuntimeError("no migration scripts in " + str(_HERE))
    return found


def _config(connection: Connection | None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(_HERE))
    config.attributes["connection"] = connection
    return config


def _revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _made_before_migrations(connection: Connection) -> bool:
    tables = set(inspect(connection).get_table_names())
    return "jobs" in tables and "alembic_version" not in tables


@contextmanager
def _migration_lock(db: Database) -> Iterator[None]:
    if db.is_sqlite:
        with _file_lock(db.engine.url.database):
            yield
        return
    with db.engine.connect() as connection:
        connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": PG_MIGRATION_LOCK})
        connection.commit()
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": PG_MIGRATION_LOCK})
            connection.commit()


@contextmanager
def _file_lock(database: str | None) -> Iterator[None]:
    if not database or database == ":memory:" or database.startswith("file:"):
        yield  # a private in-memory database: no other process sees it
        return
    fd = os.open(f"{database}.migrate.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
