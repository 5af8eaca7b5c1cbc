"""The upload load test (``bench/load_uploads.py``) at a reduced size: 20 uploads of 5 MiB from
20 threads into a real `intervju serve` that receives 4 at a time, then one over the size limit.

The memory bound: this run measured +18 to +25 MiB of server RSS over the idle service (4
uploads at once, a few MiB of buffers each, plus the allocator's and SQLite's growth); the
bound of 64 MiB leaves more than twice that, and stays below the 100 MiB that pass through, so
a service that kept the uploads in memory fails it. (Whole-file buffering per upload, 4 x 5 MiB,
would hide in that margin: the full bench, 4 x 50 MiB at once, shows it.)
"""

from __future__ import annotations

from pathlib import Path

from bench.load_uploads import LoadConfig, run_load

GROWTH_BOUND_KB = 64 * 1024


def test_concurrent_uploads_are_all_stored_in_bounded_memory(tmp_path: Path) -> None:
    config = LoadConfig(uploads=20, size_mb=5, concurrency=20, limit=4, max_seconds=60)
    report = run_load(config, tmp_path)
    assert report.problems() == []  # all stored, listed and in the vault; 413 for the big one
    assert set(report.statuses) == {202, 413, 429}
    assert report.statuses[202] == 20 and report.statuses[413] == 1
    assert report.statuses[429] > 0  # the limit really refused some
    assert len(report.jobs) == 20 and len(report.files) == 20  # nothing of the 413 upload
    assert report.rss_peak_kb - report.rss_before_kb < GROWTH_BOUND_KB
