"""Who may see what: a token sees its user's projects and their jobs; an admin token sees all.

A project or job the caller may not see is answered 404, exactly like one that does not exist,
so that ids cannot be probed. Jobs made before projects existed (no project) are visible to
admins only.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from service.api.deps import StateDep
from service.api.errors import ApiError
from service.auth import TokenInfo
from service.projects import ProjectRecord, ProjectStore


def get_project_store(state: StateDep) -> ProjectStore:
    return ProjectStore(state.db)


ProjectStoreDep = Annotated[ProjectStore, Depends(get_project_store)]


def visible_project_ids(token: TokenInfo, projects: ProjectStore) -> set[str] | None:
    """The ids of the projects ``token`` may see; ``None`` for an admin, who sees all (jobs
    without a project included)."""
    if token.admin:
        return None
    return {project.id for project in projects.list(visible_to=token)}


def check_project_access(
    token: TokenInfo,
    project_id: str | None,
    projects: ProjectStore,
    *,
    not_found: str = "project.not_found",
) -> ProjectRecord | None:
    """The project ``token`` asks about (``None`` for an admin asking about a job without
    one); raises ``ApiError(404, not_found)`` when the token may not see it. Pass
    ``not_found="job.not_found"`` when checking a job's project."""
    if project_id is None:
        if token.admin:
            return None
        raise ApiError(404, not_found)
    return visible_project(token, project_id, projects, not_found=not_found)


def visible_project(
    token: TokenInfo,
    project_id: str,
    projects: ProjectStore,
    *,
    not_found: str = "project.not_found",
) -> ProjectRecord:
    """The project ``project_id`` if ``token`` may see it; else ``ApiError(404, not_found)``."""
    project = projects.get(project_id)
    if project is None or not projects.can_access(token, project):
        raise ApiError(404, not_found)
    return project
