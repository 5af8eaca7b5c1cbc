"""Receipts: what the audit log records when audio or a whole job is deleted.

A receipt holds ids, checksums, sizes, times and who acted, never a name, a file name or a word
of the transcript. The downloadable form adds the entry's place in the chain (``seq``,
``hash``, ``prev``), so an ethics board can later check with ``intervju audit verify --receipt``
that the log still holds it unchanged.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from service import audit
from service.auth import TokenInfo
from service.jobs import JobRecord

AUDIO_DELETED = "audio_deleted"
JOB_WITHDRAWN = "job_withdrawn"
DEADLINE_WARNING = "deadline_warning"
RECEIPT_KINDS = (AUDIO_DELETED, JOB_WITHDRAWN)

# Why audio was deleted.
REASON_VERIFIED = "verified"
REASON_PROJECT_END = "project_end_date"
REASON_WITHDRAWN = "withdrawn"


@dataclass(frozen=True)
class Actor:
    """Who acted: a user through an API token, or through the CLI on the server."""

    user: str
    token: int | None = None
    via: str = "api"

    @classmethod
    def of_token(cls, token: TokenInfo) -> Actor:
        return cls(user=token.user, token=token.id)

    @classmethod
    def cli(cls) -> Actor:
        return cls(user=getpass.getuser(), via="cli")


def actor(who: Actor | None) -> dict[str, Any] | None:
    """For a receipt; ``None`` when the service itself acted (a project's end date)."""
    if who is None:
        return None
    return {"user": who.user, "token": who.token, "via": who.via}


def audio_deleted(
    job: JobRecord, *, reason: str, deleted_at: datetime, by: dict[str, Any] | None
) -> dict[str, Any]:
    return {
        "job": job.id,
        "project": job.project_id,
        "reason": reason,
        "audio_sha256": job.audio_sha256,
        "audio_bytes": job.size_bytes,
        "audio_seconds": job.duration,
        "uploaded_at": _iso(job.created_at),
        "verified_at": _iso(job.verified_at),
        "verified_by": job.verified_by,
        "transcript_sha256": job.verified_sha256,
        "transcript_version": job.transcript_version if job.verified_at else None,
        "deleted_at": _iso(deleted_at),
        "by": by,
    }


def job_withdrawn(
    job: JobRecord,
    *,
    had_audio: bool,
    versions: int,
    deleted_at: datetime,
    by: dict[str, Any] | None,
) -> dict[str, Any]:
    """No checksum of the audio, no informant code: nothing that could be tied to a person."""
    return {
        "job": job.id,
        "project": job.project_id,
        "reason": REASON_WITHDRAWN,
        "status_before": job.status.value,
        "audio_deleted": had_audio,
        "transcript_versions_deleted": versions,
        "uploaded_at": _iso(job.created_at),
        "deleted_at": _iso(deleted_at),
        "by": by,
    }


def find(path: Any, kind: str, job_id: str) -> audit.Entry | None:
    """The receipt of ``kind`` for ``job_id`` already in the log, if any."""
    for entry in audit.read(path):
        if entry.kind == kind and entry.data.get("job") == job_id:
            return entry
    return None


def entry_at(path: Any, seq: int) -> audit.Entry | None:
    for entry in audit.read(path):
        if entry.seq == seq:
            return entry
    return None


def document(entry: audit.Entry) -> dict[str, Any]:
    """The receipt as handed out (JSON)."""
    return {
        "receipt": entry.kind,
        "seq": entry.seq,
        "at": entry.at,
        "data": dict(entry.data),
        "prev": entry.prev,
        "hash": entry.hash,
        "check": f"intervju audit verify --receipt <this file> (entry {entry.seq})",
    }


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat(timespec="seconds")
