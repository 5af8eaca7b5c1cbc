"""Job options are stored with the job (sealed), and a database from an older version is
migrated: new columns added once, plaintext options, file names, transcripts and uploads
sealed at start."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from api_helpers import (
    API,
    PipelineLog,
    app_state,
    bearer,
    make_transcript,
    new_token,
    running,
    wait_status,
)

from service import db as db_module
from service import migrations
from service.audio import SealedAudio
from service.config import Settings
from service.datadir import open_vault
from service.db import ADDED_COLUMNS, open_database
from service.jobs import JobStatus, JobStore, NewJob
from service.jobs.migrate import seal_legacy_jobs
from service.jobs.options import options_to_json
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
OLD_RECORDING = b"RIFF" + b"\x00" * 32_000


def database_bytes(settings: Settings) -> bytes:
    return b"".join(p.read_bytes() for p in settings.storage.data_dir.glob("intervju.db*"))


def columns(path: Path) -> list[str]:
    with sqlite3.connect(path) as connection:
        return [row[1] for row in connection.execute("PRAGMA table_info(jobs)")]


def make_old_database(settings: Settings) -> Path:
    """A data directory as intervju 0.1 left it: one queued job, one done; the upload, the
    file names and the transcript in plain text."""
    ensure_dir(settings.storage.uploads_path)
    path = settings.storage.data_dir / "intervju.db"
    upload = settings.storage.uploads_path / f"{QUEUED}.upload"
    upload.write_bytes(OLD_RECORDING)
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
    db.upgrade()
    new = NewJob(QUEUED, "a.wav", f"audio-{QUEUED}", 10, OPTIONS)
    created = JobStore(db, open_vault(settings)).create(new)
    assert created.options == OPTIONS
    assert created.status is JobStatus.UPLOADED
    db.dispose()
    assert b"Kari" not in database_bytes(settings)  # speaker names are sealed

    reopened = open_database(settings.db_url)
    store = JobStore(reopened, open_vault(settings))  # the same master key, read again
    record = store.get(QUEUED)
    assert record is not None and record.options == OPTIONS
    assert [r.options for r in store.list_recent()] == [OPTIONS]
    assert store.claim_next() is None  # not in the queue yet
    assert store.queue(QUEUED)
    claimed = store.claim_next()
    assert claimed is not None and claimed.options == OPTIONS
    reopened.dispose()


def test_default_options_are_stored_as_the_services_choice(settings: Settings) -> None:
    ensure_dir(settings.storage.data_dir)
    db = open_database(settings.db_url)
    db.upgrade()
    store = JobStore(db, open_vault(settings))
    store.create(NewJob(QUEUED, "a.wav", f"audio-{QUEUED}", 10))
    record = store.get(QUEUED)
    assert record is not None and record.options == JobOptions()
    db.dispose()


def test_an_old_database_gets_the_new_columns_once(settings: Settings) -> None:
    path = make_old_database(settings)
    old_columns = columns(path)
    assert "options" not in old_columns
    db = open_database(settings.db_url)
    db.upgrade()
    added = list(ADDED_COLUMNS["jobs"])
    assert added[0] == "options"
    assert columns(path) == old_columns + added
    assert migrations.current(db) == migrations.head()  # adopted, then migrated
    db.upgrade()  # idempotent
    assert columns(path) == old_columns + added

    vault = open_vault(settings)
    assert seal_legacy_jobs(db, vault, settings.storage.uploads_path) == 2
    assert seal_legacy_jobs(db, vault, settings.storage.uploads_path) == 0  # idempotent
    store = JobStore(db, vault)
    old = store.get(QUEUED)
    assert old is not None and old.options == JobOptions(language="nn")
    assert (old.status, old.filename, old.audio_object) == (
        JobStatus.QUEUED,
        "opptak.wav",
        f"audio-{QUEUED}",
    )
    assert vault.read(f"audio-{QUEUED}") == OLD_RECORDING
    assert not settings.storage.uploads_path.exists()
    done = store.get(DONE)
    assert done is not None and done.status is JobStatus.READY_FOR_REVIEW
    assert store.get_transcript(DONE) == make_transcript(2.0)
    assert b"opptak.wav" not in database_bytes(settings)
    assert b"velkommen til intervjuet" not in database_bytes(settings)
    db.dispose()


def test_plaintext_options_of_an_older_version_are_sealed(settings: Settings) -> None:
    path = make_old_database(settings)
    with sqlite3.connect(path) as connection:  # as intervju 0.2 to 0.4 stored them
        connection.execute("ALTER TABLE jobs ADD COLUMN options JSON")
        stored = json.dumps(options_to_json(OPTIONS))
        connection.execute("UPDATE jobs SET options = ? WHERE id = ?", (stored, QUEUED))
    connection.close()
    assert b"Kari" in database_bytes(settings)

    db = open_database(settings.db_url)
    db.upgrade()
    vault = open_vault(settings)
    seal_legacy_jobs(db, vault, settings.storage.uploads_path)
    record = JobStore(db, vault).get(QUEUED)
    assert record is not None
    # Language and model have their own columns, which the old rows filled.
    assert record.options == dataclasses.replace(OPTIONS, language="nn", model=None)
    db.dispose()
    assert b"Kari" not in database_bytes(settings)
    with sqlite3.connect(path) as connection:
        left = {row[0] for row in connection.execute("SELECT options FROM jobs")}
    assert left <= {None, "null"}  # emptied (SQLAlchemy's JSON type may write a JSON null)
    connection.close()


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
    db.upgrade()  # ALTER fails as a duplicate; the re-check sees the column
    assert columns(path).count("options") == 1
    assert calls[:2] == ["jobs", "jobs"]
    assert len(calls) == sum(map(len, ADDED_COLUMNS.values())) + 1  # one look each, one re-check
    db.dispose()


def test_the_service_starts_on_an_old_database_and_runs_its_jobs(
    settings: Settings, pipeline_log: PipelineLog
) -> None:
    make_old_database(settings)
    with running(settings, pipeline_log) as client:
        # Jobs from before projects existed belong to no project: only admins see them.
        user = bearer(new_token(client))
        assert client.get(f"{API}/{DONE}", headers=user).status_code == 404
        assert client.get(API, headers=user).json()["jobs"] == []
        _, admin_token = app_state(client).tokens.create("admin", admin=True)
        auth = bearer(admin_token)
        done = wait_status(client, auth, QUEUED, "ready_for_review")
        assert done["language"] == "nn"
        assert done["filename"] == "opptak.wav"
        assert (done["diarize"], done["speakers"], done["speaker_names"]) == (None, None, {})
        assert (done["anonymize"], done["keep_dialect"], done["anonymize_dates"]) == (
            None,
            False,
            False,
        )
        old = client.get(f"{API}/{DONE}", headers=auth).json()
        assert old["status"] == "ready_for_review" and old["interviewer"] is None
        assert old["project"] is None
        transcript = client.get(f"{API}/{DONE}/transcript", headers=auth)
        assert transcript.status_code == 200
        assert transcript.json() == make_transcript(2.0).model_dump(mode="json")
        no_speakers = client.patch(f"{API}/{DONE}/speakers", headers=auth, json={})
        assert no_speakers.json()["code"] == "speakers.not_diarized"
        assert app_state(client).vault.object_ids("audio-") == [f"audio-{QUEUED}"]
    [(source, options)] = pipeline_log.runs
    assert isinstance(source, SealedAudio) and source.object_id == f"audio-{QUEUED}"
    assert options == JobOptions(language="nn")
    assert not settings.storage.uploads_path.exists()
    assert b"opptak.wav" not in database_bytes(settings)
