"""Every dependency a route can ask for, as ``Annotated`` aliases."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from service.api.errors import ApiError, request_language
from service.auth import TokenInfo, TokenStore
from service.config import Settings
from service.consent import Consent
from service.db import Database
from service.i18n import Lang
from service.jobs import JobStore, Worker
from service.vault import Vault


@dataclass(frozen=True)
class AppState:
    """What ``create_app`` builds once and every request shares (``app.state.intervju``)."""

    settings: Settings
    db: Database
    jobs: JobStore
    tokens: TokenStore
    worker: Worker | None
    vault: Vault
    consent: Consent
    # With Celery workers (``service.jobs.celery_queue``): sends a queued job's task.
    send_job: Callable[[str], bool] | None = None
    # Set when the app shuts down: open event streams end.
    stopping: threading.Event = field(default_factory=threading.Event)


def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.intervju
    return state


StateDep = Annotated[AppState, Depends(get_state)]


def get_settings(state: StateDep) -> Settings:
    return state.settings


def get_job_store(state: StateDep) -> JobStore:
    return state.jobs


def get_token_store(state: StateDep) -> TokenStore:
    return state.tokens


SettingsDep = Annotated[Settings, Depends(get_settings)]
JobStoreDep = Annotated[JobStore, Depends(get_job_store)]
TokenStoreDep = Annotated[TokenStore, Depends(get_token_store)]
LanguageDep = Annotated[Lang, Depends(request_language)]

_bearer = HTTPBearer(
    auto_error=False,
    description="An access token from `intervju token create` (or printed by the first "
    "`intervju serve`).",
)


def require_token(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    tokens: TokenStoreDep,
) -> TokenInfo:
    """The caller's token; 401 with ``WWW-Authenticate: Bearer`` when missing or invalid."""
    if credentials is None or not credentials.credentials:
        raise ApiError(401, "auth.missing", headers={"WWW-Authenticate": "Bearer"})
    token = tokens.verify(credentials.credentials)
    if token is None:
        raise ApiError(
            401, "auth.invalid", headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}
        )
    return token


CurrentTokenDep = Annotated[TokenInfo, Depends(require_token)]
