"""Helpers for the Celery tests: settings, two real `intervju worker` processes (with the fake
pipeline of ``worker_entry.py``), what the fake logged, and everything stored in Redis."""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from service.config import APISettings, QueueSettings, Settings, StorageSettings
from tests import waiting

ROOT = Path(__file__).resolve().parents[2]
ENTRY = Path(__file__).resolve().parent / "worker_entry.py"
WAIT_SECONDS = 30.0

# Short enough for a test: a heartbeat every 0.3 s, taken for dead after 1.2 s, a task not
# acknowledged for 5 s is delivered again.
QUEUE = {
    "backend": "celery",
    "heartbeat_seconds": 0.3,
    "stale_seconds": 1.2,
    "visibility_timeout_seconds": 5.0,
    "sweep_seconds": 0.5,
    "resend_seconds": 60.0,
}


def make_settings(data_dir: Path, redis_url: str, **queue: Any) -> Settings:
    return Settings(
        storage=StorageSettings(data_dir=data_dir),
        api=APISettings(max_upload_mb=64),
        queue=QueueSettings.model_validate({**QUEUE, "broker_url": redis_url, **queue}),
    )


def wait_for(predicate: Callable[[], Any], timeout: float = WAIT_SECONDS, what: str = "") -> Any:
    return waiting.wait_for(predicate, timeout, what)


class Workers:
    """`intervju worker` processes on ``settings``; the fake pipeline logs to ``log``."""

    def __init__(self, settings: Settings, folder: Path) -> None:
        self.folder = folder
        self.log = folder / "pipeline.log"
        self.hold = folder / "hold"
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("INTERVJU_")},
            "INTERVJU_STORAGE__DATA_DIR": str(settings.storage.data_dir),
            "QUEUE_FAKE_LOG": str(self.log),
            "QUEUE_FAKE_HOLD": str(self.hold),
        }
        queue = settings.queue
        for name in QueueSettings.model_fields:
            value = getattr(queue, name)
            raw = value.get_secret_value() if name == "broker_url" else str(value)
            self.env[f"INTERVJU_QUEUE__{name.upper()}"] = raw
        self.procs: dict[int, subprocess.Popen[bytes]] = {}
        self.logs: dict[int, Path] = {}

    def start(self, count: int = 2) -> list[int]:
        started = []
        for _ in range(count):
            path = self.folder / f"worker-{len(self.procs)}.log"
            out = path.open("wb")
            proc = subprocess.Popen(
                [sys.executable, str(ENTRY), "worker"],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
            out.close()
            self.procs[proc.pid] = proc
            self.logs[proc.pid] = path
            started.append(proc.pid)
        for pid in started:
            wait_for(lambda pid=pid: " ready." in self.output(pid), what=f"worker {pid} ready")
        return started

    def output(self, pid: int) -> str:
        return self.logs[pid].read_text(errors="replace")

    def kill(self, pid: int) -> None:
        os.kill(pid, signal.SIGKILL)
        self.procs[pid].wait(10)

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)

    def calls(self) -> list[tuple[str, str, int]]:
        """``(start|end, vault object, pid)`` for every line the fake pipelines logged."""
        if not self.log.exists():
            return []
        lines = [line.split() for line in self.log.read_text().splitlines()]
        return [(event, name, int(pid)) for event, name, pid in lines]


def broker_contents(redis_url: str) -> list[bytes]:
    """Every key and value stored in Redis, with the bodies of Celery messages decoded."""
    import redis

    client = redis.Redis.from_url(redis_url)
    found: list[bytes] = []
    try:
        for key in client.scan_iter():
            found.append(key)
            kind = client.type(key).decode()
            if kind == "string":
                values = [client.get(key) or b""]
            elif kind == "list":
                values = client.lrange(key, 0, -1)
            elif kind == "hash":
                values = [b for pair in client.hgetall(key).items() for b in pair]
            elif kind == "set":
                values = list(client.smembers(key))
            elif kind == "zset":
                values = client.zrange(key, 0, -1)
            else:
                values = []
            for value in values:
                found.append(value)
                found += _decoded_bodies(value)
    finally:
        client.close()
    return found


def _decoded_bodies(value: bytes) -> list[bytes]:
    """A kombu message is JSON whose body is base64; an unacked entry is [message, ...]."""
    try:
        data = json.loads(value)
    except ValueError:
        return []
    messages = data if isinstance(data, list) else [data]
    bodies = []
    for message in messages:
        if isinstance(message, str):
            bodies += _decoded_bodies(message.encode())
        elif isinstance(message, dict) and isinstance(message.get("body"), str):
            bodies.append(base64.b64decode(message["body"]))
    return bodies
