"""Migrations: ``upgrade head`` builds exactly the models' schema on SQLite and PostgreSQL, a
database an earlier version made (``create_all``, no ``alembic_version``) is adopted with its
rows, two processes starting at once migrate once, and legacy duplicate informant codes are
renamed before they become unique."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Column, MetaData, Table, insert, inspect, select, update
from sqlalchemy.exc import IntegrityError

from service import migrations
from service.db import ADDED_COLUMNS, BASELINE_TABLES, Base, Database, Job, Project, open_database

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = open_database(db_url)
    yield database
    database.dispose()


def differences(db: Database) -> list[object]:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))


def test_upgrade_head_builds_the_models_schema(db: Database) -> None:
    assert migrations.current(db) is None
    db.upgrade()
    assert migrations.current(db) == migrations.head()
    assert differences(db) == []
    db.upgrade()  # at head: nothing to do
    assert migrations.current(db) == migrations.head()


def old_metadata() -> MetaData:
    """The tables as the last version before migrations first created them: without the
    columns added later (``ADDED_COLUMNS``), which its ``create_all`` then added one by one."""
    old = MetaData()
    for table in Base.metadata.sorted_tables:
        if table.name not in BASELINE_TABLES:  # a table a later revision made
            continue
        added = set(ADDED_COLUMNS.get(table.name, ()))
        columns = [
            Column(c.name, c.type, primary_key=c.primary_key, nullable=c.nullable)
            for c in table.columns
            if c.name not in added
        ]
        Table(table.name, old, *columns)
    return old


def test_a_database_made_before_migrations_is_adopted_with_its_rows(db: Database) -> None:
    old = old_metadata()
    old.create_all(db.engine)
    with db.engine.begin() as connection:
        connection.execute(
            insert(old.tables["projects"]),
            {
                "id": "p1",
                "name": "Studie",
                "owner": "forsker",
                "delete_audio_after_verify": True,
                "anonymize_dates": False,
                "created_at": NOW,
            },
        )
        connection.execute(
            insert(old.tables["jobs"]),
            {
                "id": "j1",
                "status": "queued",
                "progress": 0.25,
                "original_filename": "sealed-name",
                "upload_path": "audio-j1",
                "size_bytes": 10,
                "attempts": 1,
                "created_at": NOW,
                "updated_at": NOW,
            },
        )
    assert "project_id" not in {c["name"] for c in inspect(db.engine).get_columns("jobs")}

    db.upgrade()

    assert migrations.current(db) == migrations.head()
    columns = {c["name"] for c in inspect(db.engine).get_columns("jobs")}
    assert set(ADDED_COLUMNS["jobs"]) <= columns
    with db.sessions() as session:
        job = session.get(Job, "j1")
        assert job is not None
        assert (job.status, job.progress, job.original_filename) == ("queued", 0.25, "sealed-name")
        assert job.created_at == NOW and job.project_id is None
        project = session.scalars(select(Project)).one()
        assert (project.id, project.owner, project.created_at) == ("p1", "forsker", NOW)
        job.project_id = "p1"  # the added column is usable
        session.commit()
    db.upgrade()  # adopted once: now an ordinary database at head
    assert migrations.current(db) == migrations.head()


def test_two_processes_starting_at_once_migrate_once(db_url: str) -> None:
    databases = [open_database(db_url) for _ in range(3)]
    errors: list[BaseException] = []

    def start(database: Database) -> None:
        try:
            database.upgrade()
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=start, args=(d,)) for d in databases]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert migrations.current(databases[0]) == migrations.head()
    assert differences(databases[0]) == []
    for database in databases:
        database.dispose()


def test_legacy_duplicate_informant_codes_get_a_suffix_and_then_are_unique(db: Database) -> None:
    migrations.upgrade(db, "0002")
    jobs = Base.metadata.tables["jobs"]
    rows = [  # (job, project, code, minutes after NOW): two uploads raced before 0003
        ("a", "p1", "S1", 0),
        ("b", "p1", "S1", 2),
        ("c", "p1", "S1", 1),
        ("d", "p1", "S1-2", 3),  # a suffix already taken is skipped
        ("e", "p1", "S2", 4),
        ("f", "p1", None, 5),
        ("g", "p1", None, 6),  # NULL codes repeat
        ("h", "p2", "S1", 7),  # another project's S1
        ("i", None, "S1", 8),
        ("j", None, "S1", 9),  # jobs of no project
        ("k", "p2", "informant-abcdef", 10),
        ("l", "p2", "informant-abcdef", 11),  # 16 characters: cut to fit the suffix
    ]
    with db.engine.begin() as connection:
        for project_id in ("p1", "p2"):
            connection.execute(
                insert(Base.metadata.tables["projects"]),
                {"id": project_id, "name": "Studie", "owner": "kari", "created_at": NOW,
                 "delete_audio_after_verify": True, "anonymize_dates": False},
            )  # fmt: skip
        for job_id, project, code, minutes in rows:
            at = NOW + timedelta(minutes=minutes)
            connection.execute(
                insert(jobs),
                {"id": job_id, "status": "queued", "progress": 0.0, "original_filename": "x",
                 "upload_path": f"audio-{job_id}", "size_bytes": 1, "attempts": 0,
                 "created_at": at, "updated_at": at, "project_id": project,
                 "informant_code": code},
            )  # fmt: skip

    db.upgrade()

    assert migrations.current(db) == migrations.head()
    assert differences(db) == []
    with db.sessions() as session:
        found = {
            row.id: row.informant_code
            for row in session.execute(select(Job.id, Job.informant_code))
        }
    assert found == {
        "a": "S1",  # the oldest keeps its code
        "c": "S1-3",
        "b": "S1-4",
        "d": "S1-2",
        "e": "S2",
        "f": None,
        "g": None,
        "h": "S1",
        "i": "S1",
        "j": "S1",
        "k": "informant-abcdef",
        "l": "informant-abcd-2",
    }
    with pytest.raises(IntegrityError), db.engine.begin() as connection:
        connection.execute(update(jobs).where(jobs.c.id == "e").values(informant_code="S1"))
