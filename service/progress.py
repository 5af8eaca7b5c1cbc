"""One progress hook for every step (after pyannote's ``hook(step, ..., completed, total)``).

The job worker, the CLI progress bar and (later) the web page all listen to the same calls.
"""

from __future__ import annotations

from typing import Protocol


class Hook(Protocol):
    def __call__(
        self, step: str, *, completed: float | None = None, total: float | None = None
    ) -> None: ...


def no_op_hook(step: str, *, completed: float | None = None, total: float | None = None) -> None:
    """The default hook: ignores every call."""
