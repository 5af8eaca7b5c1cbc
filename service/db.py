"""The database: engine and session factory, and the tables (projects, jobs, transcript
versions, job events, webhooks, API tokens).

Nothing readable about a person is stored in a plain column: the upload's file name, the job's
options (which may hold speaker names), every transcript version and the map from tags back to
the original words are sealed under the job's keys (``service.jobs.job_keys``: two key files
per job in the vault, one for its values and one for its originals) before they reach the
database; deleting a job's originals or withdrawing it shreds those keys, so copies of the rows
(backups, dead tuples, WAL) no longer open either.

SQLite by default (``<data_dir>/intervju.db``) in WAL mode, so the HTTP handlers can read while
the worker thread writes progress; PostgreSQL (``postgresql+psycopg://``) for several hosts.
``upgrade`` brings the schema to the latest Alembic revision (``service.migrations``); a database
an earlier version made without Alembic first gets the tables and the columns that later versions
introduced (``ADDED_COLUMNS``).
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Engine,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    create_engine,
    event,
    inspect,
)
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry

logger = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 15_000


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp (SQLite keeps no zone, so store UTC and restore it)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use service.db.utcnow()")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    pass


class Project(Base):
    """A research project: who owns it and what its consent form promises."""

    __tablename__ = "projects"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # The user (``ApiToken.user_name``) whose tokens see the project; admins see all.
    owner: Mapped[str] = mapped_column(String(100), index=True)
    delete_audio_after_verify: Mapped[bool] = mapped_column(Boolean, default=True)
    # After this day, audio is deleted even if unverified.
    end_date: Mapped[date | None] = mapped_column(Date)
    anonymize_dates: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_warned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Job(Base):
    """One uploaded recording and its way through the pipeline, review and deletion."""

    __tablename__ = "jobs"
    # An informant code names one job of its project (NULLs, e.g. jobs of no project, repeat).
    __table_args__ = (
        Index("uq_jobs_project_informant_code", "project_id", "informant_code", unique=True),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    step: Mapped[str | None] = mapped_column(String(32))
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    error_key: Mapped[str | None] = mapped_column(String(64))
    error_params: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Sealed (file names often name people); for display only, never used to build a path.
    original_filename: Mapped[str] = mapped_column(Text)
    # The vault object holding the encrypted recording.
    upload_path: Mapped[str] = mapped_column(Text)
    size_bytes: Mapped[int] = mapped_column(Integer)
    language: Mapped[str | None] = mapped_column(String(8))
    model: Mapped[str | None] = mapped_column(String(200))
    # Before 0.5, the options in plain JSON; now always NULL (see ``options_sealed``).
    options: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Before 0.5, the transcript in plain JSON; now always NULL (see ``TranscriptVersion``).
    transcript_json: Mapped[str | None] = mapped_column(Text)
    duration_seconds: Mapped[float | None] = mapped_column(Float)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    project_id: Mapped[str | None] = mapped_column(ForeignKey("projects.id"), index=True)
    informant_code: Mapped[str | None] = mapped_column(String(16))
    # The per-job choices (service.jobs.options), sealed: speaker names are names.
    options_sealed: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str | None] = mapped_column(String(100))
    audio_sha256: Mapped[str | None] = mapped_column(String(64))
    transcript_version: Mapped[int | None] = mapped_column(Integer)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verified_by: Mapped[str | None] = mapped_column(String(100))
    verified_sha256: Mapped[str | None] = mapped_column(String(64))
    audio_deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deletion_reason: Mapped[str | None] = mapped_column(String(32))
    receipt_seq: Mapped[int | None] = mapped_column(Integer)
    # A withdrawn job: its receipt's data, written with the withdrawal so that a receipt
    # completed after a crash states what was really deleted (no personal data).
    withdrawal: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Celery workers (``service.jobs.claims``): who runs the job, when it last said it still
    # does, and when a task for it was last sent to the broker.
    worker_id: Mapped[str | None] = mapped_column(String(64))
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class TranscriptVersion(Base):
    """One version of a job's transcript; every review change adds one, none is overwritten
    (until verification deletes the originals, and a purge deletes them all)."""

    __tablename__ = "transcript_versions"
    __table_args__ = (UniqueConstraint("job_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    author: Mapped[str | None] = mapped_column(String(100))
    # What changed, as a key (``pipeline``, ``redaction.reject``, ...): never the words.
    change: Mapped[str] = mapped_column(String(64))
    sha256: Mapped[str] = mapped_column(String(64))
    transcript: Mapped[str] = mapped_column(Text)  # sealed transcript JSON
    # Sealed JSON {tag: [original words, ...]}; NULL once verified (or never anonymised).
    originals: Mapped[str | None] = mapped_column(Text)


class JobEvent(Base):
    """The outbox: one row per change of a job (status, step, progress, transcript version),
    written in the transaction that made the change (``service.jobs.events``). Ids only: no
    file name, text, speaker name or informant code."""

    __tablename__ = "job_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    job_id: Mapped[str] = mapped_column(String(32), index=True)
    project_id: Mapped[str | None] = mapped_column(String(32), index=True)
    # ``status`` (a new status), ``progress`` (same status, new step or progress) or
    # ``version`` (a new transcript version).
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    step: Mapped[str | None] = mapped_column(String(32))
    progress: Mapped[float] = mapped_column(Float)
    version: Mapped[int | None] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class Webhook(Base):
    """A user's webhook: where job events are POSTed, and how far delivery has got."""

    __tablename__ = "webhooks"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_name: Mapped[str] = mapped_column(String(100), index=True)
    # Registered with an admin token: the events of every project, else the user's projects.
    admin: Mapped[bool] = mapped_column(Boolean, default=False)
    # Sealed by the vault: a URL may hold credentials, and the secret signs every delivery.
    url_sealed: Mapped[str] = mapped_column(Text)
    secret_sealed: Mapped[str] = mapped_column(Text)
    # The statuses delivered (JSON list); NULL for all.
    statuses: Mapped[list[str] | None] = mapped_column(JSON)
    project_id: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The id of the last event delivered (or skipped by the filters).
    cursor: Mapped[int] = mapped_column(Integer, default=0)
    # Failed attempts at the event after ``cursor``; reset by a delivery.
    failures: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(200))
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ApiToken(Base):
    """An access token; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Whose token: it sees that user's projects only, unless it is an admin token.
    user_name: Mapped[str | None] = mapped_column(String(100), index=True)
    admin: Mapped[bool | None] = mapped_column(Boolean)


class InstanceValue(Base):
    """Facts about this installation, e.g. which vault the database belongs to
    (``service.consent.binding``)."""

    __tablename__ = "instance"

    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[str] = mapped_column(String(64))


@dataclass(frozen=True)
class Database:
    """An engine and its session factory; each repository call opens its own session."""

    engine: Engine
    sessions: sessionmaker[Session]

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def upgrade(self) -> None:
        """Migrate the schema to the latest revision; safe to run at every start, also by
        several processes at once (``service.migrations.upgrade``)."""
        from service.migrations import upgrade  # the migrations import these models

        upgrade(self)

    def complete_legacy_schema(self) -> None:
        """A database made before migrations (by ``create_all``): create the missing tables of
        the baseline and add the missing columns, as those versions did at every start."""
        tables = [Base.metadata.tables[name] for name in BASELINE_TABLES]
        Base.metadata.create_all(self.engine, tables=tables)
        self._add_missing_columns()

    def dispose(self) -> None:
        self.engine.dispose()

    def truncate_log(self) -> None:
        """After rows with personal data were erased or emptied: leave fewer copies behind.

        SQLite: copy the write-ahead log into the database and empty it (``secure_delete``
        has already overwritten the freed pages), so no copy stays in the log file.
        PostgreSQL: ``VACUUM`` the tables that hold sealed values, so the old row versions
        (dead tuples) are removed now rather than at the next autovacuum. PostgreSQL does not
        overwrite the freed space, and its WAL segments and backups keep old versions until
        they are recycled: those copies are sealed values, unreadable without the vault's
        master key (README, "PostgreSQL"). Durability needs nothing here on either: a commit
        is on disk when it returns (``synchronous=FULL``; ``synchronous_commit`` on)."""
        if self.is_sqlite:
            with self.engine.connect() as connection:
                connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            return
        if self.engine.dialect.name == "postgresql":
            autocommit = self.engine.execution_options(isolation_level="AUTOCOMMIT")
            with autocommit.connect() as connection:  # VACUUM runs outside a transaction
                connection.exec_driver_sql("VACUUM jobs, transcript_versions")

    def _add_missing_columns(self) -> None:
        for table_name, column_names in ADDED_COLUMNS.items():
            table = Base.metadata.tables[table_name]
            for name in column_names:
                if name in _column_names(self.engine, table_name):
                    continue
                column = table.columns[name]
                kind = column.type.compile(dialect=self.engine.dialect)
                try:
                    with self.engine.begin() as connection:
                        connection.exec_driver_sql(
                            f"ALTER TABLE {table_name} ADD COLUMN {name} {kind}"
                        )
                except (OperationalError, ProgrammingError):
                    # Another process may have added it first; anything else is a real error.
                    if name not in _column_names(self.engine, table_name):
                        raise
                logger.info("database: added column %s.%s", table_name, name)


# Nullable columns added after the first release, per table, oldest first: a database made
# before migrations gets them this way before it is stamped with revision 0001. The worker
# claim columns are also revision 0002 (which skips columns already there). A new column
# needs a new revision in ``service/migrations/versions``, not an entry here.
ADDED_COLUMNS: dict[str, tuple[str, ...]] = {
    "jobs": (
        "options",
        "project_id",
        "informant_code",
        "options_sealed",
        "created_by",
        "audio_sha256",
        "transcript_version",
        "verified_at",
        "verified_by",
        "verified_sha256",
        "audio_deleted_at",
        "deletion_reason",
        "receipt_seq",
        "withdrawal",
        "worker_id",
        "heartbeat_at",
        "sent_at",
    ),
    "api_tokens": ("user_name", "admin"),
}


# The tables of the first migration (revision 0001).
BASELINE_TABLES = (
    "projects",
    "jobs",
    "transcript_versions",
    "job_events",
    "webhooks",
    "api_tokens",
)


def _column_names(engine: Engine, table_name: str) -> set[str]:
    return {column["name"] for column in inspect(engine).get_columns(table_name)}


def open_database(url: str) -> Database:
    """Connect to ``url`` (nothing is created until ``upgrade``)."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            hide_parameters=True,  # an error's text never quotes a row's values
            connect_args={
                "check_same_thread": False,
                "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000,
            },
        )
        event.listen(engine, "connect", _configure_sqlite)
    else:
        engine = create_engine(url, pool_pre_ping=True, hide_parameters=True)
    return Database(engine, sessionmaker(engine, expire_on_commit=False))


def _configure_sqlite(dbapi_connection: Any, connection_record: ConnectionPoolEntry) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        # A finished transcript must survive a power cut: sync every commit.
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        # Deleted transcripts and names are overwritten, not left in free pages.
        cursor.execute("PRAGMA secure_delete=ON")
    finally:
        cursor.close()
