"""The audit log stays one chain when a batch run and the service append at the same time."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from service import audit


def append_many(path: Path, who: str, count: int) -> None:
    for n in range(count):
        audit.append(path, "audio_deleted", {"job": f"{who}-{n}"})


def test_processes_appending_at_once_keep_one_chain(tmp_path: Path) -> None:
    path = tmp_path / "audit.log"
    context = multiprocessing.get_context("spawn")
    workers = [
        context.Process(target=append_many, args=(path, who, 40)) for who in ("batch", "serve")
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
        assert worker.exitcode == 0
    result = audit.verify(path)
    assert result.ok and result.entries == 80
    jobs = [entry.data["job"] for entry in audit.read(path)]
    assert sorted(jobs) == sorted(f"{w}-{n}" for w in ("batch", "serve") for n in range(40))
