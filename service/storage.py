"""The data directory: private folders, one service per directory, durable renames, and the
client's file name made safe to show.

Recordings are not stored here but sealed in the vault (``service.vault``); the client's file
name is kept only as a sanitised, sealed display name and never used to build a path.
"""

from __future__ import annotations

import fcntl
import logging
import os
import unicodedata
from pathlib import Path

from service.errors import IntervjuError

logger = logging.getLogger(__name__)

DISPLAY_NAME_MAX = 200
FALLBACK_DISPLAY_NAME = "opptak"


def safe_display_name(client_filename: str | None) -> str:
    """The client's file name made safe to show: basename only, no control characters,
    no leading dots, at most ``DISPLAY_NAME_MAX`` characters (the extension kept)."""
    name = unicodedata.normalize("NFC", client_filename or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    # Cc: control characters; Cf: invisible format characters (bidi overrides and the like).
    name = "".join(ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cf"))
    name = name.strip().lstrip(".").strip()
    if not name:
        return FALLBACK_DISPLAY_NAME
    if len(name) > DISPLAY_NAME_MAX:
        stem, dot, extension = name.rpartition(".")
        if dot and 0 < len(extension) <= 10:
            name = stem[: DISPLAY_NAME_MAX - len(extension) - 1].rstrip() + "." + extension
        else:
            name = name[:DISPLAY_NAME_MAX].rstrip()
    return name


def ensure_dir(path: Path) -> None:
    """Create a private directory (owner only) if it is missing."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)


class DataDirLock:
    """Only one service may use a data directory: recovery at start assumes that every job
    left running belongs to no live process. Held as an exclusive ``flock`` on
    ``<data_dir>/service.lock``, which the system releases if the process dies."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / "service.lock"
        self._fd: int | None = None

    def acquire(self) -> None:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise IntervjuError("service.already_running", data_dir=str(self.path.parent)) from None
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def fsync_dir(path: Path) -> None:
    """Make a rename or unlink in ``path`` durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
