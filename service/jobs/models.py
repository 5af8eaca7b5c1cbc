"""Job states and the read-only record the job store hands out."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from service.options import JobOptions


class JobStatus(StrEnum):
    """Where a job is: waiting, in one of the pipeline steps, or finished one way or another."""

    QUEUED = "queued"
    DECODING = "decoding"
    TRANSCRIBING = "transcribing"
    DIARIZING = "diarizing"
    ANONYMIZING = "anonymizing"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


# The states in which a worker holds the job.
RUNNING = frozenset(
    {JobStatus.DECODING, JobStatus.TRANSCRIBING, JobStatus.DIARIZING, JobStatus.ANONYMIZING}
)

Language = Literal["no", "nn"]
# The written standards a job may ask for: bokmål, nynorsk.
LANGUAGES: dict[str, Language] = {"no": "no", "nn": "nn"}

# A job that was running when the service stopped this many times is failed, not retried.
MAX_ATTEMPTS = 3


@dataclass(frozen=True)
class JobRecord:
    """A snapshot of one job (without the transcript itself, which may be large)."""

    id: str
    status: JobStatus
    step: str | None
    progress: float
    error_key: str | None
    error_params: dict[str, Any]
    filename: str
    upload_path: str
    size_bytes: int
    options: JobOptions
    duration: float | None
    attempts: int
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


@dataclass(frozen=True)
class NewJob:
    """What an upload knows about a job before it is queued."""

    id: str
    filename: str
    upload_path: str
    size_bytes: int
    options: JobOptions = field(default_factory=JobOptions)


@dataclass(frozen=True)
class Recovery:
    """What ``JobStore.recover_interrupted`` did."""

    requeued: int
    failed: int
