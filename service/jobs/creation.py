"""Creating a job: its row, with the personal fields sealed, and its informant code.

Informant codes are unique within a project (a unique index on ``(project_id,
informant_code)``, revision 0003). A job of a project without a code gets the project's next
free ``S<n>``, read in the transaction that inserts the job; two uploads that read the same
highest code at once cannot both insert it: the loser's insert fails on the index, and it reads
again and takes the next one (at most ``MAX_TRIES`` times). A code the researcher gave that the
project already has raises ``InformantCodeTaken``.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from service.db import Database, Job, utcnow
from service.jobs import events
from service.jobs.lifecycle import JobStatus
from service.jobs.models import InformantCodesExhausted, InformantCodeTaken, NewJob
from service.jobs.sealing import JobSealer
from service.projects import INFORMANT_CODE_MAX, next_code_in

logger = logging.getLogger(__name__)

# Each failed try means another upload to the project took a code meanwhile.
MAX_TRIES = 50


def insert(db: Database, sealer: JobSealer, new: NewJob) -> Job:
    """Insert the job (``uploaded``) and its first event in one transaction."""
    columns = _columns(sealer, new)
    numbered = new.project_id is not None and new.informant_code is None
    failed: str | None = None
    for _ in range(MAX_TRIES if numbered else 1):
        code = new.informant_code
        try:
            with db.sessions.begin() as session:
                if numbered and new.project_id is not None:
                    code = next_code_in(session, new.project_id)
                    if len(code) > INFORMANT_CODE_MAX:
                        raise InformantCodesExhausted()
                job = Job(**columns, informant_code=code)
                session.add(job)
                session.flush()
                events.record(session, job.id, "status")
            return job
        except IntegrityError:
            if code is None or not _taken(db, new.project_id, code):
                raise
            if not numbered:
                raise InformantCodeTaken(code) from None
            if code == failed:  # numbering read the same taken code twice: no race, a bug
                raise RuntimeError(f"job {new.id}: the numbering repeats a taken code") from None
            failed = code
            logger.info("job %s: its informant code was taken meanwhile; numbering again", new.id)
    raise RuntimeError(f"job {new.id}: no free informant code after {MAX_TRIES} tries")


def _columns(sealer: JobSealer, new: NewJob) -> dict[str, Any]:
    now = utcnow()
    return {
        "id": new.id,
        "status": JobStatus.UPLOADED.value,
        "step": None,
        "progress": 0.0,
        "original_filename": sealer.filename(new.id, new.filename),
        "upload_path": new.audio_object,
        "size_bytes": new.size_bytes,
        "language": new.options.language,
        "model": new.options.model,
        "options_sealed": sealer.options(new.id, new.options),
        "attempts": 0,
        "created_at": now,
        "updated_at": now,
        "project_id": new.project_id,
        "created_by": new.created_by,
        "audio_sha256": new.audio_sha256,
    }


def _taken(db: Database, project_id: str | None, code: str) -> bool:
    """Whether the project has a job with ``code`` (what made an insert fail)."""
    if project_id is None:
        return False
    query = select(Job.id).where(Job.project_id == project_id, Job.informant_code == code)
    with db.sessions() as session:
        return session.scalar(query.limit(1)) is not None
