"""Webhooks: register a URL that is sent the changes of your jobs, list and delete them.

A token sees its user's hooks (an admin's, every hook). The secret that signs the deliveries is
returned once, by ``POST``. A hook receives the events of the projects its user may see (every
project for a hook registered with an admin token), from its registration on, and only while
its user has an active token (an admin token, for every project).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from service.api.access import ProjectStoreDep, visible_project
from service.api.deps import CurrentTokenDep, StateDep, require_token
from service.api.errors import ApiError
from service.api.schemas import error_doc
from service.errors import IntervjuError
from service.jobs.events import EventLog
from service.jobs.lifecycle import JobStatus
from service.webhooks import WebhookRecord, WebhookStore
from service.webhooks.store import MAX_HOOKS_PER_USER
from service.webhooks.targets import MAX_URL, resolve

API = "/api/v1/webhooks"



router = APIRouter(
    prefix=API,
    tags=["webhooks"],
    dependencies=[Depends(require_token)],
    responses={
        401: error_doc("Missing, invalid or revoked access token."),
        422: error_doc("A parameter or body of the wrong type or out of range."),
    },
)


class WebhookCreate(BaseModel):
    """A new webhook."""

    model_config = ConfigDict(extra="forbid")

    url: str = Field(
        max_length=MAX_URL,
        description="Where the events are POSTed: an http(s) URL on the loopback or a private "
        "network (unless `INTERVJU_WEBHOOKS__ALLOW_PUBLIC`), without user name or password.",
    )
    events: list[JobStatus] | None = Field(
        None,
        min_length=1,
        description="The statuses to be told about (a new transcript version in review comes "
        "as `ready_for_review`); omitted: every change of status.",
    )
    project: str | None = Field(None, description="Only this project's jobs; omitted: all yours.")


class WebhookPublic(BaseModel):
    id: str
    url: str = Field(description="The URL without its query string.")
    events: list[str] | None = Field(description="The statuses sent; null: all.")
    project: str | None
    user: str = Field(description="Whose hook it is.")
    created_at: datetime
    last_event_id: int = Field(description="The id of the last job event delivered or skipped.")
    failures: int = Field(description="Failed attempts in a row at the next event.")
    last_error: str | None = Field(description="What went wrong last (never the URL).")
    disabled_at: datetime | None = Field(
        description="When it was disabled after too many failures; delete it and register it "
        "again to start afresh."
    )


class WebhookCreated(WebhookPublic):
    secret: str = Field(
        description="Signs every delivery (`X-Intervju-Signature`). Shown only this once."
    )


class WebhookList(BaseModel):
    webhooks: list[WebhookPublic] = Field(description="Oldest first.")


def webhook_public(record: WebhookRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "url": record.shown_url,
        "events": list(record.statuses) if record.statuses is not None else None,
        "project": record.project_id,
        "user": record.user,
        "created_at": record.created_at,
        "last_event_id": record.cursor,
        "failures": record.failures,
        "last_error": record.last_error,
        "disabled_at": record.disabled_at,
    }


HookId = Annotated[str, Path(max_length=32)]


@router.post(
    "",
    status_code=201,
    summary="Register a webhook; its secret is shown once",
    responses={
        404: error_doc("The project does not exist or is not yours."),
        409: error_doc(f"You already have {MAX_HOOKS_PER_USER} webhooks (delete one first)."),
        422: error_doc(
            "A URL that is not http(s), has credentials, cannot be resolved or points "
            "to a public address."
        ),
    },
)
async def create_webhook(
    body: WebhookCreate,
    state: StateDep,
    token: CurrentTokenDep,
    projects: ProjectStoreDep,
    response: Response,
) -> WebhookCreated:
    if body.project is not None:
        await run_in_threadpool(visible_project, token, body.project, projects)
    try:
        await run_in_threadpool(resolve, body.url, state.settings.webhooks.allow_public)
    except IntervjuError as exc:
        raise ApiError.of(422, exc) from None
    statuses = tuple(status.value for status in body.events) if body.events else None
    cursor = await run_in_threadpool(EventLog(state.db).last_id)
    try:
        record, secret = await run_in_threadpool(
            lambda: WebhookStore(state.db, state.vault).create(
                user=token.user,
                admin=token.admin,
                url=body.url,
                statuses=statuses,
                project_id=body.project,
                cursor=cursor,
            )
        )
    except IntervjuError as exc:
        raise ApiError.of(409, exc) from None
    response.headers["Location"] = f"{API}/{record.id}"
    return WebhookCreated(**webhook_public(record), secret=secret)


@router.get("", summary="Your webhooks (every hook for an admin)")
def list_webhooks(state: StateDep, token: CurrentTokenDep) -> WebhookList:
    hooks = WebhookStore(state.db, state.vault).list(None if token.admin else token.user)
    return WebhookList(webhooks=[WebhookPublic(**webhook_public(hook)) for hook in hooks])


@router.delete(
    "/{hook_id}",
    status_code=204,
    summary="Delete a webhook",
    responses={404: error_doc("No such webhook, or not yours.")},
)
def delete_webhook(hook_id: HookId, state: StateDep, token: CurrentTokenDep) -> Response:
    hooks = WebhookStore(state.db, state.vault)
    hook = hooks.get(hook_id)
    if hook is None or not (token.admin or hook.user == token.user) or not hooks.delete(hook_id):
        raise ApiError(404, "webhook.not_found")
    return Response(status_code=204)
