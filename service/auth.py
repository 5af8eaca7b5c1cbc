"""API access tokens: ``ivj_`` + 32 random bytes, shown once, stored only as SHA-256.

Tokens have a unique name among the active ones, so ``intervju token revoke NAME`` is never
ambiguous. Each token belongs to a user (several tokens may share one): it sees that user's
projects only, unless it is an admin token, which sees all. Tokens made before users existed
belong to a user named like the token and are not admins.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from service.db import ApiToken, Database, utcnow
from service.errors import IntervjuError

logger = logging.getLogger(__name__)

TOKEN_PREFIX = "ivj_"
NAME_MAX = 100
# last_used_at is written at most this often per token, not on every request.
LAST_USED_RESOLUTION = timedelta(seconds=60)


@dataclass(frozen=True)
class TokenInfo:
    """A token as listed: never its plaintext nor its hash."""

    id: int
    name: str
    user: str
    admin: bool
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def check_user_name(value: str) -> str:
    """``value`` as a user name (NFC, trimmed): 1-100 characters, no control or invisible
    format characters; raises ``IntervjuError("auth.bad_user")`` otherwise."""
    text = unicodedata.normalize("NFC", value).strip()
    if not text or len(text) > NAME_MAX or any(_hidden(ch) for ch in text):
        raise IntervjuError("auth.bad_user", limit=NAME_MAX)
    return text


def _hidden(ch: str) -> bool:
    return unicodedata.category(ch) in ("Cc", "Cf")


def hash_token(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode("utf-8")).hexdigest()


def new_token_plaintext() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


class TokenStore:
    """Create, list, revoke and verify tokens. Safe to share between threads."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def create(
        self, name: str, user: str | None = None, admin: bool = False
    ) -> tuple[TokenInfo, str]:
        """A new token of ``user`` (default: a user named like the token); the plaintext is
        returned here and nowhere else, ever."""
        name = name.strip()
        if not name or len(name) > NAME_MAX:
            raise IntervjuError("auth.bad_name", limit=NAME_MAX)
        user_name = check_user_name(name if user is None else user)
        plaintext = new_token_plaintext()
        with self._db.sessions.begin() as session:
            taken = select(ApiToken.id).where(ApiToken.name == name, ApiToken.revoked_at.is_(None))
            if session.scalar(taken) is not None:
                raise IntervjuError("auth.name_taken", name=name)
            row = ApiToken(
                name=name,
                token_hash=hash_token(plaintext),
                created_at=utcnow(),
                user_name=user_name,
                admin=admin,
            )
            session.add(row)
            session.flush()
            info = _info(row)
        logger.info("access token %d created (admin: %s)", info.id, info.admin)
        return info, plaintext

    def list(self) -> list[TokenInfo]:
        with self._db.sessions() as session:
            return [_info(row) for row in session.scalars(select(ApiToken).order_by(ApiToken.id))]

    def has_active(self) -> bool:
        query = select(ApiToken.id).where(ApiToken.revoked_at.is_(None)).limit(1)
        with self._db.sessions() as session:
            return session.scalar(query) is not None

    def revoke(self, id_or_name: str) -> TokenInfo:
        """Revoke the active token with this id or name; raises when there is none."""
        with self._db.sessions.begin() as session:
            row = None
            if id_or_name.isdigit():
                row = session.get(ApiToken, int(id_or_name))
                if row is not None and row.revoked_at is not None:
                    row = None
            if row is None:
                row = session.scalar(
                    select(ApiToken).where(
                        ApiToken.name == id_or_name, ApiToken.revoked_at.is_(None)
                    )
                )
            if row is None:
                raise IntervjuError("auth.unknown_token", token=id_or_name)
            row.revoked_at = utcnow()
            session.flush()
            info = _info(row)
        logger.info("access token %d revoked", info.id)
        return info

    def is_active(self, token_id: int) -> bool:
        """Whether the token with this id exists and is not revoked (for long-lived streams)."""
        query = select(ApiToken.id).where(ApiToken.id == token_id, ApiToken.revoked_at.is_(None))
        with self._db.sessions() as session:
            return session.scalar(query) is not None

    def user_active(self, user: str, *, admin: bool = False) -> bool:
        """Whether ``user`` has an active token (an admin token, with ``admin``): what their
        webhooks may still receive depends on it."""
        owner = func.coalesce(ApiToken.user_name, ApiToken.name)
        query = select(ApiToken.id).where(owner == user, ApiToken.revoked_at.is_(None))
        if admin:
            query = query.where(ApiToken.admin.is_(True))
        with self._db.sessions() as session:
            return session.scalar(query.limit(1)) is not None

    def verify(self, plaintext: str) -> TokenInfo | None:
        """The active token with this plaintext (its use recorded), or ``None``."""
        if not plaintext.startswith(TOKEN_PREFIX):
            return None
        digest = hash_token(plaintext)
        with self._db.sessions.begin() as session:
            row = session.scalar(select(ApiToken).where(ApiToken.token_hash == digest))
            if row is None or row.revoked_at is not None:
                return None
            now = utcnow()
            if row.last_used_at is None or now - row.last_used_at >= LAST_USED_RESOLUTION:
                row.last_used_at = now
            session.flush()
            return _info(row)


def _info(row: ApiToken) -> TokenInfo:
    return TokenInfo(
        id=row.id,
        name=row.name,
        user=row.name if row.user_name is None else row.user_name,
        admin=bool(row.admin),
        created_at=row.created_at,
        revoked_at=row.revoked_at,
        last_used_at=row.last_used_at,
    )
