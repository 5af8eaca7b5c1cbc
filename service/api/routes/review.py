"""The researcher's review of an anonymised transcript: read its versions, accept or reject a
redaction, add one the anonymiser missed, correct a segment's text.

Every change names the version it was made to (``base_version``) and is stored as a new
version; a change to an older version than the latest is refused (409), so two researchers
cannot overwrite each other. What the tags replaced (``originals``) is sent only when asked for
and only while the job is in review: verification deletes it. Speakers are corrected with
``PATCH /api/v1/jobs/{job_id}/speakers``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from service.api.deps import AppState, CurrentTokenDep, StateDep, require_token
from service.api.errors import ApiError
from service.api.job_access import visible_job
from service.api.revisions import Revision, store_revision
from service.api.schemas import error_doc
from service.auth import TokenInfo
from service.errors import IntervjuError
from service.jobs import JobRecord, JobStatus, StoredVersion, VersionInfo
from service.review import (
    Originals,
    accept_redaction,
    add_redaction,
    edit_text,
    reject_redaction,
)
from service.transcript import Transcript

Operation = Callable[[Transcript, Originals | None], tuple[Transcript, Originals | None]]

# What an operation's refusal is answered with (other review errors: 422).
_NOT_FOUND = {"review.unknown_redaction", "review.unknown_segment"}
_CONFLICT = {"review.originals_deleted"}
MAX_TEXT = 20_000  # characters in one segment's text



router = APIRouter(
    prefix="/api/v1/jobs/{job_id}/review",
    tags=["review"],
    dependencies=[Depends(require_token)],
    responses={
        401: error_doc("Missing, invalid or revoked access token."),
        404: error_doc("No such job (or not one the token may see)."),
        422: error_doc("A parameter or body of the wrong type or out of range."),
    },
)

_CHANGE_ERRORS: dict[int | str, dict[str, Any]] = {
    404: error_doc("No such job, redaction or segment."),
    409: error_doc(
        "The job is not in review (`job.not_in_review`), `base_version` is not the latest "
        "version (`review.version_conflict`), or what the tags replaced is deleted."
    ),
}

OriginalsQuery = Annotated[
    bool,
    Query(
        description="Include what each tag replaced (`originals`). Only while the job is in "
        "review: after verification they no longer exist and `originals` is null."
    ),
]


class RedactionPublic(BaseModel):
    index: int = Field(
        description="Its place in `anonymization.redactions`: the number the redaction routes "
        "take. Indexes after a rejected redaction move down by one."
    )
    tag: str = Field(description="The tag in the text, e.g. `[navn 1]`.")
    label: str = Field(description="What kind of entity: `PERSON`, `MUNICIPALITY`, ...")
    segment: int = Field(description="The `id` of the segment holding the tag.")
    word: int | None = Field(description="Index of the word holding the tag; null: no words.")
    reviewed: bool = Field(description="The researcher has accepted (or added) it.")
    source: Literal["auto", "manual"] = Field(description="Put in by the anonymiser or by hand.")


class VersionPublic(BaseModel):
    version: int = Field(description="1 is what the pipeline made; each change adds one.")
    created_at: datetime
    author: str | None = Field(description="The user who made the change; null: the pipeline.")
    change: str = Field(
        description="What changed: `pipeline`, `speakers`, `redaction.accept`, "
        "`redaction.reject`, `redaction.add` or `text.edit`."
    )
    sha256: str = Field(description="SHA-256 of the transcript JSON as stored.")


class VersionList(BaseModel):
    versions: list[VersionPublic] = Field(description="Oldest first.")


class ReviewPublic(VersionPublic):
    """One version of a transcript in review."""

    status: JobStatus = Field(description="The job's status: changes need `ready_for_review`.")
    latest: bool = Field(description="Whether this is the newest version (the one to change).")
    transcript: Transcript
    redactions: list[RedactionPublic] = Field(
        description="The transcript's `anonymization.redactions`, each with its index."
    )
    originals: list[str] | None = Field(
        description="`originals[i]` is what redaction `i` replaced: only with `?originals=true` "
        "while the job is in review; null otherwise."
    )


class ReviewChange(BaseModel):
    base_version: int = Field(
        ge=1, description="The version the change was made to: the latest, or 409."
    )


class RedactionCreate(ReviewChange):
    """A stretch of a segment's text to replace by a tag."""

    segment: int = Field(ge=0, description="The `id` of the segment.")
    start: int = Field(ge=0, description="Character offset in the segment's `text`.")
    end: int = Field(ge=1, description="Character offset in the segment's `text`, exclusive.")
    label: str = Field(
        max_length=40,
        description="`PERSON`, `MUNICIPALITY`, `LOCATION`, `ORGANIZATION`, `NO_FODSELSNUMMER`, "
        "`PHONE_NUMBER`, `EMAIL_ADDRESS`, `ADDRESS`, `DATE_TIME` or `AGE`.",
    )


class SegmentTextUpdate(ReviewChange):
    text: str = Field(
        max_length=MAX_TEXT,
        description="The corrected text. It must hold exactly the tags the segment holds "
        "(reject a redaction to remove its tag, add one to add a tag); square brackets are "
        "reserved for tags.",
    )


@router.get(
    "",
    summary="The latest version of a transcript, with its redactions",
    responses={409: error_doc("The job has no transcript yet.")},
)
def get_review(
    job_id: str, state: StateDep, token: CurrentTokenDep, originals: OriginalsQuery = False
) -> ReviewPublic:
    record = visible_job(state, token, job_id)
    latest = state.jobs.latest_version(job_id)
    if latest is None:
        raise ApiError(409, "job.not_ready", status=record.status.value)
    return review_public(record, latest, latest=True, originals=originals)


@router.get("/versions", summary="Every version of the transcript, without content")
def list_versions(job_id: str, state: StateDep, token: CurrentTokenDep) -> VersionList:
    visible_job(state, token, job_id)
    return VersionList(versions=[_version_public(v) for v in state.jobs.list_versions(job_id)])


@router.get("/versions/{version}", summary="One version of the transcript")
def get_version(
    job_id: str,
    version: int,
    state: StateDep,
    token: CurrentTokenDep,
    originals: OriginalsQuery = False,
) -> ReviewPublic:
    record = visible_job(state, token, job_id)
    stored = state.jobs.get_version(job_id, version)
    if stored is None:
        raise ApiError(404, "review.unknown_version", version=version)
    latest = state.jobs.latest_version(job_id)
    newest = latest is not None and latest.version == stored.version
    return review_public(record, stored, latest=newest, originals=originals)


@router.post(
    "/redactions/{index}/accept",
    summary="Keep a redaction: mark it reviewed",
    responses=_CHANGE_ERRORS,
)
def accept(
    job_id: str,
    index: int,
    body: ReviewChange,
    state: StateDep,
    token: CurrentTokenDep,
    originals: OriginalsQuery = False,
) -> ReviewPublic:
    def operation(t: Transcript, o: Originals | None) -> tuple[Transcript, Originals | None]:
        return accept_redaction(t, o, index)

    return _change(state, token, job_id, body, "redaction.accept", operation, originals)


@router.post(
    "/redactions/{index}/reject",
    summary="Undo a wrong redaction: what was said is put back",
    description="The tag is replaced by the words it stood for; the other tags keep their "
    "numbers, and the redactions after it move down one index.",
    responses=_CHANGE_ERRORS,
)
def reject(
    job_id: str,
    index: int,
    body: ReviewChange,
    state: StateDep,
    token: CurrentTokenDep,
    originals: OriginalsQuery = False,
) -> ReviewPublic:
    def operation(t: Transcript, o: Originals | None) -> tuple[Transcript, Originals | None]:
        return reject_redaction(t, o, index)

    return _change(state, token, job_id, body, "redaction.reject", operation, originals)


@router.post(
    "/redactions",
    summary="Redact what the anonymiser missed",
    description="Replaces `text[start:end]` of a segment (whole words, no tag in it) by a tag: "
    "the same text redacted before under the same label gets the same tag, otherwise the "
    "label's next number. The words it covers become one word. Recorded as `manual`, "
    "reviewed.",
    responses=_CHANGE_ERRORS,
)
def add(
    job_id: str,
    body: RedactionCreate,
    state: StateDep,
    token: CurrentTokenDep,
    originals: OriginalsQuery = False,
) -> ReviewPublic:
    def operation(t: Transcript, o: Originals | None) -> tuple[Transcript, Originals | None]:
        return add_redaction(t, o, body.segment, body.start, body.end, body.label)

    return _change(state, token, job_id, body, "redaction.add", operation, originals)


@router.patch(
    "/segments/{segment_id}",
    summary="Correct a segment's text",
    description="The words are re-aligned to the new text: unchanged words keep their "
    "timings, new ones share the time of the words they replace evenly. The text must keep "
    "exactly the segment's tags.",
    responses=_CHANGE_ERRORS,
)
def edit_segment(
    job_id: str,
    segment_id: int,
    body: SegmentTextUpdate,
    state: StateDep,
    token: CurrentTokenDep,
    originals: OriginalsQuery = False,
) -> ReviewPublic:
    def operation(t: Transcript, o: Originals | None) -> tuple[Transcript, Originals | None]:
        return edit_text(t, o, segment_id, body.text)

    return _change(state, token, job_id, body, "text.edit", operation, originals)


def _change(
    state: AppState,
    token: TokenInfo,
    job_id: str,
    body: ReviewChange,
    change: str,
    operation: Operation,
    originals: bool,
) -> ReviewPublic:
    """``operation`` applied to the latest version (which must be ``body.base_version``) and
    stored as the next version."""

    def revise(record: JobRecord, latest: StoredVersion) -> Revision:
        return Revision(*operation(latest.transcript, latest.originals))

    record, stored = store_revision(
        state,
        token,
        job_id,
        base=body.base_version,
        change=change,
        revise=revise,
        status_of=_status_of,
    )
    return review_public(record, stored, latest=True, originals=originals)


def _status_of(exc: IntervjuError) -> int:
    return 404 if exc.key in _NOT_FOUND else 409 if exc.key in _CONFLICT else 422


def review_public(
    record: JobRecord, stored: StoredVersion, *, latest: bool, originals: bool
) -> ReviewPublic:
    info = stored.transcript.anonymization
    redactions = [
        RedactionPublic(index=index, **redaction.model_dump())
        for index, redaction in enumerate(info.redactions if info is not None else ())
    ]
    shown = originals and record.status is JobStatus.READY_FOR_REVIEW
    return ReviewPublic(
        **_version_public(stored).model_dump(),
        status=record.status,
        latest=latest,
        transcript=stored.transcript,
        redactions=redactions,
        originals=list(stored.originals) if shown and stored.originals is not None else None,
    )


def _version_public(info: VersionInfo) -> VersionPublic:
    return VersionPublic(
        version=info.version,
        created_at=info.created_at,
        author=info.author,
        change=info.change,
        sha256=info.sha256,
    )
