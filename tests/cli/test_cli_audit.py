"""`intervju audit verify|list` against a real log in the data directory."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from service import audit
from service.cli.main import cli


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("INTERVJU_STORAGE__DATA_DIR", str(tmp_path))
    return tmp_path


def test_verify_reports_an_intact_log(data_dir: Path) -> None:
    for i in range(3):
        audit.append(data_dir / "audit.log", "audio_deleted", {"job": f"j{i}"})
    result = CliRunner().invoke(cli, ["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "3 oppføringer" in result.output and "3 entries" in result.output


def test_verify_names_the_edited_entry_and_fails(data_dir: Path) -> None:
    path = data_dir / "audit.log"
    for i in range(3):
        audit.append(path, "audio_deleted", {"job": f"j{i}"})
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace('"j1"', '"jX"')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["audit", "verify"])
    assert result.exit_code == 1
    assert "oppføring 2" in result.output and "entry 2" in result.output


def test_verify_checks_a_receipt(data_dir: Path, tmp_path: Path) -> None:
    path = data_dir / "audit.log"
    entry = audit.append(path, "audio_deleted", {"job": "j1"})
    receipt = tmp_path / "receipt.json"
    receipt.write_text(json.dumps({"seq": entry.seq, "hash": "0" * 64}), encoding="utf-8")
    result = CliRunner().invoke(cli, ["audit", "verify", "--receipt", str(receipt)])
    assert result.exit_code == 1 and "entry 1" in result.output


def test_list_prints_json_lines(data_dir: Path) -> None:
    audit.append(data_dir / "audit.log", "audio_deleted", {"job": "j1"})
    result = CliRunner().invoke(cli, ["audit", "list"])
    assert json.loads(result.output)["data"] == {"job": "j1"}
