"""`intervju diarize` on a synthesised interview, with a registered stand-in backend."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt
import pytest
from click.testing import CliRunner, Result
from pyannote.core import Annotation, Segment, Timeline

from service.cli.main import cli
from service.config import Settings
from service.diarization.base import Diarization, SpeakerHints, exclusive, register_backend
from service.i18n import MESSAGES
from service.progress import Hook, no_op_hook

FRAME = 160  # 10 ms at 16 kHz
PAUSE_FRAMES = 40  # a turn ends at 0.4 s of silence


@register_backend("fake-pauses")
class PauseDiarizer:
    """Every stretch of sound between pauses is a turn; the voices take turns. It works on the
    decoded samples, so the turns show what the command decoded."""

    name = "fake-pauses"
    calls: ClassVar[list[tuple[SpeakerHints, int]]] = []

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def __call__(
        self,
        samples: npt.NDArray[np.float32],
        hints: SpeakerHints,
        hook: Hook = no_op_hook,
        speech: Sequence[tuple[float, float]] | None = None,
    ) -> Diarization:
        self.calls.append((hints, len(samples)))
        frames = len(samples) // FRAME
        loud = np.abs(samples[: frames * FRAME]).reshape(frames, FRAME).max(axis=1) > 1e-3
        raw = Annotation()
        start: int | None = None
        quiet = 0
        for index, is_loud in enumerate([*loud, *[False] * PAUSE_FRAMES]):
            if is_loud:
                start = index if start is None else start
                quiet = 0
            elif start is not None:
                quiet += 1
                if quiet == PAUSE_FRAMES:
                    end = index - PAUSE_FRAMES + 1
                    raw[Segment(start / 100, end / 100)] = f"voice-{len(raw) % 2}"
                    start = None
        middle = len(samples) / 16_000 / 2
        return Diarization(exclusive(raw), Timeline([Segment(middle - 0.1, middle + 0.1)]))


@pytest.fixture(autouse=True)
def fake_backend(monkeypatch: pytest.MonkeyPatch) -> list[tuple[SpeakerHints, int]]:
    monkeypatch.setenv("INTERVJU_DIARIZATION__BACKEND", "fake-pauses")
    PauseDiarizer.calls.clear()
    return PauseDiarizer.calls


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["diarize", "--no-progress", *args])


def test_json_to_stdout(interview_wav: tuple[Path, list[tuple[float, float]]]) -> None:
    path, turns = interview_wav
    result = run(str(path), "--format", "json", "--speakers", "2")
    assert result.exit_code == 0, result.output
    document: dict[str, Any] = json.loads(result.stdout)
    assert set(document) == {"speakers", "turns", "overlap", "duration"}
    assert document["speakers"] == ["SPEAKER_00", "SPEAKER_01"]
    assert [t["speaker"] for t in document["turns"]] == ["SPEAKER_00", "SPEAKER_01", "SPEAKER_00"]
    for found, (start, end) in zip(document["turns"], turns, strict=True):
        assert found["start"] == pytest.approx(start, abs=0.05)
        assert found["end"] == pytest.approx(end, abs=0.05)
    assert document["duration"] == pytest.approx(turns[-1][1] + 0.6, abs=0.05)
    middle = document["duration"] / 2
    assert document["overlap"] == [
        {
            "start": pytest.approx(middle - 0.1, abs=0.002),
            "end": pytest.approx(middle + 0.1, abs=0.002),
        }
    ]


def test_rttm_to_stdout_never_names_the_file(
    interview_wav: tuple[Path, list[tuple[float, float]]], fake_backend: list[Any]
) -> None:
    path, turns = interview_wav
    result = run(str(path))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == len(turns)
    for line, (start, end), label in zip(
        lines, turns, ["SPEAKER_00", "SPEAKER_01", "SPEAKER_00"], strict=True
    ):
        fields = line.split(" ")
        assert fields[0] == "SPEAKER" and fields[2] == "1" and fields[7] == label
        assert fields[5:7] == ["<NA>", "<NA>"] and fields[8:] == ["<NA>", "<NA>"]
        assert float(fields[3]) == pytest.approx(start, abs=0.05)
        assert float(fields[4]) == pytest.approx(end - start, abs=0.05)
    assert "Kari" not in result.stdout and "Nordmann" not in result.stdout
    [(hints, samples)] = fake_backend
    assert hints == SpeakerHints()
    assert samples == pytest.approx((turns[-1][1] + 0.6) * 16_000, abs=800)


@pytest.mark.parametrize("fmt", ["rttm", "json"])
def test_many_files_to_a_folder_and_a_bad_one_does_not_stop_the_rest(
    interview_wav: tuple[Path, list[tuple[float, float]]], tmp_path: Path, fmt: str
) -> None:
    path, _ = interview_wav
    copy = tmp_path / "andre.wav"
    copy.write_bytes(path.read_bytes())
    broken = tmp_path / "notat.wav"
    broken.write_text("ikke lyd", encoding="utf-8")
    out = tmp_path / "out"
    result = run(str(path), str(broken), str(copy), "--out", str(out), "--format", fmt)
    assert result.exit_code == 1
    assert f"notat.wav: {MESSAGES['audio.not_audio']['nb']}" in result.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted([f"andre.{fmt}", f"{path.stem}.{fmt}"])
    first = (out / f"{path.stem}.{fmt}").read_text(encoding="utf-8")
    assert first == (out / f"andre.{fmt}").read_text(encoding="utf-8")
    assert "SPEAKER_01" in first
    assert result.stdout == ""


def test_speaker_counts_reach_the_backend(
    interview_wav: tuple[Path, list[tuple[float, float]]], fake_backend: list[Any]
) -> None:
    path, _ = interview_wav
    result = run(str(path), "--min-speakers", "2", "--max-speakers", "3")
    assert result.exit_code == 0, result.output
    assert [hints for hints, _ in fake_backend] == [SpeakerHints(None, 2, 3)]


@pytest.mark.parametrize(
    ("args", "key", "params"),
    [
        (["--min-speakers", "3", "--max-speakers", "2"], "diarization.speakers_inconsistent", {}),
        (["--speakers", "11"], "diarization.speakers_out_of_range", {"limit": 10}),
        (["--speakers", "0"], "diarization.speakers_out_of_range", {"limit": 10}),
    ],
)
def test_bad_speaker_counts_are_usage_errors(
    interview_wav: tuple[Path, list[tuple[float, float]]],
    fake_backend: list[Any],
    args: list[str],
    key: str,
    params: dict[str, object],
) -> None:
    result = run(str(interview_wav[0]), *args)
    assert result.exit_code == 2
    assert MESSAGES[key]["nb"].format(**params) in result.stderr
    assert fake_backend == []


def test_several_files_need_a_folder(
    interview_wav: tuple[Path, list[tuple[float, float]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INTERVJU_UI_LANGUAGE", "en")
    path = str(interview_wav[0])
    result = run(path, path)
    assert result.exit_code == 2
    assert MESSAGES["cli.out_required"]["en"] in result.stderr


def test_an_unknown_backend_is_reported(
    interview_wav: tuple[Path, list[tuple[float, float]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INTERVJU_DIARIZATION__BACKEND", "nope")
    result = run(str(interview_wav[0]))
    assert result.exit_code == 1
    assert "Ukjent metode for talergjenkjenning «nope»" in result.stderr
