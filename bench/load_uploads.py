"""Upload load test: many concurrent uploads into a real `intervju serve`, on loopback only.

    python bench/load_uploads.py [--uploads 20] [--size-mb 50] [--concurrency 20] [--limit 4]

Starts `python -m service serve` on a free 127.0.0.1 port with a temporary data directory and
its in-process worker switched off (``INTERVJU_WORKER__ENABLED=false``: the jobs stay queued,
nothing is transcribed), writes one WAV file of the given size (a real 16 kHz mono PCM
recording: a quiet tone), sends it ``--uploads`` times from ``--concurrency`` threads, each
retrying after 429 as ``Retry-After`` says (within ``--max-seconds``), then sends one file over
``api.max_upload_mb`` (expects 413). Meanwhile it samples the server's resident memory (VmRSS
of the process and any children, and the kernel's VmHWM peak). Prints what was stored (checked
in ``GET /api/v1/jobs`` and in the vault on disk), the status codes, MB/s and memory; exits 1
when an upload is lost, something extra is stored or a status other than 202/429/413 appears.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import re
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
MiB = 1024 * 1024
SAMPLE_RATE = 16_000
EXPECTED = frozenset({202, 413, 429})


@dataclass(frozen=True)
class LoadConfig:
    uploads: int = 20
    size_mb: float = 50.0
    concurrency: int = 20
    limit: int = 4  # api.max_concurrent_uploads of the server
    max_seconds: float = 600.0  # all uploads, retries included, must be done by then

    @property
    def size_bytes(self) -> int:
        return int(self.size_mb * MiB)

    @property
    def max_upload_mb(self) -> int:
        """The server's limit: just above the file size, so the over-limit file is small."""
        return math.ceil(self.size_mb) + 1


@dataclass(frozen=True)
class Server:
    process: subprocess.Popen[bytes]
    base: str
    token: str
    data_dir: Path

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@contextmanager
def running_server(workdir: Path, config: LoadConfig) -> Iterator[Server]:
    """`python -m service serve` on a free loopback port, data in ``workdir/data``."""
    data_dir, log = workdir / "data", workdir / "serve.log"
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("INTERVJU_")}
    env.update(
        INTERVJU_STORAGE__DATA_DIR=str(data_dir),
        INTERVJU_API__HOST="127.0.0.1",
        INTERVJU_API__MAX_CONCURRENT_UPLOADS=str(config.limit),
        INTERVJU_API__MAX_UPLOAD_MB=str(config.max_upload_mb),
        INTERVJU_QUEUE__BACKEND="local",
        INTERVJU_WORKER__ENABLED="false",  # the uploads stay queued: nothing is transcribed
        PYTHONPATH=str(REPO),
    )
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "service", "serve", "--port", str(port)],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        base = f"http://127.0.0.1:{port}"
        token = wait_token(log, process)
        wait_listening(base, process)
        yield Server(process, base, token, data_dir)
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_token(log: Path, process: subprocess.Popen[bytes], timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        match = re.search(r"ivj_[A-Za-z0-9_-]+", log.read_text(errors="replace"))
        if match:
            return match.group(0)
        time.sleep(0.1)
    tail = "\n".join(log.read_text(errors="replace").splitlines()[-15:])
    raise RuntimeError(f"the service printed no token; the end of its log:\n{tail}")


def wait_listening(base: str, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(f"{base}/healthz", timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass  # not bound yet
        time.sleep(0.1)
    raise RuntimeError("the service never answered /healthz")


def write_wav(path: Path, size_bytes: int) -> Path:
    """A valid WAV file of exactly ``size_bytes`` (16 kHz, 16-bit mono: a quiet 440 Hz tone)."""
    header_bytes = 44
    frames = max(size_bytes - header_bytes, 2) // 2
    second = b"".join(
        struct.pack("<h", int(3000 * math.sin(2 * math.pi * 440 * i / SAMPLE_RATE)))
        for i in range(SAMPLE_RATE)
    )
    data_bytes = frames * 2
    header = b"RIFF" + struct.pack("<I", 36 + data_bytes) + b"WAVEfmt "
    header += struct.pack("<IHHIIHH", 16, 1, 1, SAMPLE_RATE, SAMPLE_RATE * 2, 2, 16)
    header += b"data" + struct.pack("<I", data_bytes)
    with path.open("wb") as out:
        out.write(header)
        left = data_bytes
        while left > 0:
            piece = second[: min(len(second), left)]
            out.write(piece)
            left -= len(piece)
    return path


class RssSampler(threading.Thread):
    """Samples the resident memory (kB) of a process and its descendants every ``interval``."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.interval = interval
        self.peak_kb = 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            self.peak_kb = max(self.peak_kb, tree_rss_kb(self.pid))
            self._stop_event.wait(self.interval)

    def stop(self) -> None:
        self._stop_event.set()
        self.join()


def tree_rss_kb(pid: int) -> int:
    return sum(status_kb(p, "VmRSS") for p in [pid, *descendants(pid)])


def status_kb(pid: int, key: str) -> int:
    """A ``kB`` line of ``/proc/<pid>/status``; 0 when the process is gone."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    match = re.search(rf"^{key}:\s+(\d+) kB", text, re.MULTILINE)
    return int(match.group(1)) if match else 0


def descendants(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children = [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
        for child in children:
            found += [child, *descendants(child)]
    return found


@dataclass
class UploadResult:
    # 202, 429, 413; else a string: a transport error's name, or a status and its error key
    statuses: list[int | str] = field(default_factory=list)
    job_id: str | None = None
    seconds: float = 0.0


def upload_once(client: httpx.Client, server: Server, path: Path) -> httpx.Response:
    with path.open("rb") as handle:
        files = {"file": ("opptak.wav", handle, "audio/wav")}
        return client.post(f"{server.base}/api/v1/jobs", headers=server.headers, files=files)


def answer(response: httpx.Response) -> int | str:
    """The status; for one that should not happen, with the error's message key."""
    if response.status_code in EXPECTED:
        return response.status_code
    try:
        code = response.json().get("code", "")
    except ValueError:
        code = ""
    return f"{response.status_code} {code}".strip()


def upload_with_retry(server: Server, path: Path, deadline: float) -> UploadResult:
    """One upload, sent again after each 429 once ``Retry-After`` has passed."""
    result = UploadResult()
    started = time.monotonic()
    timeout = httpx.Timeout(120.0, connect=10.0)
    with httpx.Client(timeout=timeout) as client:
        while time.monotonic() < deadline:
            try:
                response = upload_once(client, server, path)
            except httpx.TransportError as exc:
                result.statuses.append(type(exc).__name__)
                break
            result.statuses.append(answer(response))
            if response.status_code != 429:
                if response.status_code == 202:
                    result.job_id = response.json()["id"]
                break
            wait = float(response.headers.get("Retry-After", "1"))
            time.sleep(wait * random.uniform(1.0, 1.5))  # spread the retries a little
    result.seconds = time.monotonic() - started
    return result


def run_uploads(server: Server, path: Path, config: LoadConfig) -> list[UploadResult]:
    deadline = time.monotonic() + config.max_seconds
    with ThreadPoolExecutor(config.concurrency) as pool:
        futures = [
            pool.submit(upload_with_retry, server, path, deadline) for _ in range(config.uploads)
        ]
        return [future.result() for future in futures]


def listed_jobs(server: Server) -> dict[str, int]:
    """Job id -> size in bytes, as ``GET /api/v1/jobs`` lists them."""
    response = httpx.get(
        f"{server.base}/api/v1/jobs", params={"limit": 1000}, headers=server.headers, timeout=30
    )
    response.raise_for_status()
    return {job["id"]: job["size_bytes"] for job in response.json()["jobs"]}


def vault_files(data_dir: Path) -> set[str]:
    folder = data_dir / "vault" / "data"
    return {p.name for p in folder.iterdir()} if folder.exists() else set()


@dataclass(frozen=True)
class LoadReport:
    config: LoadConfig
    uploaded: list[UploadResult]
    over_limit_status: int | str
    jobs: dict[str, int]  # listed after the run
    files: set[str]  # in the vault after the run
    seconds: float
    rss_before_kb: int
    rss_peak_kb: int  # sampled, process and children
    hwm_kb: int  # the kernel's peak for the server process

    @property
    def statuses(self) -> Counter[int | str]:
        counts = Counter(s for r in self.uploaded for s in r.statuses)
        counts[self.over_limit_status] += 1
        return counts

    @property
    def stored_ids(self) -> set[str]:
        return {r.job_id for r in self.uploaded if r.job_id is not None}

    def problems(self) -> list[str]:
        found = []
        if len(self.stored_ids) != self.config.uploads:
            found.append(f"{self.config.uploads - len(self.stored_ids)} upload(s) not accepted")
        if set(self.jobs) != self.stored_ids:
            found.append("the job list differs from the accepted uploads")
        if any(size != self.config.size_bytes for size in self.jobs.values()):
            found.append("a job's size differs from the file's")
        if self.files != {f"audio-{job_id}.sealed" for job_id in self.stored_ids}:
            found.append("the vault holds other objects than the accepted uploads")
        if self.over_limit_status != 413:
            found.append(f"the over-limit upload was answered {self.over_limit_status}")
        unexpected = [s for s in self.statuses if s not in EXPECTED]
        if unexpected:
            found.append(f"unexpected answers: {unexpected}")
        return found

    def lines(self) -> list[str]:
        total_mb = self.config.uploads * self.config.size_bytes / MiB
        codes = ", ".join(f"{k}: {v}" for k, v in sorted(self.statuses.items(), key=str))
        return [
            f"uploads: {self.config.uploads} x {self.config.size_mb:g} MiB from "
            f"{self.config.concurrency} threads, max_concurrent_uploads {self.config.limit}",
            f"stored: {len(self.jobs)} jobs listed, {len(self.files)} vault objects on disk",
            f"answers: {codes}",
            f"total: {total_mb:.0f} MiB in {self.seconds:.1f} s = "
            f"{total_mb / self.seconds:.1f} MiB/s",
            f"server RSS: {self.rss_before_kb / 1024:.0f} MiB before load, "
            f"{self.rss_peak_kb / 1024:.0f} MiB peak sampled (+"
            f"{(self.rss_peak_kb - self.rss_before_kb) / 1024:.0f} MiB), "
            f"VmHWM {self.hwm_kb / 1024:.0f} MiB",
        ]


def run_load(config: LoadConfig, workdir: Path) -> LoadReport:
    """The whole load test in ``workdir`` (the recordings and the server's data)."""
    recording = write_wav(workdir / "opptak.wav", config.size_bytes)
    too_big = write_wav(workdir / "for-stor.wav", config.max_upload_mb * MiB + MiB)
    with running_server(workdir, config) as server:
        pid = server.process.pid
        rss_before = tree_rss_kb(pid)
        sampler = RssSampler(pid)
        sampler.start()
        started = time.monotonic()
        try:
            uploaded = run_uploads(server, recording, config)
        finally:
            seconds = time.monotonic() - started
            sampler.stop()
        over_limit = upload_with_retry(server, too_big, time.monotonic() + 60).statuses[-1]
        hwm = status_kb(pid, "VmHWM")
        jobs = listed_jobs(server)
        files = vault_files(server.data_dir)
    return LoadReport(
        config, uploaded, over_limit, jobs, files, seconds, rss_before, sampler.peak_kb, hwm
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--uploads", type=int, default=20)
    parser.add_argument("--size-mb", type=float, default=50.0, help="MiB per upload")
    parser.add_argument("--concurrency", type=int, default=20, help="client threads")
    parser.add_argument("--limit", type=int, default=4, help="api.max_concurrent_uploads")
    parser.add_argument("--max-seconds", type=float, default=600.0)
    args = parser.parse_args()
    config = LoadConfig(args.uploads, args.size_mb, args.concurrency, args.limit, args.max_seconds)
    with tempfile.TemporaryDirectory(prefix="intervju-load-") as workdir:
        report = run_load(config, Path(workdir))
    for line in report.lines():
        print(line)
    problems = report.problems()
    for problem in problems:
        print(f"FAIL: {problem}")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
