"""Throughput of Celery workers on this machine: jobs per hour and seconds of audio per second
with 1 and 2 `intervju worker` processes, measured in one run, and peak memory per worker.

    python -m bench.throughput [--jobs 8] [--seconds 120] [--workers 1,2] [--cores N]

One run starts its own redis-server and `intervju serve` on free loopback ports with a temporary
data directory (SQLite) and the bundled Whisper base model, builds one real-speech recording of
about ``--seconds`` (the CC0 clips, ``bench.make_long.build(real_only=True)``; Whisper cannot
read espeak's Norwegian), then for each worker count:

1. starts that many `intervju worker --concurrency 1` processes (Celery's solo pool: the job
   runs in the worker process itself, which keeps its models loaded);
2. warms them up: one job per worker, not counted, until every worker has run one (models
   loaded);
3. uploads ``--jobs`` copies of the recording through the HTTP API, as a user would, with the
   service's default options (diarisation and anonymisation on), and times from just before the
   first upload until the last job reached ``ready_for_review`` (its ``finished_at``);
4. stops the workers. Peak memory per worker is the VmHWM of the worker process plus that of
   its child processes, sampled from /proc every half second (so it includes the warm-up job).

Threads: the cores are split between the workers, never oversubscribed. A worker decodes
``cores // workers`` windows at once with one thread each (``INTERVJU_ASR__PARALLEL_WINDOWS``;
``cpu_threads`` stays at its default 1, measured best), and ``OMP_NUM_THREADS`` gives torch
(diarisation) the same count. On 2 cores: 1 worker x 2 windows x 1 thread, or 2 workers x 1
window x 1 thread. One worker with the defaults is what `serve` alone does.

Everything runs on 127.0.0.1 and offline; all processes are stopped and the temporary
directory removed on exit, also on Ctrl-C or an error.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from service.offline import enforce_offline  # noqa: E402

enforce_offline()

from bench.make_long import build  # noqa: E402
from bench.synth import write_audio  # noqa: E402
from service.asr.models import prepare_bundled  # noqa: E402

REDIS_SERVER = "redis-server"
START_SECONDS = 120.0
JOB_TIMEOUT = 1800.0
T = TypeVar("T")


@dataclass(frozen=True)
class PhaseResult:
    """One worker count: what ran and how long it took."""

    workers: int
    threads_per_worker: int
    jobs: int
    audio_seconds: float  # all jobs together
    wall_seconds: float
    peak_rss_mib: tuple[float, ...]  # per worker
    statuses: tuple[str, ...]  # per job, at the end

    @property
    def jobs_per_hour(self) -> float:
        return self.jobs / self.wall_seconds * 3600

    @property
    def audio_per_second(self) -> float:
        return self.audio_seconds / self.wall_seconds


def wait_for(predicate: Callable[[], T | None], timeout: float, what: str) -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise TimeoutError(f"timed out waiting for {what}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Processes:
    """Child processes, each in its own session (Ctrl-C reaches only this script), stopped in
    reverse order on ``close``."""

    def __init__(self, folder: Path, env: dict[str, str]) -> None:
        self.folder = folder
        self.env = env
        self.started: list[subprocess.Popen[bytes]] = []

    def start(
        self, name: str, command: list[str], **env: str
    ) -> tuple[subprocess.Popen[bytes], Path]:
        log = self.folder / f"{name}.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(
                command, cwd=REPO, env={**self.env, **env}, stdout=out,
                stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        self.started.append(proc)
        return proc, log

    def stop(self, procs: list[subprocess.Popen[bytes]]) -> None:
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)

    def show_logs(self, lines: int = 15) -> None:
        """The end of every process's log, on stderr (before the folder is removed)."""
        for log in sorted(self.folder.glob("*.log")):
            tail = log.read_text(errors="replace").splitlines()[-lines:]
            print(f"--- {log.name}", *tail, sep="\n", file=sys.stderr)

    def close(self) -> None:
        self.stop(self.started[::-1])


def peak_rss_bytes(pid: int) -> int:
    """VmHWM of ``pid`` plus that of all its descendants (0 for a process that is gone)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
    family, grew = {pid}, True
    while grew:
        more = {child for child, parent in parents.items() if parent in family} - family
        family |= more
        grew = bool(more)
    total = 0
    for member in family:
        with contextlib.suppress(OSError):
            status = Path(f"/proc/{member}/status").read_text()
            match = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
            total += int(match.group(1)) * 1024 if match else 0
    return total


class MemorySampler:
    """Samples ``peak_rss_bytes`` of some processes every half second; keeps each maximum."""

    def __init__(self, pids: list[int]) -> None:
        self.peaks = dict.fromkeys(pids, 0)
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join()
        self._sample()

    def _loop(self) -> None:
        while not self._done.wait(0.5):
            self._sample()

    def _sample(self) -> None:
        for pid in self.peaks:
            self.peaks[pid] = max(self.peaks[pid], peak_rss_bytes(pid))


class Service:
    """`intervju serve` on a loopback port, reached over HTTP with its first token."""

    def __init__(self, procs: Processes) -> None:
        port = free_port()
        command = [sys.executable, "-m", "service", "serve", "--host", "127.0.0.1"]
        _, log = procs.start("serve", [*command, "--port", str(port)])
        self.base = f"http://127.0.0.1:{port}"
        token = wait_for(
            lambda: re.search(r"ivj_[A-Za-z0-9_-]+", log.read_text(errors="replace")),
            START_SECONDS, "the first token of `intervju serve`",
        )  # fmt: skip
        self.http = httpx.Client(
            base_url=self.base, headers={"Authorization": f"Bearer {token.group(0)}"}, timeout=60
        )
        wait_for(self._healthy, START_SECONDS, "/healthz")

    def _healthy(self) -> bool:
        try:
            return self.http.get("/healthz").status_code == 200
        except httpx.TransportError:
            return False

    def upload(self, audio: Path) -> str:
        with audio.open("rb") as handle:
            response = self.http.post("/api/v1/jobs", files={"file": (audio.name, handle)})
        response.raise_for_status()
        job_id: str = response.json()["id"]
        return job_id

    def wait_done(self, ids: list[str], timeout: float) -> list[dict[str, Any]]:
        """The jobs once each is ready for review or failed."""
        finished = {"ready_for_review", "failed"}

        def check() -> list[dict[str, Any]] | None:
            jobs = [self.http.get(f"/api/v1/jobs/{job_id}").json() for job_id in ids]
            return jobs if all(job["status"] in finished for job in jobs) else None

        return wait_for(check, timeout, f"{len(ids)} job(s) to finish")


def start_redis(procs: Processes) -> str:
    import redis

    port = free_port()
    folder = procs.folder / "redis"
    folder.mkdir()
    procs.start("redis", [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1",
                          "--save", "", "--appendonly", "no", "--dir", str(folder)])  # fmt: skip
    url = f"redis://127.0.0.1:{port}/0"

    def ping() -> bool:
        with redis.Redis.from_url(url) as client:
            try:
                return bool(client.ping())
            except redis.ConnectionError:
                return False

    wait_for(ping, 10, "redis-server")
    return url


@dataclass(frozen=True)
class WorkerProcess:
    proc: subprocess.Popen[bytes]
    log: Path

    def jobs_run(self) -> int:
        """Tasks this worker finished (Celery logs each at INFO)."""
        return self.log.read_text(errors="replace").count(" succeeded in ")

    def ready(self) -> bool:
        """Consuming from the queue."""
        return " ready." in self.log.read_text(errors="replace")


def start_workers(procs: Processes, count: int, threads: int) -> list[WorkerProcess]:
    """``count`` workers decoding ``threads`` windows at once (1 thread each); returns when
    each one consumes from the queue."""
    started = []
    for _ in range(count):
        proc, log = procs.start(
            f"worker-{len(procs.started)}",
            [sys.executable, "-m", "service", "worker", "--concurrency", "1"],
            INTERVJU_ASR__PARALLEL_WINDOWS=str(threads),
            INTERVJU_ASR__CPU_THREADS="1",
            OMP_NUM_THREADS=str(threads),
        )
        started.append(WorkerProcess(proc, log))
    for worker in started:
        wait_for(worker.ready, START_SECONDS, f"worker {worker.proc.pid} to start")
    return started


def warm_up(service: Service, workers: list[WorkerProcess], audio: Path) -> None:
    """Jobs (not counted) until every worker has run one: its models are loaded."""
    sent = 0
    for _ in range(3):
        ids = [service.upload(audio) for _ in workers]
        sent += len(ids)
        service.wait_done(ids, JOB_TIMEOUT)
        logged = lambda n=sent: sum(w.jobs_run() for w in workers) >= n  # noqa: E731
        wait_for(logged, 30, "the workers' task logs")
        if all(w.jobs_run() for w in workers):
            return
    raise RuntimeError("a worker never took a warm-up job")


def run_phase(
    procs: Processes, service: Service, audio: Path, jobs: int, workers: int, threads: int
) -> PhaseResult:
    """Start ``workers`` workers, warm them up, time ``jobs`` uploads, stop the workers."""
    started = start_workers(procs, workers, threads)
    try:
        with MemorySampler([w.proc.pid for w in started]) as memory:
            warm_up(service, started, audio)
            begin = datetime.now(UTC)
            ids = [service.upload(audio) for _ in range(jobs)]
            done = service.wait_done(ids, JOB_TIMEOUT)
    finally:
        procs.stop([w.proc for w in started])
    ends = [datetime.fromisoformat(job["finished_at"]) for job in done if job["finished_at"]]
    return PhaseResult(
        workers=workers,
        threads_per_worker=threads,
        jobs=jobs,
        audio_seconds=sum(job["duration"] or 0.0 for job in done),
        wall_seconds=(max(ends) - begin).total_seconds() if ends else float("nan"),
        peak_rss_mib=tuple(memory.peaks[w.proc.pid] / 2**20 for w in started),
        statuses=tuple(job["status"] for job in done),
    )


def make_recording(seconds: float, path: Path) -> Path:
    """Real speech (the CC0 clips with pauses), cut to ``seconds`` when longer."""
    samples, _ = build(seconds / 60, real_only=True)
    return write_audio(samples[: int(seconds * 16000)], path, "-b:a", "64k")


def run(
    jobs: int,
    seconds: float,
    worker_counts: list[int],
    cores: int,
    models_dir: Path | None = None,
    say: Callable[[str], None] = print,
) -> list[PhaseResult]:
    """The whole benchmark in a temporary directory that is removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="intervju-throughput-") as tmp:
        folder = Path(tmp)
        models = models_dir or folder / "models"
        prepare_bundled(models)  # once, before the workers (they would race to join it)
        audio = make_recording(seconds, folder / "recording.mp3")
        env = {k: v for k, v in os.environ.items() if not k.startswith("INTERVJU_")}
        env |= {
            "INTERVJU_STORAGE__DATA_DIR": str(folder / "data"),
            "INTERVJU_STORAGE__MODELS_DIR": str(models),
            "INTERVJU_QUEUE__BACKEND": "celery",
            "PYTHONUNBUFFERED": "1",  # the token and "ready." reach the logs at once
        }
        procs = Processes(folder, env)
        try:
            procs.env["INTERVJU_QUEUE__BROKER_URL"] = start_redis(procs)
            service = Service(procs)
            results = []
            for count in worker_counts:
                threads = max(1, cores // count)
                say(f"{count} worker(s) x {threads} window(s) x 1 thread ...")
                results.append(run_phase(procs, service, audio, jobs, count, threads))
            service.http.close()
            return results
        except BaseException:
            procs.close()
            procs.show_logs()
            raise
        finally:
            procs.close()


def table(results: list[PhaseResult]) -> str:
    """The figures, with each row's throughput relative to the first row's."""
    head = (
        f"{'workers':>7} {'threads':>7} {'jobs':>4} {'audio s':>8} {'wall s':>7} "
        f"{'jobs/h':>7} {'audio s/s':>9} {'ratio':>6}  peak RSS per worker (MiB)"
    )
    lines = [head]
    base = results[0].jobs_per_hour if results else 0.0
    for r in results:
        rss = " ".join(f"{m:.0f}" for m in r.peak_rss_mib)
        lines.append(
            f"{r.workers:>7} {r.threads_per_worker:>7} {r.jobs:>4} {r.audio_seconds:>8.1f} "
            f"{r.wall_seconds:>7.1f} {r.jobs_per_hour:>7.1f} {r.audio_per_second:>9.2f} "
            f"{r.jobs_per_hour / base:>6.2f}  {rss}"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--jobs", type=int, default=8, help="timed jobs per worker count")
    parser.add_argument("--seconds", type=float, default=120.0, help="length of the recording")
    parser.add_argument("--workers", default="1,2", help="worker counts, comma-separated")
    parser.add_argument("--cores", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--models-dir", type=Path, help="a models dir (default: a temporary one)")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, _exit_on_signal)  # stop the processes on `kill` too
    counts = [int(n) for n in args.workers.split(",")]
    print(
        f"{args.jobs} job(s) of {args.seconds:.0f} s real speech per worker count {counts}, "
        f"{args.cores} core(s) split between the workers, bundled Whisper base (int8), "
        "service defaults (diarisation, anonymisation)"
    )
    if any(args.jobs % count for count in counts):
        print("note: --jobs is not a multiple of every worker count; the last jobs run alone")
    started = time.monotonic()
    results = run(args.jobs, args.seconds, counts, args.cores, args.models_dir)
    print(table(results))
    failed = sum(status != "ready_for_review" for r in results for status in r.statuses)
    print(f"total {time.monotonic() - started:.0f} s; failed jobs: {failed}")
    if failed:
        sys.exit(1)


def _exit_on_signal(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


if __name__ == "__main__":
    main()
