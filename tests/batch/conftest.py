"""Fixtures for the batch tests: synthesised recordings, a project folder, the fake pipeline."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from batch_helpers import CLIPS, LoggingPipeline, synthesise

from service.cli import transcribe


@pytest.fixture(scope="session")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The recordings of ``CLIPS`` and ``extra.wav``, made once per run."""
    return synthesise(tmp_path_factory.mktemp("clips"))


@pytest.fixture
def project(tmp_path: Path, clips: dict[str, Path]) -> Path:
    """A project folder holding the five recordings of ``CLIPS``."""
    folder = tmp_path / "Hjemmetjenesten"
    folder.mkdir()
    for name, _, _ in CLIPS:
        shutil.copy(clips[name], folder / name)
    return folder


@pytest.fixture
def call_log(tmp_path: Path) -> Path:
    return tmp_path / "calls.log"


@pytest.fixture(autouse=True)
def batch_env(tmp_path: Path, call_log: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Data (and the audit log) in a temporary directory; the fake pipeline in-process."""
    data_dir = tmp_path / "data"
    monkeypatch.setenv("INTERVJU_STORAGE__DATA_DIR", str(data_dir))
    monkeypatch.setenv("BATCH_FAKE_LOG", str(call_log))
    monkeypatch.delenv("BATCH_FAKE_BLOCK_AT", raising=False)
    monkeypatch.delenv("BATCH_FAKE_FAIL", raising=False)
    monkeypatch.setattr(transcribe, "make_pipeline", LoggingPipeline)
    return data_dir
