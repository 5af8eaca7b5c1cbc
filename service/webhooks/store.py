"""Webhook registrations and their delivery state, in the database.

The URL (it may hold a token in its query string) and the secret (it signs every delivery, so
it is needed in clear and cannot be hashed) are sealed by the vault, each under its own data
key bound to the hook (``webhook:<id>:url``). ``cursor`` is the id of the last job event handled;
it moves forward only after the receiver answered 2xx, so delivery resumes there after a
restart.
"""

from __future__ import annotations

import builtins
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update

from service.auth import TokenStore
from service.db import Database, Project, Webhook, utcnow
from service.errors import IntervjuError
from service.vault import Vault
from service.webhooks.signing import new_secret
from service.webhooks.targets import redact

# One dispatcher delivers to every hook in turn, each attempt up to its timeout: a user may
# register this many, so that no one can delay everyone's deliveries without end.
MAX_HOOKS_PER_USER = 20


@dataclass(frozen=True)
class WebhookRecord:
    """A registered webhook (its secret is read apart: ``WebhookStore.secret``)."""

    id: str
    user: str
    admin: bool
    url: str
    statuses: tuple[str, ...] | None
    project_id: str | None
    created_at: datetime
    cursor: int
    failures: int
    next_attempt_at: datetime | None
    last_error: str | None
    disabled_at: datetime | None

    @property
    def shown_url(self) -> str:
        """The URL without query string or credentials (for listings and logs)."""
        return redact(self.url)


class WebhookStore:
    """Create, list, delete webhooks and record their deliveries. Thread-safe."""

    def __init__(self, db: Database, vault: Vault) -> None:
        self._db = db
        self._vault = vault

    def create(
        self,
        *,
        user: str,
        admin: bool,
        url: str,
        statuses: tuple[str, ...] | None,
        project_id: str | None,
        cursor: int,
    ) -> tuple[WebhookRecord, str]:
        """A new hook delivering the events after ``cursor``; returns it and its secret (the
        only time the secret is handed out). Raises ``IntervjuError("webhook.too_many")`` when
        ``user`` already has ``MAX_HOOKS_PER_USER``."""
        hook_id = uuid.uuid4().hex
        secret = new_secret()
        row = Webhook(
            id=hook_id,
            user_name=user,
            admin=admin,
            url_sealed=self._vault.seal_text(f"webhook:{hook_id}:url", url),
            secret_sealed=self._vault.seal_text(f"webhook:{hook_id}:secret", secret),
            statuses=list(statuses) if statuses is not None else None,
            project_id=project_id,
            created_at=utcnow(),
            cursor=cursor,
            failures=0,
        )
        with self._db.sessions.begin() as session:
            count = select(func.count()).select_from(Webhook).where(Webhook.user_name == user)
            if (session.scalar(count) or 0) >= MAX_HOOKS_PER_USER:
                raise IntervjuError("webhook.too_many", limit=MAX_HOOKS_PER_USER)
            session.add(row)
            session.flush()
            return self._record(row), secret

    def list(self, user: str | None = None) -> list[WebhookRecord]:
        """The hooks of ``user`` (every hook when ``None``), oldest first."""
        query = select(Webhook).order_by(Webhook.created_at, Webhook.id)
        if user is not None:
            query = query.where(Webhook.user_name == user)
        with self._db.sessions() as session:
            return [self._record(row) for row in session.scalars(query)]

    def get(self, hook_id: str) -> WebhookRecord | None:
        with self._db.sessions() as session:
            row = session.get(Webhook, hook_id)
            return None if row is None else self._record(row)

    def delete(self, hook_id: str) -> bool:
        with self._db.sessions.begin() as session:
            result: Any = session.execute(delete(Webhook).where(Webhook.id == hook_id))
            return bool(result.rowcount)

    def secret(self, hook_id: str) -> str | None:
        with self._db.sessions() as session:
            sealed = session.scalar(select(Webhook.secret_sealed).where(Webhook.id == hook_id))
        return (
            None if sealed is None else self._vault.open_text(f"webhook:{hook_id}:secret", sealed)
        )

    def due(self, now: datetime) -> builtins.list[WebhookRecord]:
        """The enabled hooks not waiting for a retry."""
        query = (
            select(Webhook)
            .where(Webhook.disabled_at.is_(None))
            .where(Webhook.next_attempt_at.is_(None) | (Webhook.next_attempt_at <= now))
            .order_by(Webhook.created_at, Webhook.id)
        )
        with self._db.sessions() as session:
            return [self._record(row) for row in session.scalars(query)]

    def visible_projects(self, hook: WebhookRecord) -> set[str] | None:
        """The projects whose events ``hook`` receives (``None``: every job, an admin's): what
        its user may see now. A user without an active token receives nothing; an admin hook
        whose user has no admin token left receives only the user's own projects."""
        tokens = TokenStore(self._db)
        if not tokens.user_active(hook.user):
            return set()
        admin = hook.admin and tokens.user_active(hook.user, admin=True)
        if admin and hook.project_id is None:
            return None
        query = select(Project.id)
        if not admin:
            query = query.where(Project.owner == hook.user)
        if hook.project_id is not None:
            query = query.where(Project.id == hook.project_id)
        with self._db.sessions() as session:
            return set(session.scalars(query))

    def advance(self, hook_id: str, cursor: int, *, delivered: bool) -> None:
        """Events up to ``cursor`` are handled; a delivery also clears the failures."""
        values: dict[str, Any] = {"cursor": cursor}
        if delivered:
            values |= {"failures": 0, "next_attempt_at": None, "last_error": None}
        statement = update(Webhook).where(Webhook.id == hook_id, Webhook.cursor < cursor)
        with self._db.sessions.begin() as session:
            session.execute(statement.values(**values))

    def failed(self, hook_id: str, *, error: str, retry_at: datetime, disable: bool) -> None:
        """One more failed attempt at the event after the cursor; retried at ``retry_at``,
        or never again if ``disable``."""
        values: dict[str, Any] = {
            "failures": Webhook.failures + 1,
            "next_attempt_at": retry_at,
            "last_error": error[:200],
        }
        if disable:
            values["disabled_at"] = utcnow()
        with self._db.sessions.begin() as session:
            session.execute(update(Webhook).where(Webhook.id == hook_id).values(**values))

    def _record(self, row: Webhook) -> WebhookRecord:
        return WebhookRecord(
            id=row.id,
            user=row.user_name,
            admin=bool(row.admin),
            url=self._vault.open_text(f"webhook:{row.id}:url", row.url_sealed),
            statuses=tuple(row.statuses) if row.statuses is not None else None,
            project_id=row.project_id,
            created_at=row.created_at,
            cursor=row.cursor,
            failures=row.failures,
            next_attempt_at=row.next_attempt_at,
            last_error=row.last_error,
            disabled_at=row.disabled_at,
        )
