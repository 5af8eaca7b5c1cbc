"""The tamper-evident audit log: an append-only file of hash-chained JSON entries.

Each line is one entry, ``{"seq", "at", "kind", "data", "prev", "hash"}``:

- ``prev`` is the ``hash`` of the entry before it (64 zeros for the first);
- ``hash`` is the SHA-256 of the entry's canonical JSON without ``hash``.

Editing an entry breaks its own hash; deleting or reordering entries breaks the next entry's
``prev`` or the sequence. :func:`verify` walks the chain and names the first broken entry.
Cutting entries off the end leaves a valid, shorter chain: that is why every receipt handed out
carries its entry's ``hash`` and ``seq``, and :func:`verify` can check the log still holds them.

Entries must never hold personal data: callers write ids, checksums, sizes and times only.
Appends take an exclusive lock on the file and are fsynced before they return, so concurrent
workers keep one chain and an acknowledged entry survives a crash.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

GENESIS = "0" * 64
FIELDS = ("seq", "at", "kind", "data", "prev", "hash")


@dataclass(frozen=True)
class Entry:
    seq: int
    at: str  # ISO 8601, UTC
    kind: str  # e.g. "audio_deleted", "job_purged"
    data: Mapping[str, Any]
    prev: str
    hash: str


@dataclass(frozen=True)
class Verification:
    """The outcome of :func:`verify`: ``broken`` is the 1-based line of the first bad entry."""

    entries: int
    head: str  # the last entry's hash (GENESIS for an empty log)
    broken: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken is None


def _canonical(fields: Mapping[str, Any]) -> bytes:
    return json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def entry_hash(seq: int, at: str, kind: str, data: Mapping[str, Any], prev: str) -> str:
    body = {"seq": seq, "at": at, "kind": kind, "data": dict(data), "prev": prev}
    return hashlib.sha256(_canonical(body)).hexdigest()


def _last_entry(handle: Any) -> dict[str, Any] | None:
    """The last line of an open log file, parsed (None when empty)."""
    handle.seek(0, os.SEEK_END)
    size = handle.tell()
    if size == 0:
        return None
    block, data = 4096, b""
    while True:
        start = max(0, size - block)
        handle.seek(start)
        data = handle.read(size - start)
        lines = data.rstrip(b"\n").split(b"\n")
        if len(lines) > 1 or start == 0:
            last: dict[str, Any] = json.loads(lines[-1])
            return last
        block *= 2


def append(path: Path, kind: str, data: Mapping[str, Any], at: datetime | None = None) -> Entry:
    """Add one entry to the log at ``path`` (created with mode 0600) and return it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "r+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        last = _last_entry(handle)
        seq = 1 if last is None else int(last["seq"]) + 1
        prev = GENESIS if last is None else str(last["hash"])
        stamp = (at or datetime.now(UTC)).isoformat(timespec="seconds")
        digest = entry_hash(seq, stamp, kind, data, prev)
        entry = Entry(seq, stamp, kind, dict(data), prev, digest)
        line = _canonical({f: getattr(entry, f) for f in FIELDS}) + b"\n"
        handle.seek(0, os.SEEK_END)
        handle.write(line)
        handle.flush()
        os.fsync(handle.fileno())
    return entry


def read(path: Path) -> Iterator[Entry]:
    """Every entry in order (raises ValueError on a line that is not an entry)."""
    if not path.exists():
        return
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                fields = json.loads(raw)
                yield Entry(**{f: fields[f] for f in FIELDS})
            except (ValueError, KeyError, TypeError) as exc:
                raise ValueError(f"line {number} is not an audit entry") from exc


def verify(path: Path, receipts: Mapping[int, str] | None = None) -> Verification:
    """Walk the chain; with ``receipts`` ({seq: hash}), also check the log still holds them."""
    prev, count = GENESIS, 0
    hashes: dict[int, str] = {}
    try:
        for count, entry in enumerate(read(path), start=1):
            reason = ""
            if entry.seq != count:
                reason = f"sequence {entry.seq} where {count} belongs: an entry was removed/moved"
            elif entry.prev != prev:
                reason = "it does not follow the entry before it"
            elif entry_hash(entry.seq, entry.at, entry.kind, entry.data, entry.prev) != entry.hash:
                reason = "its content was changed"
            if reason:
                return Verification(count - 1, prev, count, reason)
            prev = hashes[count] = entry.hash
    except ValueError as exc:
        return Verification(count, prev, count + 1, str(exc))
    for seq, expected in sorted((receipts or {}).items()):
        if seq not in hashes:
            return Verification(count, prev, seq, "a receipt names it but the log ends before it")
        if hashes[seq] != expected:
            return Verification(count, prev, seq, "it differs from its receipt")
    return Verification(count, prev)
