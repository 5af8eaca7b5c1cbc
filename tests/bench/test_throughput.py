"""`bench/throughput.py`: its figures agree with each other (not with fixed numbers)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from bench.throughput import PhaseResult, peak_rss_bytes, run, table


def test_peak_rss_counts_this_process() -> None:
    assert peak_rss_bytes(os.getpid()) > 10 * 2**20
    assert peak_rss_bytes(2**22 + 12345) == 0  # no such process


def test_table_shows_rates_and_the_ratio_to_the_first_row() -> None:
    one = PhaseResult(1, 2, 4, 240.0, 120.0, (1500.0,), ("ready_for_review",) * 4)
    two = PhaseResult(2, 1, 4, 240.0, 80.0, (1400.0, 1450.0), ("ready_for_review",) * 4)
    assert one.jobs_per_hour == pytest.approx(120.0)
    assert two.audio_per_second == pytest.approx(3.0)
    lines = table([one, two]).splitlines()
    assert lines[1].split() == ["1", "2", "4", "240.0", "120.0", "120.0", "2.00", "1.00", "1500"]
    assert lines[2].split()[-3:] == ["1.50", "1400", "1450"]


@pytest.mark.slow
def test_one_short_job_on_one_worker_gives_consistent_figures(models_dir: Path) -> None:
    pytest.importorskip("celery")
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed (scripts/setup.sh --dev installs it)")
    said: list[str] = []
    [result] = run(1, 5.0, [1], cores=1, models_dir=models_dir, say=said.append)
    assert said == ["1 worker(s) x 1 window(s) x 1 thread ..."]
    assert result.statuses == ("ready_for_review",)
    assert result.audio_seconds == pytest.approx(5.0, abs=0.2)
    assert 0 < result.wall_seconds < 300
    assert result.jobs_per_hour == pytest.approx(1 / result.wall_seconds * 3600)
    assert result.audio_per_second == pytest.approx(result.audio_seconds / result.wall_seconds)
    assert len(result.peak_rss_mib) == 1 and result.peak_rss_mib[0] > 100
