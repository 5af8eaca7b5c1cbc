"""What only PostgreSQL needs: job events committed in id order under concurrent writers (the
outbox's advisory lock), so that a reader's cursor never skips one; erased rows vacuumed."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from service.db import Database, open_database
from service.jobs import JobStore, NewJob
from service.jobs import events as job_events
from service.jobs.events import EventLog
from service.vault import Vault


@pytest.fixture
def db(postgres_url: str) -> Iterator[Database]:
    database = open_database(postgres_url)
    database.upgrade()
    yield database
    database.dispose()


def test_a_later_event_waits_for_an_earlier_transaction(db: Database, tmp_path: Path) -> None:
    store = JobStore(db, Vault(tmp_path / "vault", os.urandom(32)))
    for job_id in ("a", "b"):
        store.create(NewJob(job_id, "a.wav", f"audio-{job_id}", 10))
    log = EventLog(db)
    cursor = log.last_id()

    first = db.sessions()  # a transaction that records an event and has not committed yet
    first.begin()
    assert job_events.record(first, "a", "status")
    first.flush()
    done = threading.Event()

    def second() -> None:
        with db.sessions.begin() as session:
            job_events.record(session, "b", "status")
        done.set()

    writer = threading.Thread(target=second)
    writer.start()
    # Without the lock the second event would take a larger id and commit first: a reader
    # would then move its cursor past the first event's id before that one is visible.
    assert not done.wait(0.5)
    assert [e.job_id for e in log.after(cursor)] == []
    first.commit()
    first.close()
    writer.join(timeout=10)
    assert done.is_set()
    seen = log.after(cursor)
    assert [e.job_id for e in seen] == ["a", "b"]
    assert seen[0].id < seen[1].id


def test_erasing_vacuums_the_tables_with_sealed_values(db: Database) -> None:
    query = text(
        "SELECT relname, vacuum_count FROM pg_stat_user_tables "
        "WHERE relname IN ('jobs', 'transcript_versions')"
    )

    def vacuums() -> dict[str, int]:
        with db.engine.connect() as connection:
            return {row.relname: row.vacuum_count for row in connection.execute(query)}

    before = vacuums()
    db.truncate_log()
    after = vacuums()
    assert after == {name: count + 1 for name, count in before.items()}
    assert set(after) == {"jobs", "transcript_versions"}
