"""Which files in a project folder are recordings, and what their content is (SHA-256)."""

from __future__ import annotations

import hashlib
from pathlib import Path

# Audio and video containers ffmpeg reads that recorders, phones and meeting tools write.
EXTENSIONS = frozenset(
    {
        "mp3", "wma", "dss", "ds2", "m4a", "mp4", "wav", "ogg", "oga", "opus", "flac", "aac",
        "amr", "3gp", "webm", "mov", "mkv", "aif", "aiff", "wv", "ac3", "mka", "m4b", "caf",
    }
)  # fmt: skip
CHUNK = 1 << 20


def discover(root: Path, skip: Path | None = None) -> list[Path]:
    """Every recording under ``root`` (recursively), sorted by relative path.

    Hidden files and folders (a name starting with ``.``) and everything under ``skip`` (the
    output folder) are left out; the extension decides, in any case.
    """
    skip = skip.resolve() if skip is not None else None
    found = []
    for path in root.rglob("*"):
        relative = path.relative_to(root)
        if any(part.startswith(".") for part in relative.parts):
            continue
        # is_file() first: it is False for a dangling link or a loop, which resolve() raises on
        if path.suffix[1:].lower() not in EXTENSIONS or not path.is_file():
            continue
        if skip is not None and path.resolve().is_relative_to(skip):
            continue
        found.append(path)
    return sorted(found, key=lambda p: p.relative_to(root).as_posix())


def sha256_file(path: Path) -> str:
    """The SHA-256 of the file's bytes, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
