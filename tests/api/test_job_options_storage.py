"""Job options are stored with the job, and a database from the previous version is migrated."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from api_helpers import API, PipelineLog, bearer, make_transcript, new_token, running, wait_status

from service import db as db_module
from service.config import Settings
from service.db import open_database
from service.jobs import JobStore, NewJob
from service.options import JobOptions
from service.storage import ensure_dir

OPTIONS = JobOptions(
    language="nn",
    model="nb-whisper-small",
    diarize=True,
    num_speakers=None,
    min_speakers=2,
    max_speakers=3,
    interviewer="SPEAKER_01",
    speaker_names=(("Informant 1", "Kari"), ("SPEAKER_00", "Ola")),
    anonymize=False,
    keep_dialect=True,
    anonymize_dates=True,
)

# The jobs table as intervju 0.1 (before issue #3) created it, verbatim.
OLD_SCHEMA = """
CREATE TABLE jobs (
    id VARCHAR(32) NOT NULL,
    status VARCHAR(16) NOT NULL,
    step VARCHAR(32),
    progress FLOAT NOT NULL,
    error_key VARCHAR(64),
    error_params JSON,
    original_filename VARCHAR(200) NOT NULL,
    upload_path TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,
    language VARCHAR(8),
    model VARCHAR(200),
    transcript_json TEXT,
    duration_seconds FLOAT,
    attempts INTEGER NOT NULL,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL,
    started_at DATETIME,
    finished_at DATETIME,
    PRIMARY KEY (id)
);
CREATE INDEX ix_jobs_created_at ON jobs (created_at);
CREATE INDEX ix_jobs_status ON jobs (status);
CREATE TABLE api_tokens (
    id INTEGER NOT NULL,
    name VARCHAR(100) NOT NULL,
    token_hash VARCHAR(64) NOT NULL,
    created_at DATETIME NOT NULL,
    revoked_at DATETIME,
    last_used_at DATETIME,
    PRIMARY KEY (id),
    UNIQUE (token_hash)
);
CREATE INDEX ix_api_tokens_name ON api_tokens (name);
"""
QUEUED = "a" * 32
DONE = "b" * 32


def columns(path: Path) -> list[str]:
    with sqlite3.connect(path) as connection:
        return [row[1] for row in connection.execute("PRAGMA table_info(jobs)")]


def make_old_database(settings: Settings) -> Path:
    """A data directory as the previous version left it: one queued job, one done."""
    ensure_dir(settings.storage.uploads_path)
    path = settings.storage.data_dir / "intervju.db"
    upload = settings.storage.uploads_path / f"{QUEUED}.upload"
    upload.write_bytes(b"RIFF" + b"\x00" * 32_000)
    transcript = make_transcript(2.0).model_dump_json()
    insert = (
        "INSERT INTO jobs (id, status, progress, original_filename, upload_path, size_bytes, "
        "language, model, transcript_json, attempts, created_at, updated_at) "
        "VALUES (?, ?, ?, 'opptak.wav', ?, 32004, ?, NULL, ?, ?, ?, ?)"
    )
    with sqlite3.connect(path) as connection:
        connection.executescript(OLD_SCHEMA)
        connection.execute(
            insert,
            (
                QUEUED,
                "queued",
                0.0,
                str(upload),
                "nn",
                None,
                0,
                "2025-01-01 10:00:00.000000",
                "2025-01-01 10:00:00.000000",
            ),
        )
        connection.execute(
            insert,
            (
                DONE,
                "done",
                1.0,
                "gone",
                None,
                transcript,
                1,
                "2024-12-01 10:00:00.000000",
                "2024-12-01 10:00:00.000000",
            ),
        )
    connection.close()
    return path


def test_options_survive_reopening_the_store(settings: Settings) -> None:
    ensure_dir(settings.storage.data_dir)
    db = open_database(settings.db_url)
    db.create_all()
    created = JobStore(db).create(NewJob(QUEUED, "a.wav", "/nowhere", 10, OPTIONS))
    assert created.options == OPTIONS
    db.dispose()

    reopened = open_database(settings.db_url)
    store = JobStore(reopened)
    record = store.get(QUEUED)
    assert record is not None and record.options == OPTIONS
    assert [r.options for r in store.list_recent()] == [OPTIONS]
    claimed = store.claim_next()
    assert claimed is not None and claimed.options == OPTIONS
    reopened.dispose()


def test_default_options_are_stored_as_the_services_choice(settings: Settings) -> None:
    ensure_dir(settings.storage.data_dir)
    db = open_database(settings.db_url)
    db.create_all()
    store = JobStore(db)
    store.create(NewJob(QUEUED, "a.wav", "/nowhere", 10))
    record = store.get(QUEUED)
    assert record is not None and record.options == JobOptions()
    db.dispose()


def test_an_old_database_gets_the_options_column_once(settings: Settings) -> None:
    path = make_old_database(settings)
    assert "options" not in columns(path)
    db = open_database(settings.db_url)
    db.create_all()
    assert columns(path)[-1] == "options"
    db.create_all()  # idempotent
    assert columns(path).count("options") == 1
    store = JobStore(db)
    old = store.get(QUEUED)
    assert old is not None and old.options == JobOptions(language="nn")
    assert store.get_transcript(DONE) == make_transcript(2.0)
    db.dispose()


def test_a_second_process_adding_the_column_first_is_fine(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = make_old_database(settings)
    real = db_module._column_names
    calls: list[str] = []

    def stale_then_real(engine: Any, table_name: str) -> set[str]:
        calls.append(table_name)
        if len(calls) == 1:  # looked before the other process added it ...
            with sqlite3.connect(path) as other:
                other.execute("ALTER TABLE jobs ADD COLUMN options JSON")
            other.close()
            return real(engine, table_name) - {"options"}
        return real(engine, table_name)

    monkeypatch.setattr(db_module, "_column_names", stale_then_real)
    db = open_database(settings.db_url)
    db.create_all()  # ALTER fails as a duplicate; the re-check sees the column
    assert columns(path).count("options") == 1
    assert len(calls) == 2
    db.dispose()


def test_the_service_starts_on_an_old_database_and_runs_its_jobs(
    settings: Settings, pipeline_log: PipelineLog
) -> None:
    make_old_database(settings)
    with running(settings, pipeline_log) as client:
        auth = bearer(new_token(client))
        done = wait_status(client, auth, QUEUED, "done")
        assert done["language"] == "nn"
        assert (done["diarize"], done["speakers"], done["speaker_names"]) == (None, None, {})
        assert (done["anonymize"], done["keep_dialect"], done["anonymize_dates"]) == (
            None,
            False,
            False,
        )
        old = client.get(f"{API}/{DONE}", headers=auth).json()
        assert old["status"] == "done" and old["interviewer"] is None
        transcript = client.get(f"{API}/{DONE}/transcript", headers=auth)
        assert transcript.status_code == 200
        no_speakers = client.patch(f"{API}/{DONE}/speakers", headers=auth, json={})
        assert no_speakers.json()["code"] == "speakers.not_diarized"
    [(_, options)] = pipeline_log.runs
    assert options == JobOptions(language="nn")
