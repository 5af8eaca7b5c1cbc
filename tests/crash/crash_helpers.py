"""Helpers for the crash tests: the forking server process, and the checks of a data directory
that must hold after any crash."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from service import audit
from service.config import Settings
from service.consent import receipts
from service.consent.deletion import audio_object
from service.datadir import open_vault
from service.db import open_database
from service.jobs import JobRecord, JobStatus, JobStore
from service.jobs.job_keys import job_key_id, originals_key_id
from service.jobs.sealing import sha256_text
from service.vault import Vault
from tests.waiting import wait_for

ROOT = Path(__file__).resolve().parents[2]
CRASH_APP = Path(__file__).resolve().parent / "crash_app.py"
API = "/api/v1/jobs"
GONE = frozenset({JobStatus.VERIFIED, JobStatus.AUDIO_DELETED, JobStatus.WITHDRAWN})
SETTLED = frozenset(
    {JobStatus.READY_FOR_REVIEW, *GONE, JobStatus.FAILED}
)  # no worker will touch these again


def child_env() -> dict[str, str]:
    """This environment without any INTERVJU_ setting (the app gets its settings in code)."""
    return {k: v for k, v in os.environ.items() if not k.startswith("INTERVJU_")}


class Zygote:
    """``crash_app.py zygote``: forks one server per ``spawn`` and says how it died."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(CRASH_APP), "zygote"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=ROOT,
            env=child_env(),
        )
        self._buffer = b""
        self.alive: set[int] = set()
        assert self._read(120.0) == {"ready": True}

    def _read(self, timeout: float) -> dict[str, Any]:
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise AssertionError("the crash app did not answer in time")
            chunk = os.read(fd, 4096)
            if not chunk:
                raise AssertionError(f"the crash app exited ({self.proc.wait()})")
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        message: dict[str, Any] = json.loads(line)
        return message

    def spawn(self, data_dir: Path, ready: Path, log: Path, kill_at: str) -> int:
        assert self.proc.stdin is not None
        command = {
            "data_dir": str(data_dir),
            "ready": str(ready),
            "log": str(log),
            "env": {"INTERVJU_TEST_KILL_AT": kill_at},
        }
        self.proc.stdin.write((json.dumps(command) + "\n").encode())
        self.proc.stdin.flush()
        pid = int(self._read(30.0)["pid"])
        self.alive.add(pid)
        return pid

    def wait_exit(self, pid: int, timeout: float = 20.0) -> dict[str, Any]:
        """How server ``pid`` ended; it is SIGKILLed here if it is still running by then."""
        try:
            result = self._read(timeout)
        except AssertionError:
            os.kill(pid, signal.SIGKILL)
            result = self._read(10.0)
            result["killed_by_test"] = True
        assert result["pid"] == pid
        self.alive.discard(pid)
        return result

    def close(self) -> None:
        for pid in list(self.alive):
            try:
                os.kill(pid, signal.SIGKILL)
                self.wait_exit(pid, 10.0)
            except (ProcessLookupError, AssertionError):
                pass
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)


@dataclass(frozen=True)
class Server:
    base: str
    token: str
    pid: int

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def wait_ready(ready: Path, log: Path, timeout: float = 30.0) -> Server:
    import httpx

    def read() -> dict[str, Any] | None:
        return json.loads(ready.read_text()) if ready.exists() else None

    try:
        info = wait_for(read, timeout, "the ready file")
    except AssertionError:
        output = log.read_text(errors="replace") if log.exists() else "no log"
        raise AssertionError(output) from None
    base = f"http://127.0.0.1:{info['port']}"

    def healthy() -> bool:
        try:
            return httpx.get(f"{base}/healthz", timeout=2).status_code == 200
        except httpx.TransportError:
            return False

    wait_for(healthy, timeout, "/healthz")
    return Server(base, str(info["token"]), int(info["pid"]))


@contextmanager
def offline_store(settings: Settings) -> Iterator[tuple[JobStore, Vault]]:
    """The job store and vault of a data directory no service is running on."""
    db = open_database(settings.db_url)
    try:
        vault = open_vault(settings)
        yield JobStore(db, vault), vault
    finally:
        db.dispose()


def all_jobs(store: JobStore) -> dict[str, JobRecord]:
    return {job.id: job for job in store.list_recent(limit=1000)}


def invariants(
    store: JobStore, vault: Vault, jobs: dict[str, JobRecord], *, crashed: bool = False
) -> list[str]:
    """What must hold at any moment, crash or not. A withdrawal is recorded before the audio is
    shredded (so nothing can use the job any more), so right after a crash a withdrawn job may
    still have its unreadable-by-anyone audio; the next start shreds it."""
    problems: list[str] = []
    for job in jobs.values():
        has_audio = vault.exists(audio_object(job.id))
        if job.status not in GONE and not has_audio:
            problems.append(f"job {job.id} is {job.status.value} but its audio is gone")
        if job.status in (JobStatus.VERIFIED, JobStatus.AUDIO_DELETED):
            problems += _verified_transcript(store, job)
        if job.status is JobStatus.WITHDRAWN and (
            store.list_versions(job.id) or job.filename or (has_audio and not crashed)
        ):
            problems.append(f"job {job.id} is withdrawn but something of it is left")
    return problems


def _verified_transcript(store: JobStore, job: JobRecord) -> list[str]:
    if job.transcript_version is None or job.verified_sha256 is None:
        return [f"job {job.id} is {job.status.value} without a verified version"]
    stored = store.get_version(job.id, job.transcript_version)  # raises on a bad checksum
    if stored is None:
        return [f"job {job.id}: the verified transcript is not readable"]
    digest = sha256_text(stored.transcript.model_dump_json())
    if stored.sha256 != job.verified_sha256 or digest != job.verified_sha256:
        return [f"job {job.id}: the verified transcript's checksum differs"]
    if stored.originals is not None:
        return [f"job {job.id}: the originals behind the tags outlived verification"]
    return []


def orphans(data_dir: Path, vault: Vault, jobs: dict[str, JobRecord]) -> list[str]:
    """Partial files anywhere, recordings of no job (or of a job that has none), and job keys
    that deletion should have destroyed."""
    problems = [f"partial file {p}" for p in data_dir.rglob("*.partial")]
    problems += [f"partial file {p}" for p in data_dir.rglob("*.part")]
    for object_id in vault.object_ids("audio-"):
        job = jobs.get(object_id.removeprefix("audio-"))
        if job is None:
            problems.append(f"{object_id} belongs to no job")
        elif job.status in GONE:
            problems.append(f"{object_id} outlived the deletion of its job's audio")
    for job in jobs.values():  # the keys that make old copies of the database unreadable
        gone = [originals_key_id(job.id)] if job.status in GONE else []
        gone += [job_key_id(job.id)] if job.status is JobStatus.WITHDRAWN else []
        problems += [f"{key} outlived its deletion" for key in gone if vault.key_path(key).exists()]
    return problems


def receipt_problems(audit_path: Path, jobs: dict[str, JobRecord]) -> list[str]:
    """Exactly one receipt of the right kind per job whose audio (or everything) is gone, the
    one the job points to; none for any other job."""
    entries = list(audit.read(audit_path))
    problems: list[str] = []
    for job in jobs.values():
        mine = [e for e in entries if e.data.get("job") == job.id]
        kinds = sorted(e.kind for e in mine)
        expected = {
            JobStatus.AUDIO_DELETED: [receipts.AUDIO_DELETED],
            JobStatus.WITHDRAWN: [receipts.JOB_WITHDRAWN],
        }.get(job.status, [])
        if kinds != expected:
            problems.append(f"job {job.id} ({job.status.value}) has receipts {kinds}")
        elif mine and mine[0].seq != job.receipt_seq:
            problems.append(f"job {job.id} points to receipt {job.receipt_seq}, not {mine[0].seq}")
    strangers = {str(e.data.get("job")) for e in entries} - set(jobs)
    if strangers:
        problems.append(f"receipts of unknown jobs {sorted(strangers)}")
    return problems
