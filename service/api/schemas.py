"""What the HTTP API answers with (``*Public``) and the JSON it accepts (``SpeakersUpdate``);
uploads are multipart and parsed in ``service.api.upload``."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from service.jobs.models import JobStatus
from service.transcript import Speaker


class ErrorPublic(BaseModel):
    code: str = Field(description="Stable message key, e.g. `job.not_found`.")
    message: str = Field(description="Readable message in the request's language.")


def error_doc(description: str) -> dict[str, Any]:
    """An error answer in a route's ``responses`` (OpenAPI): an ``ErrorPublic`` body."""
    return {"model": ErrorPublic, "description": description}


class Health(BaseModel):
    status: Literal["ok"] = "ok"
    version: str


class JobLinks(BaseModel):
    job: str = Field(description="This job.")
    transcripts: dict[str, str] = Field(
        default_factory=dict,
        description="Transcript URL per export format, once there is a transcript.",
    )
    receipt: str | None = Field(
        None, description="The deletion receipt (JSON), once the audio or the job is deleted."
    )


class JobPublic(BaseModel):
    id: str
    status: JobStatus
    step: str | None = Field(description="The pipeline step running now.")
    progress: float = Field(ge=0.0, le=1.0, description="Overall progress, 0-1.")
    error: ErrorPublic | None = Field(description="Why the job failed (or was restarted).")
    filename: str = Field(description="The uploaded file's name, sanitised, for display.")
    size_bytes: int
    project: str | None = Field(description="The research project's id.")
    informant_code: str | None = Field(description="The informant's code, e.g. `S3`.")
    language: Literal["no", "nn"] | None = Field(description="Requested written standard.")
    model: str | None = Field(description="Requested model; null: the service's setting.")
    diarize: bool | None = Field(
        description="Whether speakers are found; null: the service's setting."
    )
    speakers: int | None = Field(description="Requested exact number of speakers.")
    min_speakers: int | None = Field(description="Requested least number of speakers.")
    max_speakers: int | None = Field(description="Requested largest number of speakers.")
    interviewer: str | None = Field(
        description="Speaker id chosen as the interviewer; null: guessed from the questions."
    )
    speaker_names: dict[str, str] = Field(
        description="Names shown instead of a role name or speaker id (from the upload and "
        "`PATCH .../speakers`)."
    )
    anonymize: bool | None = Field(
        description="Whether names, places and pronouns are anonymised; null: the service's "
        "setting."
    )
    keep_dialect: bool = Field(description="Whether dialect and nynorsk are kept as said.")
    anonymize_dates: bool = Field(description="Whether dates and ages are anonymised too.")
    attempts: int = Field(description="How many times a worker has started the job.")
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    duration: float | None = Field(description="Seconds of audio, once transcribed.")
    audio_sha256: str | None = Field(description="SHA-256 of the recording as uploaded.")
    transcript_version: int | None = Field(
        description="The newest transcript version (each review change adds one)."
    )
    verified_at: datetime | None = Field(description="When the transcript was verified.")
    audio_deleted_at: datetime | None = Field(
        description="When the recording was deleted (crypto-shredded)."
    )
    deletion_reason: str | None = Field(
        description="Why: `verified`, `project_end_date` or `withdrawn`."
    )
    links: JobLinks


class JobList(BaseModel):
    jobs: list[JobPublic] = Field(description="Newest first.")


class SpeakersUpdate(BaseModel):
    """A correction of a finished transcript's speakers."""

    interviewer: str | None = Field(
        None,
        description="The speaker id of the interviewer (`SPEAKER_01`); the others become "
        "«Informant» (or «Informant 1», «Informant 2», ...). Omitted: keep the current choice.",
    )
    names: dict[str, str] | None = Field(
        None,
        description="Speaker id (`SPEAKER_00`) or role name (`Informant`) -> the name shown, "
        'e.g. `{"SPEAKER_00": "Kari"}`. Names given earlier are kept unless given again; an '
        "empty name removes one. A name keyed by role follows the role when the interviewer "
        "changes.",
    )


class VerifyRequest(BaseModel):
    """Which version the researcher checked."""

    version: int | None = Field(
        None,
        ge=1,
        description="The transcript version that was reviewed; refused (409) if a newer one "
        "exists. Omitted: the newest.",
    )


class ReceiptPublic(BaseModel):
    """An entry of the hash-chained audit log, as handed out."""

    receipt: str = Field(description="`audio_deleted` or `job_withdrawn`.")
    seq: int = Field(description="The entry's place in the audit log.")
    at: str = Field(description="When it was written (UTC, ISO 8601).")
    data: dict[str, Any] = Field(
        description="Job, project, audio SHA-256, size, seconds, when uploaded/verified/"
        "deleted, why and by whom; never a name or a word of the transcript."
    )
    prev: str = Field(description="The hash of the entry before it.")
    hash: str = Field(description="SHA-256 of the entry; `intervju audit verify --receipt`.")
    check: str = Field(description="How to check it against the log.")


class SpeakerTable(BaseModel):
    speakers: list[Speaker] = Field(
        description="Every speaker of the transcript with its role, name and seconds of speech."
    )
