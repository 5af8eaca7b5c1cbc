"""Which jobs a caller may see: those of its user's projects, or all for an admin token
(``service.api.access``). A job the caller may not see answers 404, exactly like a job that does
not exist, so a token cannot learn which job ids another research group has."""

from __future__ import annotations

from service.api.access import check_project_access
from service.api.deps import AppState
from service.api.errors import ApiError
from service.auth import TokenInfo
from service.jobs import JobRecord
from service.projects import ProjectStore


def visible_job(state: AppState, token: TokenInfo, job_id: str) -> JobRecord:
    """The job if it exists and the caller may see it; else ``ApiError(404)``."""
    record = state.jobs.get(job_id) if _plausible(job_id) else None
    if record is None:
        raise ApiError(404, "job.not_found")
    projects = ProjectStore(state.db)
    check_project_access(token, record.project_id, projects, not_found="job.not_found")
    return record


def _plausible(job_id: str) -> bool:
    return len(job_id) == 32 and all(ch in "0123456789abcdef" for ch in job_id)
