"""How every review change is stored: applied to the newest version of a job in review and
saved as the next version by one conditional transaction (``JobStore.add_version``), so a change
made to an older version than the newest, or to a job no longer in review, changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from service.api.deps import AppState
from service.api.errors import ApiError
from service.api.job_access import visible_job
from service.auth import TokenInfo
from service.errors import IntervjuError
from service.jobs import JobRecord, JobStatus, StoredVersion, VersionConflict
from service.options import JobOptions
from service.transcript import Transcript


@dataclass(frozen=True)
class Revision:
    """A changed transcript, what its tags replaced, and the job's choices if they changed."""

    transcript: Transcript
    originals: tuple[str, ...] | None
    options: JobOptions | None = None


Reviser = Callable[[JobRecord, StoredVersion], Revision]
# The HTTP status a reviser's refusal is answered with.
StatusOf = Callable[[IntervjuError], int]


def store_revision(
    state: AppState,
    token: TokenInfo,
    job_id: str,
    *,
    base: int | None,
    change: str,
    revise: Reviser,
    status_of: StatusOf,
) -> tuple[JobRecord, StoredVersion]:
    """``revise`` applied to the newest version (which must be ``base`` unless it is ``None``)
    and stored as the next version, authored by the token's user."""
    record = visible_job(state, token, job_id)
    latest = state.jobs.latest_version(job_id)
    if record.status is not JobStatus.READY_FOR_REVIEW or latest is None:
        raise ApiError(409, "job.not_in_review", status=record.status.value)
    if base is not None and latest.version != base:
        raise ApiError.of(409, VersionConflict(base, latest.version))
    try:
        revision = revise(record, latest)
    except IntervjuError as exc:
        raise ApiError.of(status_of(exc), exc) from None
    try:
        stored = state.jobs.add_version(
            job_id,
            base=latest.version,
            transcript=revision.transcript,
            originals=revision.originals,
            options=revision.options,
            change=change,
            author=token.user,
        )
    except VersionConflict as exc:
        raise ApiError.of(409, exc) from None
    if stored is None:
        raise ApiError(409, "job.not_in_review", status=record.status.value)
    return record, stored
