"""Uploaded recordings on disk: where they go, how they are written, how they are deleted.

A recording is stored as ``<uploads_path>/<job_id>.upload``; the client's file name is kept only
as a sanitised display name in the database and never used to build a path. Files are written to
``<job_id>.upload.part`` and renamed after an fsync, so a crash never leaves a half file under
the final name. Nothing goes through the system temp directory.
"""

from __future__ import annotations

import fcntl
import logging
import os
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType

from service.errors import IntervjuError

logger = logging.getLogger(__name__)

DISPLAY_NAME_MAX = 200
FALLBACK_DISPLAY_NAME = "opptak"
UPLOAD_SUFFIX = ".upload"
PART_SUFFIX = ".upload.part"
_JOB_ID = re.compile(r"^[0-9a-f]{32}$")


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


def upload_path(uploads_dir: Path, job_id: str) -> Path:
    """Where the recording of ``job_id`` is stored."""
    return uploads_dir / f"{_checked(job_id)}{UPLOAD_SUFFIX}"


def ensure_dir(path: Path) -> None:
    """Create a private directory (owner only) if it is missing."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)


class UploadWriter:
    """Writes one upload to ``<job_id>.upload.part``; ``commit`` makes it ``<job_id>.upload``.

    Used as a context manager: leaving the block without ``commit`` deletes the partial file.
    """

    def __init__(self, uploads_dir: Path, job_id: str) -> None:
        self.final_path = upload_path(uploads_dir, job_id)
        self.part_path = uploads_dir / f"{_checked(job_id)}{PART_SUFFIX}"
        self.size = 0
        self._committed = False
        fd = os.open(self.part_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        self._file = os.fdopen(fd, "wb")

    def write(self, data: bytes) -> None:
        self._file.write(data)
        self.size += len(data)

    def commit(self) -> Path:
        """fsync, rename to the final name, fsync the directory; returns the final path."""
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        os.replace(self.part_path, self.final_path)
        fsync_dir(self.final_path.parent)
        self._committed = True
        return self.final_path

    def abort(self) -> None:
        if not self._file.closed:
            self._file.close()
        if not self._committed:
            self.part_path.unlink(missing_ok=True)

    def __enter__(self) -> UploadWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.abort()


def delete_upload(uploads_dir: Path, job_id: str) -> bool:
    """Delete the stored recording of ``job_id`` (and any partial file); ``True`` if one was."""
    removed = False
    for suffix in (UPLOAD_SUFFIX, PART_SUFFIX):
        path = uploads_dir / f"{_checked(job_id)}{suffix}"
        try:
            path.unlink()
        except FileNotFoundError:
            continue
        removed = True
    return removed


def remove_orphans(uploads_dir: Path, job_ids: Iterable[str]) -> int:
    """At start: delete partial uploads and recordings that belong to no job."""
    known = set(job_ids)
    removed = 0
    if not uploads_dir.is_dir():
        return 0
    for path in uploads_dir.iterdir():
        if not path.is_file():
            continue
        job_id, _, suffix = path.name.partition(".")
        if f".{suffix}" == UPLOAD_SUFFIX and job_id in known:
            continue
        if f".{suffix}" in (UPLOAD_SUFFIX, PART_SUFFIX):
            path.unlink(missing_ok=True)
            removed += 1
    if removed:
        logger.warning("removed %d orphaned upload file(s)", removed)
    return removed


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


def _checked(job_id: str) -> str:
    if not _JOB_ID.fullmatch(job_id):
        raise ValueError("a job id is 32 lowercase hex digits")
    return job_id


def fsync_dir(path: Path) -> None:
    """Make a rename or unlink in ``path`` durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
