"""Start-up clean-up against the wrong database deletes nothing: the vault and the database
carry one id, and recordings and keys of "no job" are shredded only when both hold it."""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

import pytest

from service.consent import Consent, binding
from service.consent.deletion import audio_object
from service.db import Database, open_database
from service.jobs import JobStore, NewJob
from service.jobs.job_keys import job_key_id
from service.vault import Vault

MASTER = os.urandom(32)


def database(url: str) -> Database:
    db = open_database(url)
    db.upgrade()
    return db


def upload(db: Database, vault: Vault) -> str:
    """A stored recording with its job row, as an upload leaves it."""
    job_id = os.urandom(16).hex()
    vault.store(audio_object(job_id), [b"lyd"])
    JobStore(db, vault).create(
        NewJob(id=job_id, filename="Kari.m4a", audio_object=audio_object(job_id), size_bytes=3)
    )
    return job_id


def start(db: Database, vault: Vault, tmp_path: Path) -> int:
    return Consent(db, JobStore(db, vault), vault, tmp_path / "audit.log").complete_pending()


def test_a_start_against_a_new_database_deletes_nothing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    vault = Vault(tmp_path / "vault", MASTER)
    right = database(f"sqlite:///{tmp_path / 'intervju.db'}")
    job_id = upload(right, vault)
    start(right, vault, tmp_path)  # the installation's first start binds them
    assert vault.instance_id() is not None

    wrong = database(f"sqlite:///{tmp_path / 'skrivefeil.db'}")  # a mistyped URL
    with caplog.at_level(logging.ERROR):
        assert start(wrong, vault, tmp_path) == 0
    assert "do not belong together" in caplog.text
    assert vault.exists(audio_object(job_id)) and vault.key_path(job_key_id(job_id)).exists()
    record = JobStore(right, vault).get(job_id)  # back on the right one: all there
    assert record is not None and record.filename == "Kari.m4a"
    for db in (right, wrong):
        db.dispose()


def test_the_first_start_of_an_installation_binds_and_cleans_up(
    db_url: str, tmp_path: Path
) -> None:
    vault = Vault(tmp_path / "vault", MASTER)
    db = database(db_url)
    kept = upload(db, vault)
    orphan = audio_object(os.urandom(16).hex())
    vault.store(orphan, [b"lyd"])  # killed before its row was written
    assert start(db, vault, tmp_path) == 1
    assert not vault.exists(orphan) and vault.exists(audio_object(kept))
    assert binding.bound(db, vault) and binding._db_id(db) == vault.instance_id()
    db.dispose()


def test_a_database_without_jobs_beside_a_vault_with_data_is_not_bound(tmp_path: Path) -> None:
    vault = Vault(tmp_path / "vault", MASTER)
    vault.store(audio_object("a" * 32), [b"lyd"])
    db = database(f"sqlite:///{tmp_path / 'ny.db'}")
    assert not binding.bound(db, vault)
    assert vault.instance_id() is None and binding._db_id(db) is None
    db.dispose()


def test_a_new_empty_data_directory_joins_its_database(tmp_path: Path) -> None:
    db = database(f"sqlite:///{tmp_path / 'intervju.db'}")
    assert binding.bound(db, Vault(tmp_path / "a", MASTER))
    fresh = Vault(tmp_path / "b", MASTER)  # e.g. a second host's mount, still empty
    assert binding.bound(db, fresh) and fresh.instance_id() == binding._db_id(db)
    used = Vault(tmp_path / "c", MASTER)
    used.store(audio_object("b" * 32), [b"lyd"])
    assert not binding.bound(db, used)  # a vault with data that never knew this database
    db.dispose()


def test_processes_binding_at_once_agree(db_url: str, tmp_path: Path) -> None:
    db = database(db_url)
    vault = Vault(tmp_path / "vault", MASTER)
    barrier = threading.Barrier(6)
    results: list[bool] = []

    def bind() -> None:
        barrier.wait()
        results.append(binding.bound(db, Vault(tmp_path / "vault", MASTER)))

    threads = [threading.Thread(target=bind) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(results) and len(results) == 6
    assert binding._db_id(db) == vault.instance_id()
    db.dispose()


def test_a_job_whose_key_is_gone_does_not_break_the_list(tmp_path: Path) -> None:
    vault = Vault(tmp_path / "vault", MASTER)
    db = database(f"sqlite:///{tmp_path / 'intervju.db'}")
    damaged, fine = upload(db, vault), upload(db, vault)
    vault.shred(job_key_id(damaged))  # e.g. a data directory restored without it
    store = JobStore(db, vault)
    listed = {job.id: job.filename for job in store.list_recent()}
    assert listed == {damaged: "", fine: "Kari.m4a"}
    record = store.get(damaged)
    assert record is not None and record.filename == ""
    db.dispose()


def test_a_failed_create_leaves_no_key_and_keeps_an_existing_jobs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy.exc import IntegrityError

    from service.jobs import creation

    vault = Vault(tmp_path / "vault", MASTER)
    db = database(f"sqlite:///{tmp_path / 'intervju.db'}")
    store = JobStore(db, vault)
    existing = upload(db, vault)
    with pytest.raises(IntegrityError):  # the same id again: its key must stay
        store.create(
            NewJob(id=existing, filename="x.m4a", audio_object=audio_object(existing), size_bytes=1)
        )
    assert vault.key_path(job_key_id(existing)).exists()

    def broken(*_: object) -> None:
        raise RuntimeError("database gone")

    monkeypatch.setattr(creation.events, "record", broken)
    with pytest.raises(RuntimeError):
        store.create(NewJob(id="f" * 32, filename="y.m4a", audio_object="audio-f", size_bytes=1))
    assert not vault.key_path(job_key_id("f" * 32)).exists()
    record = store.get(existing)
    assert record is not None and record.filename == "Kari.m4a"
    db.dispose()
