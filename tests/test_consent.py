"""Verify -> delete, withdrawal, project end dates and finishing interrupted deletions, on a
real database, vault and audit log."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from service import audit
from service.consent import Consent
from service.consent.deletion import audio_object
from service.consent.receipts import AUDIO_DELETED, JOB_WITHDRAWN, Actor
from service.db import Database, TranscriptVersion, open_database
from service.errors import IntervjuError
from service.jobs import JobStatus, JobStore, NewJob
from service.jobs.job_keys import job_key_id, originals_key_id
from service.jobs.sealing import JobSealer
from service.projects import ProjectStore
from service.vault import Vault, VaultError
from tests import factories

AUDIO = b"RIFF" + os.urandom(5000)
NAME = "Kari Nordmann"
RESEARCHER = Actor(user="forsker", token=7)


@dataclass
class Env:
    db: Database
    vault: Vault
    jobs: JobStore
    projects: ProjectStore
    consent: Consent
    audit_path: Path

    def job(self, *, project: str | None = None, review: bool = True) -> str:
        """A job with a sealed recording; in review (with one redaction) unless told not."""
        job_id = os.urandom(16).hex()
        sealed = self.vault.store(audio_object(job_id), [AUDIO])
        owner = project or self.projects.default_for("forsker").id
        self.jobs.create(
            NewJob(
                id=job_id,
                filename=f"Intervju med {NAME}.m4a",
                audio_object=sealed.object_id,
                size_bytes=sealed.size,
                audio_sha256=sealed.sha256,
                project_id=owner,
                created_by="forsker",
            )
        )
        assert self.jobs.queue(job_id)
        if review:
            assert self.jobs.claim_next() is not None
            assert self.jobs.report_progress(job_id, JobStatus.TRANSCRIBING, "transcribing", 0.5)
            transcript = factories.make_transcript(
                [factories.make_segment(0.0, 2.0, "Jeg heter [navn 1].")], duration=2.0
            )
            assert self.jobs.finish(job_id, transcript, (NAME,))
        return job_id

    def receipts(self, kind: str) -> list[audit.Entry]:
        return [entry for entry in audit.read(self.audit_path) if entry.kind == kind]


@pytest.fixture
def env(tmp_path: Path, db_url: str) -> Iterator[Env]:
    db = open_database(db_url)
    db.upgrade()
    vault = Vault(tmp_path / "vault", os.urandom(32))
    jobs = JobStore(db, vault)
    path = tmp_path / "audit.log"
    yield Env(db, vault, jobs, ProjectStore(db), Consent(db, jobs, vault, path), path)
    db.dispose()


def test_verify_keeps_the_transcript_and_shreds_the_audio_with_a_receipt(env: Env) -> None:
    job_id = env.job()
    before = env.jobs.get(job_id)
    assert before is not None and env.vault.exists(audio_object(job_id))

    record = env.consent.verify(job_id, 1, RESEARCHER)

    assert record.status is JobStatus.AUDIO_DELETED
    assert record.deletion_reason == "verified" and record.verified_by == "forsker"
    assert not env.vault.exists(audio_object(job_id))
    assert env.vault.object_ids(audio_object(job_id)) == []
    latest = env.jobs.latest_version(job_id)
    assert latest is not None and latest.originals is None  # the names behind the tags
    assert latest.transcript.text == "Jeg heter [navn 1]."
    assert record.verified_sha256 == latest.sha256
    [entry] = env.receipts(AUDIO_DELETED)
    assert entry.seq == record.receipt_seq
    data = entry.data
    assert data["job"] == job_id and data["project"] == before.project_id
    assert data["audio_sha256"] == before.audio_sha256 and data["audio_bytes"] == len(AUDIO)
    assert data["audio_seconds"] == 2.0 and data["transcript_sha256"] == latest.sha256
    assert data["uploaded_at"] and data["verified_at"] and data["deleted_at"]
    assert data["by"] == {"user": "forsker", "token": 7, "via": "api"}
    assert NAME not in json.dumps(data) and "Kari" not in entry.hash
    assert audit.verify(env.audit_path, {entry.seq: entry.hash}).ok


def test_a_project_may_keep_audio_until_its_end_date(env: Env) -> None:
    keep = env.projects.create("Langtid", "forsker", delete_audio_after_verify=False)
    job_id = env.job(project=keep.id)
    record = env.consent.verify(job_id, None, RESEARCHER)
    assert record.status is JobStatus.VERIFIED
    assert env.vault.exists(audio_object(job_id))
    assert env.receipts(AUDIO_DELETED) == []
    assert not env.jobs.sealer.keys.exists(originals_key_id(job_id))  # the names go anyway


@pytest.mark.parametrize("version", [2, 0])
def test_verifying_another_version_than_the_newest_deletes_nothing(env: Env, version: int) -> None:
    job_id = env.job()
    with pytest.raises(IntervjuError) as caught:
        env.consent.verify(job_id, version, RESEARCHER)
    assert caught.value.key == "review.version_conflict"
    assert env.vault.exists(audio_object(job_id))
    assert env.jobs.get(job_id).status is JobStatus.READY_FOR_REVIEW  # type: ignore[union-attr]


def test_a_job_without_a_transcript_cannot_be_verified(env: Env) -> None:
    job_id = env.job(review=False)
    with pytest.raises(IntervjuError, match="not in review"):
        env.consent.verify(job_id, None, RESEARCHER)
    assert env.vault.exists(audio_object(job_id))


def test_a_transcript_that_does_not_read_back_keeps_the_audio(env: Env) -> None:
    job_id = env.job()
    with env.db.sessions.begin() as session:  # a stored copy that no longer opens
        session.execute(
            update(TranscriptVersion)
            .where(TranscriptVersion.job_id == job_id)
            .values(transcript="AQ" + "A" * 200)
        )
    with pytest.raises(IntervjuError) as caught:
        env.consent.verify(job_id, None, RESEARCHER)
    assert caught.value.key == "verify.checksum_mismatch"
    assert env.vault.exists(audio_object(job_id))
    assert env.jobs.get(job_id).status is JobStatus.READY_FOR_REVIEW  # type: ignore[union-attr]


def test_purge_leaves_a_receipt_without_personal_data(env: Env) -> None:
    job_id = env.job()
    before = env.jobs.get(job_id)
    assert before is not None

    receipt = env.consent.purge(job_id, RESEARCHER)

    after = env.jobs.get(job_id)
    assert after is not None and after.status is JobStatus.WITHDRAWN
    assert after.filename == "" and after.receipt_seq == receipt.entry.seq
    assert env.jobs.list_versions(job_id) == [] and env.jobs.latest_version(job_id) is None
    assert not env.vault.exists(audio_object(job_id))
    text = json.dumps(receipt.entry.data)
    assert NAME not in text and "S1" not in text and str(before.audio_sha256) not in text
    assert receipt.entry.data["transcript_versions_deleted"] == 1
    assert receipt.entry.data["audio_deleted"] is True
    again = env.consent.purge(job_id, RESEARCHER)  # asking twice hands out the same receipt
    assert again.entry == receipt.entry and len(env.receipts(JOB_WITHDRAWN)) == 1


def test_purge_after_verification_removes_the_transcript_too(env: Env) -> None:
    job_id = env.job()
    env.consent.verify(job_id, None, RESEARCHER)
    receipt = env.consent.purge(job_id, RESEARCHER)
    assert receipt.entry.data["status_before"] == "audio_deleted"
    assert receipt.entry.data["audio_deleted"] is False
    assert env.jobs.list_versions(job_id) == []
    assert audit.verify(env.audit_path).ok and audit.verify(env.audit_path).entries == 2


def test_a_project_end_date_deletes_audio_in_every_state_and_warns_ahead(env: Env) -> None:
    end = date.today() + timedelta(days=30)
    project = env.projects.create("Studie", "forsker", end_date=end)
    other = env.job()  # the default project has no end date
    in_review, queued = env.job(project=project.id), env.job(project=project.id, review=False)

    assert env.consent.run_deadlines(end - timedelta(days=20), warn_days=14) == []
    assert env.consent.run_deadlines(end - timedelta(days=10), warn_days=14) == []
    [warning] = env.receipts("deadline_warning")
    expected = {"project": project.id, "end_date": end.isoformat(), "jobs_with_audio": 2}
    assert warning.data == expected
    assert env.consent.run_deadlines(end - timedelta(days=9), warn_days=14) == []
    assert len(env.receipts("deadline_warning")) == 1  # once
    assert env.consent.run_deadlines(end, warn_days=14) == []  # the end date itself still counts

    done = env.consent.run_deadlines(end + timedelta(days=1), warn_days=14)

    assert {receipt.job.id for receipt in done} == {in_review, queued}
    for job_id in (in_review, queued):
        record = env.jobs.get(job_id)
        assert record is not None and record.status is JobStatus.AUDIO_DELETED
        assert record.deletion_reason == "project_end_date"
        assert not env.vault.exists(audio_object(job_id))
    latest = env.jobs.latest_version(in_review)
    assert latest is not None and latest.originals is None  # transcript kept, names gone
    assert not env.jobs.sealer.keys.exists(originals_key_id(in_review))
    assert env.jobs.sealer.keys.exists(job_key_id(in_review))
    assert env.jobs.latest_version(queued) is None
    assert env.vault.exists(audio_object(other))
    assert {e.data["reason"] for e in env.receipts(AUDIO_DELETED)} == {"project_end_date"}
    assert all(e.data["by"] is None for e in env.receipts(AUDIO_DELETED))


def test_complete_pending_finishes_a_verification_a_crash_interrupted(env: Env) -> None:
    job_id = env.job()
    assert env.jobs.mark_verified(job_id, version=1, sha256="0" * 64, by="forsker")
    assert env.vault.exists(audio_object(job_id))  # the crash came before the shred

    assert env.consent.complete_pending() == 1

    record = env.jobs.get(job_id)
    assert record is not None and record.status is JobStatus.AUDIO_DELETED
    assert not env.vault.exists(audio_object(job_id))
    assert len(env.receipts(AUDIO_DELETED)) == 1
    assert env.consent.complete_pending() == 0


def test_complete_pending_never_writes_a_second_receipt(env: Env) -> None:
    job_id = env.job()
    original = env.jobs.mark_audio_deleted
    env.jobs.mark_audio_deleted = lambda *a, **k: False  # type: ignore[method-assign]
    env.consent.verify(job_id, None, RESEARCHER)  # the crash: receipt written, job not marked
    env.jobs.mark_audio_deleted = original  # type: ignore[method-assign]
    assert env.jobs.get(job_id).status is JobStatus.VERIFIED  # type: ignore[union-attr]

    env.consent.complete_pending()

    record = env.jobs.get(job_id)
    assert record is not None and record.status is JobStatus.AUDIO_DELETED
    [entry] = env.receipts(AUDIO_DELETED)
    assert record.receipt_seq == entry.seq


def test_complete_pending_shreds_recordings_of_no_job(env: Env) -> None:
    orphan = audio_object(os.urandom(16).hex())
    env.vault.store(orphan, [AUDIO])  # stored, but the job row never written
    kept = env.job(review=False)
    env.consent.complete_pending()
    assert not env.vault.exists(orphan)
    assert env.vault.exists(audio_object(kept))


def test_complete_pending_finishes_a_withdrawal_without_receipt(env: Env) -> None:
    job_id = env.job()
    assert env.jobs.withdraw(job_id)  # the crash came before the shred and the receipt
    env.consent.complete_pending()
    record = env.jobs.get(job_id)
    assert record is not None and record.receipt_seq is not None
    assert not env.vault.exists(audio_object(job_id))
    assert len(env.receipts(JOB_WITHDRAWN)) == 1


# -- per-job keys: what deletion destroys also goes from backups ----------------------------


def _sealed_columns(env: Env, job_id: str) -> tuple[str, str | None]:
    """The sealed transcript and originals of version 1 as the database holds them now."""
    with env.db.sessions() as session:
        query = select(TranscriptVersion).where(
            TranscriptVersion.job_id == job_id, TranscriptVersion.version == 1
        )
        row = session.scalars(query).one()
        return row.transcript, row.originals


def _backup(env: Env, tmp_path: Path) -> sqlite3.Connection:
    """A byte copy of the SQLite database file, as a backup would take it."""
    env.db.truncate_log()
    copy = tmp_path / "backup.db"
    shutil.copyfile(tmp_path / "intervju.db", copy)
    return sqlite3.connect(copy)


def _from_backup(backup: sqlite3.Connection, job_id: str) -> tuple[str, str]:
    query = "SELECT transcript, originals FROM transcript_versions WHERE job_id = ? AND version = 1"
    transcript, originals = backup.execute(query, (job_id,)).fetchone()
    return str(transcript), str(originals)


def _opens_originals(env: Env, job_id: str, sealed: str) -> bool:
    """Whether the sealed originals still open with the master key and the vault (no cache)."""
    try:
        return JobSealer(env.vault).open_originals(job_id, 1, sealed) is not None
    except VaultError:
        return False


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_verify_makes_the_originals_in_a_backup_unreadable(env: Env, tmp_path: Path) -> None:
    job_id = env.job()
    _, originals = _from_backup(_backup(env, tmp_path), job_id)
    assert _opens_originals(env, job_id, originals)  # before: the backup holds the names

    env.consent.verify(job_id, None, RESEARCHER)

    assert not _opens_originals(env, job_id, originals)
    latest = env.jobs.latest_version(job_id)  # the transcript itself stays readable
    assert latest is not None and latest.transcript.text == "Jeg heter [navn 1]."


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_withdrawal_makes_the_transcript_in_a_backup_unreadable(env: Env, tmp_path: Path) -> None:
    job_id = env.job()
    transcript, originals = _from_backup(_backup(env, tmp_path), job_id)
    JobSealer(env.vault).open_transcript(job_id, 1, transcript)  # before: readable

    env.consent.purge(job_id, RESEARCHER)

    with pytest.raises(VaultError):
        JobSealer(env.vault).open_transcript(job_id, 1, transcript)
    assert not _opens_originals(env, job_id, originals)


def test_sealed_originals_saved_before_verify_no_longer_open(env: Env) -> None:
    job_id = env.job()
    _, originals = _sealed_columns(env, job_id)  # what a dead row version or WAL keeps
    assert originals is not None and _opens_originals(env, job_id, originals)
    env.consent.verify(job_id, None, RESEARCHER)
    assert not _opens_originals(env, job_id, originals)


def test_key_files_of_verified_and_withdrawn_jobs(env: Env, tmp_path: Path) -> None:
    verified, withdrawn = env.job(), env.job()
    keys = tmp_path / "vault" / "keys"
    for job_id in (verified, withdrawn):
        mine = [path for path in keys.iterdir() if job_id in path.name]
        assert {job_key_id(job_id), originals_key_id(job_id)} <= {p.stem for p in mine}
        assert all(path.stat().st_mode & 0o777 == 0o600 for path in mine)

    env.consent.verify(verified, None, RESEARCHER)
    env.consent.purge(withdrawn, RESEARCHER)

    assert sorted(p.stem for p in keys.iterdir() if verified in p.name) == [job_key_id(verified)]
    assert [p for p in keys.iterdir() if withdrawn in p.name] == []
    record = env.jobs.get(verified)
    assert record is not None and record.filename == f"Intervju med {NAME}.m4a"


def test_originals_whose_key_is_gone_read_as_none(env: Env) -> None:
    job_id = env.job()
    env.vault.shred(originals_key_id(job_id))  # as after a crash between the shred and the row
    fresh = JobStore(env.db, env.vault)
    latest = fresh.latest_version(job_id)
    assert latest is not None and latest.originals is None
    assert latest.transcript.text == "Jeg heter [navn 1]."


def test_values_sealed_by_earlier_versions_still_open(env: Env) -> None:
    job_id = env.job()
    legacy = env.vault.seal_text(f"job:{job_id}:v1:originals", json.dumps([NAME]))
    with env.db.sessions.begin() as session:  # an inline-wrapped value, as before job keys
        session.execute(
            update(TranscriptVersion)
            .where(TranscriptVersion.job_id == job_id)
            .values(originals=legacy)
        )
    latest = JobStore(env.db, env.vault).latest_version(job_id)
    assert latest is not None and latest.originals == (NAME,)
    _, stored = _sealed_columns(env, job_id)
    assert stored == legacy


def test_complete_pending_shreds_the_keys_a_crash_left(env: Env, tmp_path: Path) -> None:
    keep = env.projects.create("Langtid", "forsker", delete_audio_after_verify=False)
    verified, withdrawn = env.job(project=keep.id), env.job()
    assert env.jobs.mark_verified(verified, version=1, sha256="0" * 64, by="forsker")
    assert env.jobs.withdraw(withdrawn)  # crashes before the keys were shredded
    stray = job_key_id(os.urandom(16).hex())
    env.vault.create_key(stray)  # a job row that was never written
    old = time.time() - 3600
    os.utime(tmp_path / "vault" / "keys" / f"{stray}.key", (old, old))

    env.consent.complete_pending()

    keys = {path.stem for path in (tmp_path / "vault" / "keys").iterdir()}
    assert job_key_id(verified) in keys and originals_key_id(verified) not in keys
    assert not {job_key_id(withdrawn), originals_key_id(withdrawn), stray} & keys
