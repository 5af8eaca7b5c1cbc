"""A batch run killed (SIGKILL) or interrupted (Ctrl-C) part-way: the next run finishes the job,
and every recording is transcribed to the end exactly once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from batch_helpers import CLIPS, calls, sha256

from service.batch import runner as runner_module
from service.batch.state import STATE_NAME
from service.cli.main import cli

ENTRY = Path(__file__).resolve().parent / "batch_entry.py"
OUT = "intervju-ut"


def start_batch(folder: Path, *args: str, block_at: int = 0) -> subprocess.Popen[bytes]:
    env = {**os.environ, "BATCH_FAKE_BLOCK_AT": str(block_at)}
    return subprocess.Popen(
        [sys.executable, str(ENTRY), "batch", str(folder), "--no-progress", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def wait_until_blocked(call_log: Path, proc: subprocess.Popen[bytes]) -> str:
    """The SHA-256 of the recording the fake pipeline is stuck on."""
    marker = call_log.parent / f"{call_log.name}.blocked"
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the fake pipeline never blocked"
        time.sleep(0.05)
    time.sleep(0.1)  # the digest is written
    return marker.read_text()


def state_of(folder: Path) -> dict[str, dict[str, object]]:
    recordings: dict[str, dict[str, object]] = json.loads((folder / OUT / STATE_NAME).read_text())[
        "recordings"
    ]
    return recordings


def test_killed_and_restarted_each_recording_is_done_exactly_once(
    project: Path, call_log: Path
) -> None:
    proc = start_batch(project, block_at=3)
    stuck = wait_until_blocked(call_log, proc)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    state = state_of(project)
    assert sorted(str(r["status"]) for r in state.values()) == ["done", "done", "running"]
    assert state[stuck]["status"] == "running" and state[stuck]["informant"] == "S3"
    assert sorted(p.name for p in (project / OUT).glob("S*")) == ["S1.txt", "S2.txt"]

    again = start_batch(project)
    stdout, stderr = again.communicate(timeout=120)
    assert again.returncode == 0, stderr.decode()
    shas = {sha256(project / name) for name, _, _ in CLIPS}
    started = Counter(sha for event, sha in calls(call_log) if event == "start")
    ended = Counter(sha for event, sha in calls(call_log) if event == "end")
    assert ended == Counter({sha: 1 for sha in shas})  # each transcribed to the end once
    assert started == Counter({sha: 2 if sha == stuck else 1 for sha in shas})
    assert all(r["status"] == "done" for r in state_of(project).values())
    assert state_of(project)[stuck]["informant"] == "S3"
    assert sorted(p.name for p in (project / OUT).glob("S*")) == [f"S{n}.txt" for n in range(1, 6)]
    table = stdout.decode()
    assert table.count("hoppet over") == 2 and table.count("ferdig") == 3


def test_ctrl_c_exits_130_and_keeps_the_state(project: Path, call_log: Path) -> None:
    proc = start_batch(project, "--auto-verify", "--yes", block_at=2)
    stuck = wait_until_blocked(call_log, proc)
    before = (project / OUT / STATE_NAME).read_bytes()
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 130
    assert "Avbrutt" in stderr.decode() and "Traceback" not in stderr.decode()
    assert "ferdig" in stdout.decode()  # what was done before the interruption
    assert (project / OUT / STATE_NAME).read_bytes() == before
    state = state_of(project)
    assert sorted(str(r["status"]) for r in state.values()) == ["done", "running"]
    assert [p.name for p in (project / OUT).iterdir() if p.name.endswith(".tmp")] == []
    # the interrupted recording is still there; the finished one was deleted
    assert len([p for p in project.iterdir() if p.is_file()]) == 4
    assert stuck in {sha256(p) for p in project.iterdir() if p.is_file()}

    again = start_batch(project, "--auto-verify", "--yes")
    _, stderr = again.communicate(timeout=120)
    assert again.returncode == 0, stderr.decode()
    assert [p for p in project.iterdir() if p.is_file()] == []
    ended = Counter(sha for event, sha in calls(call_log) if event == "end")
    assert sorted(ended.values()) == [1] * 5


def test_an_output_cut_off_while_written_never_counts(
    project: Path, call_log: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run stopped while the second output is being written: that output is redone."""
    from click.testing import CliRunner

    real = runner_module.write_atomic
    written: list[Path] = []

    def stop_on_second(path: Path, data: bytes) -> None:
        if path.suffix == ".txt":
            written.append(path)
            if len(written) == 2:
                path.with_name(f".{path.name}.tmp").write_bytes(data[:5])
                raise KeyboardInterrupt
        real(path, data)

    monkeypatch.setattr(runner_module, "write_atomic", stop_on_second)
    result = CliRunner().invoke(cli, ["batch", "--no-progress", str(project)])
    assert result.exit_code == 130
    assert not (project / OUT / "S2.txt").exists()
    assert (project / OUT / ".S2.txt.tmp").exists()
    assert sorted(str(r["status"]) for r in state_of(project).values()) == ["done", "running"]

    monkeypatch.setattr(runner_module, "write_atomic", real)
    result = CliRunner().invoke(cli, ["batch", "--no-progress", str(project)])
    assert result.exit_code == 0, result.output
    assert not (project / OUT / ".S2.txt.tmp").exists()
    assert (project / OUT / "S2.txt").read_text().count("\n") > 1
    ended = Counter(sha for event, sha in calls(call_log) if event == "end")
    assert sorted(ended.values()) == [1, 1, 1, 1, 2]  # S2 transcribed again, nothing else
