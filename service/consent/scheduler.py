"""A daemon thread that enforces project end dates: at start, then every ``check_seconds``."""

from __future__ import annotations

import logging
from datetime import date

from service.background import Periodic
from service.config import ConsentSettings
from service.consent.deletion import Consent

logger = logging.getLogger(__name__)


class DeadlineScheduler(Periodic):
    """``start``/``stop`` from the app's lifespan; ``run_now`` for the CLI and tests."""

    name = "intervju-deadlines"
    failure = "checking project end dates failed; trying again later"

    def __init__(self, consent: Consent, settings: ConsentSettings) -> None:
        self._consent = consent
        self._settings = settings
        super().__init__(logger)

    def run_now(self, today: date | None = None) -> int:
        """Check every project once; returns how many jobs' audio was deleted."""
        done = self._consent.run_deadlines(today or date.today(), self._settings.warn_days)
        if done:
            logger.warning("project end dates: audio of %d job(s) deleted", len(done))
        return len(done)

    def interval(self) -> float:
        return self._settings.check_seconds

    def tick(self) -> None:
        self.run_now()
