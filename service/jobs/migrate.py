"""At start: seal what versions before 0.5 stored in plain text.

Those versions kept the upload as ``<data_dir>/uploads/<id>.upload``, the client's file name,
the options (with speaker names) and the transcript in plain columns. Each such job is sealed
in place: the recording moves into the vault (then the plaintext file is unlinked), the file
name, options and transcript are sealed into their new columns and the plain columns emptied.
A legacy ``done`` job becomes ``ready_for_review``: nobody has verified it yet; ``cancelled``
becomes ``failed``. Safe to interrupt: a job is rewritten in one transaction, and a recording
already moved is found again by its object id.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import select, update

from service.db import Database, Job, TranscriptVersion, utcnow
from service.jobs.lifecycle import JobStatus
from service.jobs.options import options_from_json
from service.jobs.sealing import JobSealer
from service.transcript import Transcript
from service.vault import Vault

logger = logging.getLogger(__name__)

_STATUS = {"done": JobStatus.READY_FOR_REVIEW.value, "cancelled": JobStatus.FAILED.value}
_CHUNK = 1 << 20


def seal_legacy_jobs(db: Database, vault: Vault, uploads_dir: Path) -> int:
    """Seal every job a version before 0.5 left in plain text; returns how many."""
    sealer = JobSealer(vault)
    query = select(Job.id).where(
        Job.options_sealed.is_(None), Job.status != JobStatus.WITHDRAWN.value
    )
    with db.sessions() as session:
        legacy = list(session.scalars(query))
    for job_id in legacy:
        _seal_job(db, sealer, vault, uploads_dir, job_id)
    if legacy:
        db.truncate_log()
        logger.warning("sealed %d job(s) stored in plain text by an older version", len(legacy))
    _remove_leftovers(uploads_dir)
    return len(legacy)


def _seal_job(db: Database, sealer: JobSealer, vault: Vault, uploads: Path, job_id: str) -> None:
    object_id = f"audio-{job_id}"
    plain = uploads / f"{job_id}.upload"
    digest = None
    if plain.is_file() and not vault.exists(object_id):
        vault.shred(object_id)  # a half-moved copy from an interrupted start
        digest = vault.store(object_id, _chunks(plain)).sha256
    elif vault.exists(object_id):
        digest = hashlib.sha256(vault.read(object_id)).hexdigest()
    with db.sessions.begin() as session:
        job = session.get(Job, job_id)
        if job is None:
            return
        options = options_from_json(job.options, job.language, job.model)
        values: dict[str, object] = {
            "original_filename": sealer.filename(job_id, job.original_filename or ""),
            "options_sealed": sealer.options(job_id, options),
            "options": None,
            "upload_path": object_id,
            "audio_sha256": digest,
            "status": _STATUS.get(job.status, job.status),
            "transcript_json": None,
            "updated_at": utcnow(),
        }
        if job.transcript_json:
            transcript = Transcript.model_validate_json(job.transcript_json)
            sealed, sha = sealer.transcript(job_id, 1, transcript)
            session.add(
                TranscriptVersion(
                    job_id=job_id,
                    version=1,
                    created_at=utcnow(),
                    author=None,
                    change="migrated",
                    sha256=sha,
                    transcript=sealed,
                    originals=None,
                )
            )
            values["transcript_version"] = 1
        session.execute(update(Job).where(Job.id == job_id).values(**values))
    plain.unlink(missing_ok=True)


def _chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            yield chunk


def _remove_leftovers(uploads: Path) -> None:
    """Plaintext uploads of jobs that no longer exist, and the old folder once empty."""
    if not uploads.is_dir():
        return
    for path in uploads.iterdir():
        if path.is_file() and path.name.endswith((".upload", ".upload.part")):
            path.unlink(missing_ok=True)
    try:
        uploads.rmdir()
    except OSError:
        logger.warning("%s holds files intervju did not write; left as it is", uploads)


__all__ = ["seal_legacy_jobs"]
