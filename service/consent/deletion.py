"""Verify -> delete, project end dates and withdrawal: the order of every step is what makes
them safe to interrupt at any point.

Verification: the final transcript is already a stored version; it is re-read from disk after
a full checkpoint and its SHA-256 compared with the one computed when it was written, and only
then is the job marked verified (which also deletes the originals behind the tags), and then
the job's originals key is shredded, so copies of the originals in old row versions, WAL and
backups go too. Audio deletion then crypto-shreds the recording (key first, then the file,
then any partial copy), appends the receipt and marks the job. Withdrawal empties the row and
deletes the transcript versions first, then shreds the recording and both job keys, then
writes the receipt. A crash anywhere leaves a state ``complete_pending`` finishes at the next
start: a verified job whose audio or originals key is still there, or a withdrawn job with a
key or without its receipt. Audio is never deleted before its transcript is verified, except by the
project's end date or a withdrawal, which is what the consent form says.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from service import audit
from service.consent import binding, receipts
from service.consent.receipts import Actor
from service.db import Database, utcnow
from service.errors import IntervjuError
from service.jobs import JobRecord, JobStatus, JobStore
from service.jobs.job_keys import job_key_id, originals_key_id
from service.jobs.lifecycle import HAS_AUDIO
from service.projects import ProjectRecord, ProjectStore
from service.vault import Vault, VaultError

logger = logging.getLogger(__name__)

STRAY_KEY_AGE_S = 3600.0  # a job key of no job this old was made for a row never written


@dataclass(frozen=True)
class Receipt:
    """A receipt in the audit log and the job it is about."""

    job: JobRecord
    entry: audit.Entry


def audio_object(job_id: str) -> str:
    """The vault object of a job's recording."""
    return f"audio-{job_id}"


class Consent:
    """The deletion side of a job's life. Safe to use from several threads and processes.

    ``on_audio_deleted(job_id)`` is called after every shred of a job's recording, whatever the
    path (verify, withdrawal, end date, a deletion finished at start), so that copies held in
    memory (the review page's playback copy) go with it."""

    def __init__(
        self,
        db: Database,
        jobs: JobStore,
        vault: Vault,
        audit_path: Path,
        on_audio_deleted: Callable[[str], None] | None = None,
    ) -> None:
        self._db = db
        self._jobs = jobs
        self._projects = ProjectStore(db)
        self._vault = vault
        self._keys = jobs.sealer.keys
        self._audit_path = audit_path
        self._on_audio_deleted = on_audio_deleted

    # -- verify ----------------------------------------------------------------------------

    def verify(self, job_id: str, version: int | None, who: Actor | None) -> JobRecord:
        """Mark the transcript ``version`` (the latest) as checked and final, then delete the
        audio if the project says so. Raises ``IntervjuError`` when that is not possible."""
        job = self._require(job_id)
        if job.status is JobStatus.VERIFIED:
            return self._after_verify(job, who)
        if job.status is not JobStatus.READY_FOR_REVIEW:
            raise IntervjuError("job.not_in_review", status=job.status.value)
        versions = self._jobs.list_versions(job_id)
        if not versions:
            raise IntervjuError("job.not_found")
        latest = versions[-1]
        if version is not None and version != latest.version:
            raise IntervjuError("review.version_conflict", base=version, latest=latest.version)
        self._db.truncate_log()  # everything on disk in the database file itself
        try:  # re-read from disk: decrypts, parses and checks the SHA-256 of what was written
            stored = self._jobs.get_version(job_id, latest.version)
        except (VaultError, ValueError, RuntimeError):
            stored = None
        if stored is None or stored.sha256 != latest.sha256:
            raise IntervjuError("verify.checksum_mismatch")
        by = who.user if who is not None else None
        if not self._jobs.mark_verified(
            job_id, version=latest.version, sha256=latest.sha256, by=by
        ):
            raise IntervjuError("job.not_in_review", status=self._require(job_id).status.value)
        logger.info("job %s: version %d verified", job_id, latest.version)
        return self._after_verify(self._require(job_id), who)

    def _after_verify(self, job: JobRecord, who: Actor | None) -> JobRecord:
        if self._deletes_after_verify(job):
            self.delete_audio(job, receipts.REASON_VERIFIED, who)  # shreds the originals key
        else:
            self.shred_originals(job.id)
        return self._require(job.id)

    def _deletes_after_verify(self, job: JobRecord) -> bool:
        project = self._projects.get(job.project_id) if job.project_id else None
        return project is None or project.delete_audio_after_verify

    # -- audio deletion ----------------------------------------------------------------------

    def delete_audio(self, job: JobRecord, reason: str, who: Actor | None) -> Receipt:
        """Crypto-shred the recording, write the receipt, mark the job ``audio_deleted``."""
        self.shred_audio(job.id)
        if reason != receipts.REASON_VERIFIED:
            self._jobs.drop_originals(job.id)
        entry = receipts.find(self._audit_path, receipts.AUDIO_DELETED, job.id)
        if entry is None:
            data = receipts.audio_deleted(
                job, reason=reason, deleted_at=utcnow(), by=receipts.actor(who)
            )
            entry = audit.append(self._audit_path, receipts.AUDIO_DELETED, data)
        if not self._jobs.mark_audio_deleted(job.id, reason=reason, receipt_seq=entry.seq):
            logger.warning("job %s: audio deleted but the job had moved on", job.id)
        if reason != receipts.REASON_VERIFIED:
            self._jobs.drop_originals(job.id)  # a run that finished meanwhile stored some
        self.shred_originals(job.id)
        logger.info("job %s: audio deleted (%s), receipt %d", job.id, reason, entry.seq)
        return Receipt(self._require(job.id), entry)

    def shred_audio(self, job_id: str) -> int:
        """Destroy every stored copy of a job's recording; returns how many objects."""
        objects = self._vault.object_ids(audio_object(job_id))
        for object_id in objects:
            self._vault.shred(object_id)
        if self._on_audio_deleted is not None:
            self._on_audio_deleted(job_id)
        return len(objects)

    def shred_originals(self, job_id: str) -> bool:
        """Destroy the key of a job's originals (once no row holds them); ``False`` if gone."""
        return self._keys.shred(originals_key_id(job_id))

    def shred_job_keys(self, job_id: str) -> bool:
        """Destroy both keys of a withdrawn job; ``False`` if both were gone."""
        values = self._keys.shred(job_key_id(job_id))
        return self.shred_originals(job_id) or values

    # -- withdrawal -------------------------------------------------------------------------

    def purge(self, job_id: str, who: Actor | None) -> Receipt:
        """Everything of a job deleted (consent withdrawn); the receipt holds no personal data."""
        job = self._require(job_id)
        if job.status is JobStatus.WITHDRAWN and job.receipt_seq is not None:
            entry = receipts.entry_at(self._audit_path, job.receipt_seq)
            if entry is not None:
                return Receipt(job, entry)
        if job.status is JobStatus.WITHDRAWN:  # finishing one a crash interrupted
            data = job.withdrawal or receipts.job_withdrawn(
                job, had_audio=False, versions=0, deleted_at=utcnow(), by=None
            )
        else:
            data = receipts.job_withdrawn(
                job,
                had_audio=job.status in HAS_AUDIO,
                versions=len(self._jobs.list_versions(job_id)),
                deleted_at=utcnow(),
                by=receipts.actor(who),
            )
            # Withdrawn first: from here on no step of the pipeline or the review can use the
            # job, and a crash before the shred is finished at the next start.
            if not self._jobs.withdraw(job_id, data):
                raise IntervjuError("job.not_found")
        self.shred_audio(job_id)
        self.shred_job_keys(job_id)
        entry = receipts.find(self._audit_path, receipts.JOB_WITHDRAWN, job_id)
        if entry is None:
            entry = audit.append(self._audit_path, receipts.JOB_WITHDRAWN, data)
        self._jobs.set_receipt(job_id, entry.seq)
        logger.info("job %s: withdrawn, receipt %d", job_id, entry.seq)
        return Receipt(self._require(job_id), entry)

    # -- deadlines ----------------------------------------------------------------------------

    def run_deadlines(self, today: date, warn_days: int) -> list[Receipt]:
        """Delete the audio of every job of a project past its end date; warn ahead of it."""
        done: list[Receipt] = []
        for project in self._projects.due_for_deletion(today):
            for job in self._jobs.in_states(HAS_AUDIO, project_id=project.id):
                done.append(self.delete_audio(job, receipts.REASON_PROJECT_END, None))
        for project in self._projects.due_for_warning(today, warn_days):
            self._warn(project)
        return done

    def _warn(self, project: ProjectRecord) -> None:
        pending = len(self._jobs.in_states(HAS_AUDIO, project_id=project.id))
        data = {
            "project": project.id,
            "end_date": project.end_date.isoformat() if project.end_date else None,
            "jobs_with_audio": pending,
        }
        audit.append(self._audit_path, receipts.DEADLINE_WARNING, data)
        self._projects.mark_warned(project.id)
        logger.warning(
            "project %s ends %s: the audio of %d job(s) will then be deleted",
            project.id,
            data["end_date"],
            pending,
        )

    # -- after a crash -----------------------------------------------------------------------

    def complete_pending(self) -> int:
        """At start: finish deletions a crash interrupted. Returns how many jobs it touched."""
        touched = 0
        for job in self._jobs.in_states(frozenset({JobStatus.VERIFIED})):
            if self._deletes_after_verify(job):
                self.delete_audio(job, receipts.REASON_VERIFIED, None)
                touched += 1
        gone = frozenset({JobStatus.AUDIO_DELETED, JobStatus.WITHDRAWN})
        for job in self._jobs.in_states(gone):
            withdrawn = job.status is JobStatus.WITHDRAWN
            keys = self.shred_job_keys(job.id) if withdrawn else self.shred_originals(job.id)
            if self.shred_audio(job.id) or keys:
                touched += 1
            if withdrawn and job.receipt_seq is None:
                self.purge(job.id, None)
                touched += 1
        for job in self._jobs.in_states(frozenset({JobStatus.VERIFIED})):  # audio kept
            if self.shred_originals(job.id):
                touched += 1
        touched += self._drop_leftovers()
        if touched:
            logger.warning("completed %d interrupted deletion(s)", touched)
        return touched

    def _drop_leftovers(self) -> int:
        """Recordings and job keys of no job: an upload killed before its row was written.
        Only when this database and this vault belong together (``binding``): against another
        database everything would look left over."""
        if not binding.bound(self._db, self._vault):
            logger.error(
                "the database and the data directory's vault do not belong together (another "
                "database, or a new one beside old data): nothing is deleted as left over; "
                "check INTERVJU_DATABASE_URL and INTERVJU_STORAGE__DATA_DIR"
            )
            return 0
        dropped = 0
        known = self._jobs.ids()
        for object_id in self._vault.object_ids("audio-"):
            if object_id.removeprefix("audio-") not in known:
                self._vault.shred(object_id)  # an upload that never became a job
                dropped += 1
        for key_id in self._keys.strays(known, STRAY_KEY_AGE_S):
            self._keys.shred(key_id)  # a job whose row was never written
            dropped += 1
        return dropped

    def _require(self, job_id: str) -> JobRecord:
        job = self._jobs.get(job_id)
        if job is None:
            raise IntervjuError("job.not_found")
        return job
