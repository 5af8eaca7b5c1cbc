"""The hash-chained audit log: appends, verification, and tampering named by entry."""

from __future__ import annotations

import json
import stat
import threading
from pathlib import Path

import pytest

from service import audit


def log_with(path: Path, n: int) -> list[audit.Entry]:
    return [audit.append(path, "audio_deleted", {"job": f"job-{i}", "bytes": 1000 + i})
            for i in range(n)]


def rewrite(path: Path, change) -> None:  # type: ignore[no-untyped-def]
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(change(lines)) + "\n", encoding="utf-8")


def test_entries_chain_and_verify(tmp_path: Path) -> None:
    path = tmp_path / "audit.log"
    entries = log_with(path, 3)
    assert [e.seq for e in entries] == [1, 2, 3]
    assert entries[0].prev == audit.GENESIS
    assert entries[1].prev == entries[0].hash and entries[2].prev == entries[1].hash
    result = audit.verify(path)
    assert result.ok and result.entries == 3 and result.head == entries[2].hash
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [e.data["job"] for e in audit.read(path)] == ["job-0", "job-1", "job-2"]


def test_an_empty_or_missing_log_verifies(tmp_path: Path) -> None:
    result = audit.verify(tmp_path / "none.log")
    assert result.ok and result.entries == 0 and result.head == audit.GENESIS


def _edit_data(lines: list[str]) -> list[str]:
    entry = json.loads(lines[1])
    entry["data"]["bytes"] = 1
    lines[1] = json.dumps(entry)
    return lines


def _edit_and_rehash(lines: list[str]) -> list[str]:
    entry = json.loads(lines[1])
    entry["data"]["job"] = "other"
    entry["hash"] = audit.entry_hash(entry["seq"], entry["at"], entry["kind"], entry["data"],
                                     entry["prev"])
    lines[1] = json.dumps(entry)
    return lines


@pytest.mark.parametrize(
    ("change", "broken", "reason"),
    [
        (_edit_data, 2, "content was changed"),
        (_edit_and_rehash, 3, "does not follow"),  # a forger who recomputes one hash
        (lambda lines: lines[:1] + lines[2:], 2, "removed"),
        (lambda lines: [lines[0], lines[2], lines[1], *lines[3:]], 2, "removed"),
        (lambda lines: [*lines[:2], "not json", *lines[2:]], 3, "not an audit entry"),
    ],
)
def test_tampering_names_the_first_broken_entry(
    tmp_path: Path, change, broken: int, reason: str  # type: ignore[no-untyped-def]
) -> None:
    path = tmp_path / "audit.log"
    log_with(path, 4)
    rewrite(path, change)
    result = audit.verify(path)
    assert not result.ok
    assert result.broken == broken
    assert reason in result.reason


def test_receipts_catch_a_cut_off_tail(tmp_path: Path) -> None:
    path = tmp_path / "audit.log"
    entries = log_with(path, 3)
    receipt = {entries[2].seq: entries[2].hash}
    assert audit.verify(path, receipt).ok
    rewrite(path, lambda lines: lines[:2])
    assert audit.verify(path).ok  # a shorter chain is still a chain…
    result = audit.verify(path, receipt)  # …but not the one the receipt was cut from
    assert not result.ok and result.broken == 3


def test_concurrent_appends_keep_one_chain(tmp_path: Path) -> None:
    path = tmp_path / "audit.log"

    def writer(k: int) -> None:
        for i in range(20):
            audit.append(path, "test", {"writer": k, "i": i})

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result = audit.verify(path)
    assert result.ok and result.entries == 80
