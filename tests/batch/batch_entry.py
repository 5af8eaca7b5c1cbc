"""`intervju` with the fake pipeline, for tests that must kill a real process.

Run as ``python tests/batch/batch_entry.py batch FOLDER ...`` (see ``batch_helpers``).
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent.parent), str(HERE)]

from batch_helpers import LoggingPipeline  # noqa: E402

from service.cli import transcribe  # noqa: E402
from service.cli.main import cli  # noqa: E402

transcribe.make_pipeline = LoggingPipeline

if __name__ == "__main__":
    cli(prog_name="intervju")
