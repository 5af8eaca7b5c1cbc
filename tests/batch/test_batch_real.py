"""`intervju batch` with the real pipeline on a CC0 clip: transcribed, deleted with a receipt."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from service import audit
from service.batch.state import STATE_NAME
from service.cli import transcribe
from service.cli.main import cli
from service.config import Settings
from tests.conftest import cc0_clip

pytestmark = pytest.mark.slow


def test_real_pipeline_batch_with_auto_verify(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from service.pipeline import Pipeline

    monkeypatch.setattr(transcribe, "make_pipeline", Pipeline)  # not the fake of conftest
    monkeypatch.setenv("INTERVJU_STORAGE__DATA_DIR", str(settings.storage.data_dir))
    monkeypatch.setenv("INTERVJU_STORAGE__MODELS_DIR", str(settings.storage.models_path))
    folder = tmp_path / "prosjekt"
    folder.mkdir()
    shutil.copy(cc0_clip("norwegian-medium-8s.mp3"), folder / "opptak 1.mp3")
    args = ["batch", "--no-progress", str(folder), "--format", "json", "--auto-verify", "--yes"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert not (folder / "opptak 1.mp3").exists()
    transcript = json.loads((folder / "intervju-ut" / "S1.json").read_text())
    assert transcript["segments"] and 7.0 < transcript["source"]["duration"] < 9.0
    state = json.loads((folder / "intervju-ut" / STATE_NAME).read_text())
    assert [r["status"] for r in state["recordings"].values()] == ["done"]
    entries = list(audit.read(settings.storage.audit_path))
    assert [e.data["reason"] for e in entries] == ["batch_auto_verify"]
