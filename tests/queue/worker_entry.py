"""`intervju worker` with a fake pipeline, for tests that run (and kill) real worker processes.

Run as ``python tests/queue/worker_entry.py worker`` with the ``INTERVJU_`` settings in the
environment (see ``celery_helpers.Workers``). The fake (``LoggingPipeline``) appends
``start <object> <pid>`` to ``$QUEUE_FAKE_LOG`` when a recording is handed to it and
``end <object> <pid>`` when its transcript is returned, so a test counts runs across processes;
while the file ``$QUEUE_FAKE_HOLD`` exists it waits after ``start`` (to be killed, or released).
With ``$QUEUE_FAKE_DEAF`` set it reports ``transcribing`` before the wait and nothing after it,
so a worker that lost its job meanwhile only learns it when it stores the result.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from service.audio import SealedAudio  # noqa: E402
from service.cli import worker as worker_command  # noqa: E402
from service.cli.main import cli  # noqa: E402
from service.jobs import PipelineOutput  # noqa: E402
from service.options import JobOptions  # noqa: E402
from service.progress import Hook  # noqa: E402
from tests.crash.fake_pipeline import ScriptedPipeline  # noqa: E402


class LoggingPipeline(ScriptedPipeline):
    def process(
        self, source: Path | SealedAudio, options: JobOptions, hook: Hook
    ) -> PipelineOutput:
        name = source.object_id if isinstance(source, SealedAudio) else source.name
        self._write(f"start {name} {os.getpid()}")
        deaf = bool(os.environ.get("QUEUE_FAKE_DEAF"))
        if deaf:
            hook("transcribing", completed=0.0, total=1.0)
        hold = Path(os.environ["QUEUE_FAKE_HOLD"])
        while hold.exists():
            time.sleep(0.05)
        output = super().process(source, options, _deaf if deaf else hook)
        self._write(f"end {name} {os.getpid()}")
        return output

    @staticmethod
    def _write(line: str) -> None:
        with open(os.environ["QUEUE_FAKE_LOG"], "a", encoding="utf-8") as log:
            log.write(line + "\n")


def _deaf(step: str, *, completed: float | None = None, total: float | None = None) -> None:
    """A hook that hears nothing."""


worker_command.make_pipeline = LoggingPipeline

if __name__ == "__main__":
    cli(prog_name="intervju")
