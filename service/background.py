"""Background threads and what they log when something unexpected happens.

``log_unexpected`` writes an error's type and where it happened, never its message: library
errors quote their input, which may be transcript text, a name or a webhook URL with its token.

``Periodic`` is a daemon thread that calls ``tick`` at start and then every ``interval``
seconds until ``stop``; an unexpected error is logged and the next tick comes as usual.
"""

from __future__ import annotations

import logging
import threading
import traceback


def log_unexpected(logger: logging.Logger, what: str, exc: BaseException) -> None:
    """``what: <error type>`` and the traceback, at ERROR."""
    where = "".join(traceback.format_tb(exc.__traceback__))
    logger.error("%s: %s\n%s", what, type(exc).__name__, where)


class Periodic:
    """Subclasses set ``name``, ``failure`` (what to log) and implement ``tick`` and
    ``interval``; ``start``/``stop`` come from the app's lifespan."""

    name = "intervju-periodic"
    failure = "a periodic task failed; trying again later"

    def __init__(self, logger: logging.Logger) -> None:
        self._logger = logger
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def interval(self) -> float:
        raise NotImplementedError

    def tick(self) -> None:
        raise NotImplementedError

    def start(self) -> None:
        self._stopping.clear()
        self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                self.tick()
            except Exception as exc:
                log_unexpected(self._logger, self.failure, exc)
            self._stopping.wait(self.interval())
