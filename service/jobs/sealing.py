"""How job data is sealed for the database: under the job's keys, each value bound to its place.

The file name, options and transcript versions are sealed under the job's values key, the
originals behind the tags under its originals key (``service.jobs.job_keys``): shredding a key
makes every copy of those values unreadable, backups included. Each value's context names the
job and the field (``job:<id>:filename``, ``job:<id>:v3:transcript``), so a sealed value copied
into another row or field does not open.
"""

from __future__ import annotations

import hashlib
import json
import logging
from typing import Any

from service.db import Job
from service.jobs.job_keys import JobKeys, KeyShredded, job_key_id, originals_key_id
from service.jobs.lifecycle import JobStatus
from service.jobs.models import JobRecord
from service.jobs.options import options_from_json, options_to_json
from service.options import JobOptions
from service.transcript import Transcript
from service.vault import Vault

logger = logging.getLogger(__name__)


class JobSealer:
    """Seals and opens the personal fields of jobs and their transcript versions."""

    def __init__(self, vault: Vault) -> None:
        self.vault = vault
        self.keys = JobKeys(vault)

    def _seal(self, job_id: str, field: str, text: str) -> str:
        return self.keys.seal(job_key_id(job_id), f"job:{job_id}:{field}", text)

    def _open(self, job_id: str, field: str, sealed: str) -> str:
        return self.keys.open(job_key_id(job_id), f"job:{job_id}:{field}", sealed)

    def forget_job(self, job_id: str) -> None:
        """Destroy the keys made for a job whose row was never written (a refused upload)."""
        self.keys.shred(job_key_id(job_id))
        self.keys.shred(originals_key_id(job_id))

    def filename(self, job_id: str, name: str) -> str:
        return self._seal(job_id, "filename", name)

    def open_filename(self, job_id: str, sealed: str) -> str:
        return self._open(job_id, "filename", sealed) if sealed else ""

    def options(self, job_id: str, options: JobOptions) -> str:
        text = json.dumps(options_to_json(options), ensure_ascii=False, sort_keys=True)
        return self._seal(job_id, "options", text)

    def open_options(
        self, job_id: str, sealed: str | None, language: str | None, model: str | None
    ) -> JobOptions:
        stored: dict[str, Any] | None = None
        if sealed:
            stored = json.loads(self._open(job_id, "options", sealed))
        return options_from_json(stored, language, model)

    def transcript(self, job_id: str, version: int, transcript: Transcript) -> tuple[str, str]:
        """The sealed transcript JSON and the SHA-256 of that JSON."""
        text = transcript.model_dump_json()
        sealed = self._seal(job_id, f"v{version}:transcript", text)
        return sealed, sha256_text(text)

    def open_transcript(self, job_id: str, version: int, sealed: str) -> tuple[Transcript, str]:
        """The transcript and the SHA-256 of its JSON as stored (to compare with the row's)."""
        text = self._open(job_id, f"v{version}:transcript", sealed)
        return Transcript.model_validate_json(text), sha256_text(text)

    def originals(self, job_id: str, version: int, originals: tuple[str, ...] | None) -> str | None:
        if originals is None:
            return None
        text = json.dumps(list(originals), ensure_ascii=False)
        context = f"job:{job_id}:v{version}:originals"
        return self.keys.seal(originals_key_id(job_id), context, text)

    def open_originals(
        self, job_id: str, version: int, sealed: str | None
    ) -> tuple[str, ...] | None:
        """The originals, or ``None`` once deleted: the value gone, or its key shredded (a
        crash between the two, or an old copy of the row)."""
        if sealed is None:
            return None
        context = f"job:{job_id}:v{version}:originals"
        try:
            text = self.keys.open(originals_key_id(job_id), context, sealed)
        except KeyShredded:
            return None
        return tuple(str(item) for item in json.loads(text))

    def record(self, job: Job) -> JobRecord:
        """The read-only record of a row, its sealed fields opened. A job whose key is gone
        (withdrawn, or a data directory restored without it) is shown without its file name
        and options rather than making every list that holds it fail."""
        try:
            filename = self.open_filename(job.id, job.original_filename)
            options = self.open_options(job.id, job.options_sealed, job.language, job.model)
        except KeyShredded:
            if job.status != JobStatus.WITHDRAWN.value:
                logger.warning("job %s: its key is missing; shown without name and options", job.id)
            filename, options = "", self.open_options(job.id, None, job.language, job.model)
        return JobRecord(
            id=job.id,
            status=JobStatus(job.status),
            step=job.step,
            progress=job.progress,
            error_key=job.error_key,
            error_params=dict(job.error_params or {}),
            filename=filename,
            audio_object=job.upload_path,
            size_bytes=job.size_bytes,
            options=options,
            duration=job.duration_seconds,
            attempts=job.attempts,
            created_at=job.created_at,
            updated_at=job.updated_at,
            started_at=job.started_at,
            finished_at=job.finished_at,
            project_id=job.project_id,
            informant_code=job.informant_code,
            created_by=job.created_by,
            audio_sha256=job.audio_sha256,
            transcript_version=job.transcript_version,
            verified_at=job.verified_at,
            verified_by=job.verified_by,
            verified_sha256=job.verified_sha256,
            audio_deleted_at=job.audio_deleted_at,
            deletion_reason=job.deletion_reason,
            receipt_seq=job.receipt_seq,
            withdrawal=job.withdrawal,
        )


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
