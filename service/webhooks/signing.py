"""Webhook signatures: ``sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">`` with the hook's
secret. A receiver recomputes it (``verify``) and refuses old timestamps (replays)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

SECRET_PREFIX = "whsec_"
MAX_AGE_SECONDS = 300


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def verify(
    secret: str,
    timestamp: str,
    body: bytes,
    header: str,
    max_age: float = MAX_AGE_SECONDS,
    now: float | None = None,
) -> bool:
    """Whether ``header`` signs ``timestamp`` and ``body`` with ``secret`` and the timestamp is
    at most ``max_age`` seconds from ``now``."""
    try:
        age = abs((time.time() if now is None else now) - int(timestamp))
    except ValueError:
        return False
    return age <= max_age and hmac.compare_digest(signature(secret, timestamp, body), header)
