"""A daemon thread that delivers job events to webhooks, and prunes the outbox.

Each hook is read from its cursor in the outbox (``service.jobs.events``) and its events are
POSTed one at a time, in order; the cursor moves only after a 2xx answer. A failed attempt is
retried after ``backoff_seconds``, doubled each time (at most an hour); after ``max_attempts``
failures in a row the hook is disabled. Delivery is at least once: a crash between the
receiver's answer and the cursor's update sends that event again, with the same
``X-Intervju-Delivery``. With no hook registered, nothing but the database is touched.

Webhooks receive ``status`` and ``version`` events (progress is for the live feed).
"""

from __future__ import annotations

import http.client
import json
import logging
import time
from datetime import datetime, timedelta

from service import __version__
from service.background import Periodic, log_unexpected
from service.config import EventSettings, WebhookSettings
from service.db import Database, utcnow
from service.errors import IntervjuError
from service.jobs.events import EventLog, JobEventRecord
from service.vault import Vault
from service.webhooks.signing import signature
from service.webhooks.store import WebhookRecord, WebhookStore
from service.webhooks.targets import post, resolve

logger = logging.getLogger(__name__)

BATCH = 100
MAX_BACKOFF_SECONDS = 3600.0
PRUNE_SECONDS = 3600.0
DELIVERED_KINDS = frozenset({"status", "version"})


def delivery_body(event: JobEventRecord) -> bytes:
    """The JSON a webhook receives for ``event``."""
    body = {"event_id": event.id, "type": f"job.{event.kind}", "job": event.payload()}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


class Dispatcher(Periodic):
    """``start``/``stop`` from the app's lifespan; ``run_once`` for tests."""

    name = "intervju-webhooks"
    failure = "delivering webhooks failed; trying again later"

    def __init__(
        self, db: Database, vault: Vault, settings: WebhookSettings, events: EventSettings
    ) -> None:
        self.hooks = WebhookStore(db, vault)
        self._log = EventLog(db)
        self._settings = settings
        self._events = events
        super().__init__(logger)
        self._pruned_at = time.monotonic()

    def run_once(self, now: datetime | None = None) -> int:
        """Deliver what is due to every hook; returns how many events were delivered. A hook
        that fails in an unexpected way counts a failed attempt; the others still get theirs."""
        delivered = 0
        for hook in self.hooks.due(now or utcnow()):
            try:
                delivered += self._run_hook(hook)
            except Exception as exc:
                log_unexpected(logger, f"webhook {hook.id}: delivery failed unexpectedly", exc)
                self._failed(hook, type(exc).__name__)
        return delivered

    def interval(self) -> float:
        return self._settings.interval_seconds

    def tick(self) -> None:
        self.run_once()
        self._prune_now_and_then()

    def _prune_now_and_then(self) -> None:
        if time.monotonic() - self._pruned_at < PRUNE_SECONDS:
            return
        self._pruned_at = time.monotonic()
        pruned = self._log.prune(self._events.keep_days, self._events.keep_max)
        if pruned:
            logger.info("job events: %d old event(s) pruned", pruned)

    def _run_hook(self, hook: WebhookRecord) -> int:
        projects = self.hooks.visible_projects(hook)
        events = self._log.after(hook.cursor, projects, limit=BATCH)
        secret = self.hooks.secret(hook.id) if events else None
        delivered = 0
        skipped_to = hook.cursor
        for event in events:
            if self.stopping or secret is None:
                break
            if not _wanted(hook, event):
                skipped_to = event.id
                continue
            if skipped_to > hook.cursor:
                self.hooks.advance(hook.id, skipped_to, delivered=False)
            error = self._deliver(hook, secret, event)
            if error is not None:
                self._failed(hook, error)
                return delivered
            self.hooks.advance(hook.id, event.id, delivered=True)
            delivered += 1
            skipped_to = event.id
        if skipped_to > hook.cursor:
            self.hooks.advance(hook.id, skipped_to, delivered=False)
        return delivered

    def _deliver(self, hook: WebhookRecord, secret: str, event: JobEventRecord) -> str | None:
        """POST one event; ``None`` on a 2xx answer, else what went wrong (no URL in it)."""
        body = delivery_body(event)
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "User-Agent": f"intervju/{__version__}",
            "X-Intervju-Event": f"job.{event.kind}",
            "X-Intervju-Delivery": f"{hook.id}-{event.id}",
            "X-Intervju-Timestamp": timestamp,
            "X-Intervju-Signature": signature(secret, timestamp, body),
        }
        try:
            target = resolve(hook.url, self._settings.allow_public)
            status = post(target, body, headers, self._settings.timeout_seconds)
        except IntervjuError as exc:
            return exc.key
        except (OSError, http.client.HTTPException, ValueError) as exc:
            return type(exc).__name__  # ValueError: a URL http.client cannot send
        return None if 200 <= status < 300 else f"HTTP {status}"

    def _failed(self, hook: WebhookRecord, error: str) -> None:
        failures = hook.failures + 1
        disable = failures >= self._settings.max_attempts
        wait = min(self._settings.backoff_seconds * 2 ** (failures - 1), MAX_BACKOFF_SECONDS)
        retry_at = utcnow() + timedelta(seconds=wait)
        self.hooks.failed(hook.id, error=error, retry_at=retry_at, disable=disable)
        if disable:
            logger.warning(
                "webhook %s (%s) disabled after %d failed attempts (last: %s)",
                hook.id,
                hook.shown_url,
                failures,
                error,
            )
        else:
            logger.info("webhook %s: delivery failed (%s); retry in %.0f s", hook.id, error, wait)



def _wanted(hook: WebhookRecord, event: JobEventRecord) -> bool:
    if event.kind not in DELIVERED_KINDS:
        return False
    return hook.statuses is None or event.status in hook.statuses
