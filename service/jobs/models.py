"""The read-only records the job store hands out (states: ``service.jobs.lifecycle``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from service.errors import IntervjuError
from service.jobs.lifecycle import RUNNING, JobStatus
from service.options import JobOptions
from service.transcript import Transcript

__all__ = [
    "LANGUAGES",
    "MAX_ATTEMPTS",
    "RUNNING",
    "InformantCodeTaken",
    "InformantCodesExhausted",
    "JobRecord",
    "JobStatus",
    "Language",
    "NewJob",
    "Recovery",
    "StoredVersion",
    "VersionConflict",
    "VersionInfo",
]

Language = Literal["no", "nn"]
# The written standards a job may ask for: bokmål, nynorsk.
LANGUAGES: dict[str, Language] = {"no": "no", "nn": "nn"}

# A job that was running when the service stopped this many times is failed, not retried.
MAX_ATTEMPTS = 3


@dataclass(frozen=True)
class JobRecord:
    """A snapshot of one job (without its transcript, which may be large)."""

    id: str
    status: JobStatus
    step: str | None
    progress: float
    error_key: str | None
    error_params: dict[str, Any]
    filename: str  # the client's file name, unsealed for display; empty once withdrawn
    audio_object: str  # the vault object holding the encrypted recording
    size_bytes: int
    options: JobOptions
    duration: float | None
    attempts: int
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    project_id: str | None = None
    informant_code: str | None = None
    created_by: str | None = None
    audio_sha256: str | None = None
    transcript_version: int | None = None
    verified_at: datetime | None = None
    verified_by: str | None = None
    verified_sha256: str | None = None
    audio_deleted_at: datetime | None = None
    deletion_reason: str | None = None
    receipt_seq: int | None = None
    withdrawal: dict[str, Any] | None = None


@dataclass(frozen=True)
class NewJob:
    """What an upload knows about a job when its recording is stored."""

    id: str
    filename: str
    audio_object: str
    size_bytes: int
    options: JobOptions = field(default_factory=JobOptions)
    audio_sha256: str | None = None
    project_id: str | None = None
    # In a project, ``None`` means the project's next free ``S<n>`` (``JobStore.create``).
    informant_code: str | None = None
    created_by: str | None = None


@dataclass(frozen=True)
class Recovery:
    """What ``JobStore.recover_interrupted`` did."""

    requeued: int
    failed: int


@dataclass(frozen=True)
class VersionInfo:
    """One stored version of a transcript, without its content."""

    version: int
    created_at: datetime
    author: str | None
    change: str  # what changed, as a key (``pipeline``, ``redaction.reject``, ...)
    sha256: str  # of the transcript JSON as stored


@dataclass(frozen=True)
class StoredVersion(VersionInfo):
    """A version with its content: ``originals[i]`` is what redaction ``i`` replaced
    (``None`` once verification deleted them, or when the text was not anonymised)."""

    transcript: Transcript
    originals: tuple[str, ...] | None


class VersionConflict(IntervjuError):
    """A change was made to an older version than the latest (someone changed it meanwhile)."""

    def __init__(self, base: int, latest: int) -> None:
        super().__init__("review.version_conflict", base=base, latest=latest)


class InformantCodeTaken(IntervjuError):
    """The project already has a job with this informant code."""

    def __init__(self, code: str) -> None:
        super().__init__("upload.informant_code_taken", code=code)


class InformantCodesExhausted(InformantCodeTaken):
    """The project's next ``S<n>`` would not fit in an informant code (someone gave a code like
    ``S999999999999999``): the researcher must give a code."""

    def __init__(self) -> None:
        IntervjuError.__init__(self, "upload.informant_codes_exhausted")
