"""A daemon thread that enforces project end dates: at start, then every ``check_seconds``."""

from __future__ import annotations

import logging
import threading
from datetime import date

from service.config import ConsentSettings
from service.consent.deletion import Consent

logger = logging.getLogger(__name__)


class DeadlineScheduler:
    """``start``/``stop`` from the app's lifespan; ``run_now`` for the CLI and tests."""

    def __init__(self, consent: Consent, settings: ConsentSettings) -> None:
        self._consent = consent
        self._settings = settings
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def run_now(self, today: date | None = None) -> int:
        """Check every project once; returns how many jobs' audio was deleted."""
        done = self._consent.run_deadlines(today or date.today(), self._settings.warn_days)
        if done:
            logger.warning("project end dates: audio of %d job(s) deleted", len(done))
        return len(done)

    def start(self) -> None:
        self._stopping.clear()
        self._thread = threading.Thread(target=self._loop, name="intervju-deadlines", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                self.run_now()
            except Exception:
                logger.exception("checking project end dates failed; trying again later")
            self._stopping.wait(self._settings.check_seconds)
