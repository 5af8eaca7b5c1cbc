"""Tamper evidence through the CLI: ``intervju audit verify`` on a log written by real
verifications and a withdrawal, then edited, cut or reordered the way someone covering up a
deletion (or its absence) would. Every change fails with exit code 1 and names the entry."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from service import audit
from service.api import create_app
from service.cli.main import cli
from tests.crash.crash_helpers import API, ROOT, child_env, wait_for
from tests.crash.fake_pipeline import ScriptedPipeline, make_settings, recording


@pytest.fixture(scope="module")
def produced(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, Any]]]:
    """A data directory whose log holds: audio_deleted (A), job_withdrawn (B), audio_deleted
    (C), written by the service; and the three receipts as the API hands them out."""
    data_dir = tmp_path_factory.mktemp("tamper") / "data"
    app = create_app(make_settings(data_dir), pipeline_factory=lambda s: ScriptedPipeline(s))
    with TestClient(app) as client:
        _, token = client.app.state.intervju.tokens.create("forsker")  # type: ignore[attr-defined]
        headers = {"Authorization": f"Bearer {token}"}
        ids = []
        for n in range(3):
            files = {"file": (f"opptak-{n}.wav", recording(1.0), "audio/wav")}
            ids.append(client.post(API, headers=headers, files=files).json()["id"])
        for job_id in ids:
            wait_for(
                lambda job_id=job_id: (
                    client.get(f"{API}/{job_id}", headers=headers).json()["status"]
                    == "ready_for_review"
                )
            )
        a, b, c = ids
        assert client.post(f"{API}/{a}/verify", headers=headers).status_code == 200
        assert client.delete(f"{API}/{b}?purge=true", headers=headers).status_code == 200
        assert client.post(f"{API}/{c}/verify", headers=headers).status_code == 200
        documents = [client.get(f"{API}/{i}/receipt", headers=headers).json() for i in ids]
    kinds = [entry.kind for entry in audit.read(data_dir / "audit.log")]
    assert kinds == ["audio_deleted", "job_withdrawn", "audio_deleted"]
    return data_dir, sorted(documents, key=lambda d: int(d["seq"]))


@pytest.fixture
def log(
    produced: tuple[Path, list[dict[str, Any]]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """A copy of the produced log in a data directory the CLI is pointed at."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    shutil.copy2(produced[0] / "audit.log", data_dir / "audit.log")
    monkeypatch.setenv("INTERVJU_STORAGE__DATA_DIR", str(data_dir))
    yield data_dir / "audit.log"


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def write(path: Path, entries: list[dict[str, Any]]) -> None:
    text = "".join(json.dumps(e, ensure_ascii=False, separators=(",", ":")) + "\n" for e in entries)
    path.write_text(text, encoding="utf-8")


def rehash(entries: list[dict[str, Any]], start: int) -> None:
    """Recompute the chain from entry ``start`` (0-based) on: a forger with the source code."""
    for i in range(start, len(entries)):
        entry = entries[i]
        entry["prev"] = entries[i - 1]["hash"] if i else audit.GENESIS
        entry["hash"] = audit.entry_hash(
            entry["seq"], entry["at"], entry["kind"], entry["data"], entry["prev"]
        )


def verify(*receipts: Path) -> tuple[int, str]:
    args = ["audit", "verify"]
    for receipt in receipts:
        args += ["--receipt", str(receipt)]
    result = CliRunner().invoke(cli, args)
    return result.exit_code, result.output


def assert_broken_at(outcome: tuple[int, str], entry: int, why: str = "") -> None:
    code, output = outcome
    assert code == 1, output
    assert f"oppføring {entry}:" in output and f"entry {entry}:" in output, output
    assert why in output


def save(document: dict[str, Any], path: Path) -> Path:
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_the_log_the_service_wrote_verifies(log: Path, tmp_path: Path, produced: Any) -> None:
    receipts = [save(d, tmp_path / f"r{d['seq']}.json") for d in produced[1]]
    code, output = verify(*receipts)
    assert code == 0, output
    assert "3 oppføringer" in output and "3 entries" in output


def test_editing_a_receipts_data_names_that_entry(log: Path) -> None:
    entries = lines(log)
    entries[1]["data"]["status_before"] = "failed"  # the withdrawn job "had no transcript"
    write(log, entries)
    assert_broken_at(verify(), 2, "its content was changed")


def test_editing_the_deletion_time_names_that_entry(log: Path) -> None:
    entries = lines(log)
    entries[2]["data"]["deleted_at"] = "2020-01-01T00:00:00+00:00"  # "deleted long ago"
    write(log, entries)
    assert_broken_at(verify(), 3, "its content was changed")


def test_deleting_a_line_names_the_gap(log: Path) -> None:
    entries = lines(log)
    del entries[1]
    write(log, entries)
    assert_broken_at(verify(), 2, "an entry was removed")


def test_deleting_the_first_line_names_entry_1(log: Path) -> None:
    write(log, lines(log)[1:])
    assert_broken_at(verify(), 1)


def test_reordering_lines_names_the_first_moved(log: Path) -> None:
    entries = lines(log)
    entries[0], entries[1] = entries[1], entries[0]
    write(log, entries)
    assert_broken_at(verify(), 1)


def test_an_edit_with_its_hash_recomputed_breaks_the_next_link(log: Path) -> None:
    entries = lines(log)
    entries[0]["data"]["audio_bytes"] = 1
    rehash(entries[:1], 0)
    write(log, entries)
    assert_broken_at(verify(), 2, "does not follow")


def test_a_rewritten_chain_is_caught_by_the_receipt_handed_out(
    log: Path, tmp_path: Path, produced: Any
) -> None:
    entries = lines(log)
    entries[1]["data"]["transcript_versions_deleted"] = 0
    rehash(entries, 1)  # every hash after it recomputed: the chain alone looks fine
    write(log, entries)
    assert verify()[0] == 0
    receipt = save(produced[1][1], tmp_path / "kvittering.json")
    assert_broken_at(verify(receipt), 2, "differs from its receipt")


def test_cutting_off_the_last_entry_is_caught_by_its_receipt(
    log: Path, tmp_path: Path, produced: Any
) -> None:
    write(log, lines(log)[:2])
    assert verify()[0] == 0  # a shorter chain is a valid chain...
    receipt = save(produced[1][2], tmp_path / "kvittering.json")
    assert_broken_at(verify(receipt), 3, "ends before it")  # ...but not with this receipt


def test_a_half_written_line_names_it(log: Path) -> None:
    raw = log.read_bytes()
    log.write_bytes(raw[: len(raw) - 40])  # the end of the last entry lost
    assert_broken_at(verify(), 3, "not an audit entry")


def test_the_installed_command_exits_1_and_names_the_entry(log: Path) -> None:
    """The real entry point in its own process (``python -m service``), not CliRunner."""
    entries = lines(log)
    entries[1]["data"]["job"] = "0" * 32
    write(log, entries)
    env = {**child_env(), "INTERVJU_STORAGE__DATA_DIR": str(log.parent)}
    result = subprocess.run(
        [sys.executable, "-m", "service", "audit", "verify"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "entry 2:" in result.stderr and "oppføring 2:" in result.stderr
