"""Fixtures for the CLI tests: a clean environment and a short synthesised interview."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.synth import conversation, write_audio

# Three turns, each without inner pauses, 0.6 s of silence around each.
LINES = [
    ("interviewer", "Hvor jobber du nå"),
    ("informant", "Jeg jobber på et sykehjem i byen"),
    ("interviewer", "Hvor lenge har du vært der"),
]


@pytest.fixture(autouse=True)
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Only the settings a test sets; data in a temporary directory."""
    data_dir = tmp_path / "data"
    monkeypatch.setenv("INTERVJU_STORAGE__DATA_DIR", str(data_dir))
    return data_dir


@pytest.fixture(scope="session")
def interview_wav(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, list[tuple[float, float]]]:
    """A WAV of ``LINES`` (named like a real recording) and its exact turn times."""
    samples, turns = conversation(LINES)
    path = tmp_path_factory.mktemp("audio") / "Intervju med Kari Nordmann.wav"
    write_audio(samples, path)
    return path, [(turn.start, turn.end) for turn in turns]
