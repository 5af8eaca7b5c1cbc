"""What the HTTP API answers with (``*Public``); requests are multipart and parsed in
``service.api.upload``."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from service.jobs.models import JobStatus


class ErrorPublic(BaseModel):
    code: str = Field(description="Stable message key, e.g. `job.not_found`.")
    message: str = Field(description="Readable message in the request's language.")


class Health(BaseModel):
    status: Literal["ok"] = "ok"
    version: str


class JobLinks(BaseModel):
    job: str = Field(description="This job.")
    transcripts: dict[str, str] = Field(
        default_factory=dict, description="Transcript URL per export format, once done."
    )


class JobPublic(BaseModel):
    id: str
    status: JobStatus
    step: str | None = Field(description="The pipeline step running now.")
    progress: float = Field(ge=0.0, le=1.0, description="Overall progress, 0-1.")
    error: ErrorPublic | None = Field(description="Why the job failed (or was restarted).")
    filename: str = Field(description="The uploaded file's name, sanitised, for display.")
    size_bytes: int
    language: Literal["no", "nn"] | None = Field(description="Requested written standard.")
    model: str | None = Field(description="Requested model; null: the service's setting.")
    attempts: int = Field(description="How many times a worker has started the job.")
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    duration: float | None = Field(description="Seconds of audio, once done.")
    links: JobLinks


class JobList(BaseModel):
    jobs: list[JobPublic] = Field(description="Newest first.")
