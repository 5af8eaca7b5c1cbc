"""The batch state file: which recordings (by content) are done, and where their outputs are.

``<out>/intervju-batch.json`` maps each recording's SHA-256 to a record: informant code,
status, size and length, speakers, outputs (file and SHA-256 per format), the error's message
key when it failed, and the receipts of its deletion. It never holds a file name (names of
recordings often name people), so the output folder can be archived as it is.

The file is replaced atomically (temporary file, fsync, rename, fsync of the folder) after every
change, and outputs are written the same way before their record says ``done``: a run killed at
any point leaves either the old state or the new, never a half-written output that counts.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

STATE_NAME = "intervju-batch.json"
LOCK_NAME = ".intervju-batch.lock"
RECEIPTS_FOLDER = "kvitteringer"  # copies of the deletion receipts
TMP_SUFFIX = ".tmp"
FORMAT = "intervju-batch-state"
VERSION = 1


class Status(StrEnum):
    RUNNING = "running"  # started, not finished: processed again by the next run
    DONE = "done"
    FAILED = "failed"  # tried again by the next run


@dataclass(frozen=True)
class Output:
    format: str
    file: str  # name inside the output folder
    sha256: str


@dataclass(frozen=True)
class ReceiptRef:
    """Where a deletion receipt stands in the audit log, and the copy in the output folder."""

    seq: int
    hash: str
    file: str


@dataclass(frozen=True)
class Record:
    informant: str
    status: Status
    audio_bytes: int
    audio_seconds: float | None = None
    started_at: str | None = None
    finished_at: str | None = None
    speakers: int | None = None
    outputs: tuple[Output, ...] = ()
    error: str | None = None  # a message key, never text from the recording
    # when an auto-verify deletion began; cleared once its receipt is written
    deleting: str | None = None
    receipts: tuple[ReceiptRef, ...] = ()

    def output(self, fmt: str) -> Output | None:
        return next((o for o in self.outputs if o.format == fmt), None)

    def done_for(self, fmt: str) -> bool:
        return self.status is Status.DONE and self.output(fmt) is not None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["status"] = self.status.value
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Record:
        return cls(
            **{
                **data,
                "status": Status(data["status"]),
                "outputs": tuple(Output(**o) for o in data.get("outputs", ())),
                "receipts": tuple(ReceiptRef(**r) for r in data.get("receipts", ())),
            }
        )


@dataclass
class BatchState:
    """The state of one output folder; every change is saved at once."""

    path: Path
    project: str
    records: dict[str, Record] = field(default_factory=dict)

    @classmethod
    def load(cls, out: Path, project: str) -> BatchState:
        path = out / STATE_NAME
        if not path.exists():
            return cls(path, project)
        data = json.loads(path.read_text(encoding="utf-8"))
        if (
            not isinstance(data, dict)
            or data.get("format") != FORMAT
            or data.get("version") != VERSION
            or not isinstance(data.get("recordings"), dict)
        ):
            raise ValueError(f"{path} is not an intervju batch state (version {VERSION})")
        records = {sha: Record.from_json(r) for sha, r in data["recordings"].items()}
        return cls(path, str(data.get("project") or project), records)

    def informant(self, sha256: str) -> str:
        """The recording's informant code: kept from before, else the next free S<n>."""
        if sha256 in self.records:
            return self.records[sha256].informant
        used = {r.informant for r in self.records.values()}
        number = len(self.records) + 1
        while f"S{number}" in used:
            number += 1
        return f"S{number}"

    def put(self, sha256: str, record: Record) -> None:
        self.records[sha256] = record
        self.save()

    def restore(self, sha256: str, record: Record | None) -> None:
        """Put back the record from before a run began (forget the recording if there was
        none), e.g. when its file turned out to hold other content than was planned."""
        if record is not None:
            self.put(sha256, record)
        elif self.records.pop(sha256, None) is not None:
            self.save()

    def update(self, sha256: str, **changes: Any) -> Record:
        record = replace(self.records[sha256], **changes)
        self.put(sha256, record)
        return record

    def save(self) -> None:
        data = {
            "format": FORMAT,
            "version": VERSION,
            "project": self.project,
            "recordings": {sha: r.to_json() for sha, r in self.records.items()},
        }
        text = json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
        write_atomic(self.path, text.encode("utf-8"))


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that ``path`` holds either its old bytes or all new ones."""
    tmp = path.with_name(f".{path.name}{TMP_SUFFIX}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    fsync_dir(path.parent)


def fsync_dir(folder: Path) -> None:
    """Make a rename or unlink in ``folder`` durable."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def remove_leftovers(out: Path) -> None:
    """Delete temporary files a killed run left behind (they never counted): only the batch's
    own (state, ``S<n>`` outputs, receipts), since other programs may use the folder too."""
    leftovers = [
        *out.glob(f".{STATE_NAME}{TMP_SUFFIX}"),
        *out.glob(f".S[0-9]*{TMP_SUFFIX}"),
        *(out / RECEIPTS_FOLDER).glob(f".batch-*{TMP_SUFFIX}"),
    ]
    for tmp in leftovers:
        tmp.unlink(missing_ok=True)


class BatchLocked(Exception):
    """Another batch run is using the output folder."""


@contextmanager
def locked(out: Path) -> Iterator[None]:
    """Hold the output folder for one run (released by the kernel if the run is killed)."""
    out.mkdir(parents=True, exist_ok=True)
    fd = os.open(out / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BatchLocked(str(out)) from None
        yield
    finally:
        os.close(fd)
