"""Projects: create, list, read and change the research projects a token may see."""

from __future__ import annotations

from datetime import date, datetime

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, ConfigDict, Field

from service.api.access import ProjectStoreDep, visible_project
from service.api.deps import CurrentTokenDep, require_token
from service.api.errors import ApiError
from service.api.schemas import error_doc
from service.errors import IntervjuError
from service.projects import NAME_MAX, ProjectRecord

API = "/api/v1/projects"



router = APIRouter(
    prefix=API,
    tags=["projects"],
    dependencies=[Depends(require_token)],
    responses={
        401: error_doc("Missing, invalid or revoked access token."),
        422: error_doc("A parameter or body of the wrong type or out of range."),
    },
)

_NAME = f"The project's name, 1-{NAME_MAX} characters, e.g. «Rusomsorg 2025»."
_DELETE_AUDIO = (
    "Whether a recording is deleted as soon as its transcript is verified (the usual promise "
    "of a consent form); false keeps it until the end date."
)
_END_DATE = (
    "The last day of the project (ISO date, today or later): after it, the project's audio is "
    "deleted even if unverified. Null: no end date."
)
_ANONYMIZE_DATES = "Whether uploads to the project anonymise dates and ages too."


class ProjectCreate(BaseModel):
    """A new project."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(description=_NAME)
    owner: str | None = Field(
        None,
        description="The user whose tokens see the project. Only an admin token may name "
        "another user; omitted: the caller's user.",
    )
    delete_audio_after_verify: bool = Field(True, description=_DELETE_AUDIO)
    end_date: date | None = Field(None, description=_END_DATE)
    anonymize_dates: bool = Field(False, description=_ANONYMIZE_DATES)


class ProjectUpdate(BaseModel):
    """A change to a project: only the fields given change."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, description=_NAME)
    delete_audio_after_verify: bool | None = Field(None, description=_DELETE_AUDIO)
    end_date: date | None = Field(
        None, description=_END_DATE + " A new end date is warned about again."
    )
    anonymize_dates: bool | None = Field(None, description=_ANONYMIZE_DATES)


class ProjectPublic(BaseModel):
    id: str
    name: str = Field(description="The project's name.")
    owner: str = Field(description="The user whose tokens see the project (admins see all).")
    default: bool = Field(
        description="Whether this is the owner's default project, where uploads that name no "
        "project go."
    )
    delete_audio_after_verify: bool = Field(description=_DELETE_AUDIO)
    end_date: date | None = Field(description=_END_DATE)
    anonymize_dates: bool = Field(description=_ANONYMIZE_DATES)
    created_at: datetime
    end_warned_at: datetime | None = Field(
        description="When the owner was warned that the end date approaches; null: not yet."
    )


class ProjectList(BaseModel):
    projects: list[ProjectPublic] = Field(description="Oldest first.")


def project_public(record: ProjectRecord) -> ProjectPublic:
    return ProjectPublic(
        id=record.id,
        name=record.name,
        owner=record.owner,
        default=record.is_default,
        delete_audio_after_verify=record.delete_audio_after_verify,
        end_date=record.end_date,
        anonymize_dates=record.anonymize_dates,
        created_at=record.created_at,
        end_warned_at=record.end_warned_at,
    )


@router.post(
    "",
    status_code=201,
    summary="Create a project",
    responses={
        403: error_doc("A token that is not an admin's named another user as the owner."),
        422: error_doc("An invalid name or owner, or an end date that has passed."),
    },
)
def create_project(
    body: ProjectCreate, token: CurrentTokenDep, projects: ProjectStoreDep, response: Response
) -> ProjectPublic:
    owner = token.user if body.owner is None else body.owner
    if owner != token.user and not token.admin:
        raise ApiError(403, "project.owner_forbidden")
    try:
        record = projects.create(
            body.name,
            owner,
            delete_audio_after_verify=body.delete_audio_after_verify,
            end_date=body.end_date,
            anonymize_dates=body.anonymize_dates,
        )
    except IntervjuError as exc:
        raise ApiError.of(422, exc) from None
    response.headers["Location"] = f"{API}/{record.id}"
    return project_public(record)


@router.get("", summary="The projects the caller may see, oldest first")
def list_projects(token: CurrentTokenDep, projects: ProjectStoreDep) -> ProjectList:
    return ProjectList(projects=[project_public(p) for p in projects.list(visible_to=token)])


@router.get(
    "/{project_id}",
    summary="One project",
    responses={404: error_doc("No such project, or not one the caller may see.")},
)
def get_project(
    project_id: str, token: CurrentTokenDep, projects: ProjectStoreDep
) -> ProjectPublic:
    return project_public(visible_project(token, project_id, projects))


@router.patch(
    "/{project_id}",
    summary="Change a project's name, end date or audio and date rules",
    responses={
        404: error_doc("No such project, or not one the caller may see."),
        422: error_doc("An invalid name, an end date that has passed, or an invalid body."),
    },
)
def update_project(
    project_id: str, body: ProjectUpdate, token: CurrentTokenDep, projects: ProjectStoreDep
) -> ProjectPublic:
    visible_project(token, project_id, projects)
    changes = body.model_dump(exclude_unset=True)
    for field in ("name", "delete_audio_after_verify", "anonymize_dates"):
        if field in changes and changes[field] is None:
            raise ApiError(422, "request.invalid", field=field)
    try:
        record = projects.update(project_id, **changes)
    except IntervjuError as exc:
        status = 404 if exc.key == "project.not_found" else 422
        raise ApiError.of(status, exc) from None
    return project_public(record)
