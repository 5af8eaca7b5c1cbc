"""The pyannote.audio diarisation backend (``INTERVJU_DIARIZATION__BACKEND=pyannote``).

Runs a pyannote 4 pipeline -- ``pyannote/speaker-diarization-community-1`` as fetched by
``intervju models pull pyannote-community-1``, or any directory in its layout -- from disk,
offline: the hub and pyannote's telemetry are switched off before pyannote is imported, the
pipeline is loaded from a local directory only, and audio is handed over in memory (pyannote's
own decoder, torchcodec, is not needed).

pyannote.audio lives behind the ``[pyannote]`` extra; this module imports without it and says
how to install it when the backend is asked for.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import torch
from pyannote.core import Annotation, Segment

from service.audio import SAMPLE_RATE
from service.config import Settings
from service.diarization.base import (
    Diarization,
    SpeakerHints,
    choose_device,
    exclusive,
    register_backend,
)
from service.diarization.pull import COMMUNITY_1
from service.errors import IntervjuError
from service.offline import enforce_offline
from service.progress import Hook, no_op_hook

logger = logging.getLogger(__name__)

INSTALL_HINT = "pip install 'intervju[pyannote]'"

# pyannote's slow steps report (completed, total); each gets a share of our 0..1 progress
_STEP_SHARES = {"segmentation": (0.0, 0.5), "embeddings": (0.5, 1.0)}


def pipeline_dir(settings: Settings) -> Path:
    """Where the pyannote pipeline is expected."""
    configured = settings.diarization.pyannote_dir
    return configured if configured is not None else settings.storage.models_path / COMMUNITY_1


def speaker_counts(hints: SpeakerHints, default_max: int) -> dict[str, int]:
    """The hints as keyword arguments of a pyannote pipeline (never unbounded)."""
    low, high = hints.bounds(default_max)
    if low == high:
        return {"num_speakers": low}
    return {"min_speakers": low, "max_speakers": high}


class PyannoteDiarizer:
    """A loaded pyannote pipeline behind intervju's ``Diarizer`` interface."""

    name = "pyannote"

    def __init__(self, pipeline: Any, max_speakers: int) -> None:
        self.pipeline = pipeline
        self.max_speakers = max_speakers

    def __call__(
        self,
        samples: npt.NDArray[np.float32],
        hints: SpeakerHints,
        hook: Hook = no_op_hook,
        speech: Sequence[tuple[float, float]] | None = None,
    ) -> Diarization:
        """``speech`` is ignored: pyannote's segmentation model finds speech itself."""
        waveform = torch.from_numpy(np.ascontiguousarray(samples, dtype=np.float32))[None]
        hook("diarizing", completed=0.0, total=1.0)
        output = self.pipeline(
            {"waveform": waveform, "sample_rate": SAMPLE_RATE},
            hook=progress_adapter(hook),
            **speaker_counts(hints, self.max_speakers),
        )
        hook("diarizing", completed=1.0, total=1.0)
        # pyannote 4 returns both views; a pipeline configured ``legacy`` returns one Annotation
        full: Annotation = getattr(output, "speaker_diarization", output)
        turns: Annotation = getattr(output, "exclusive_speaker_diarization", output)
        # pyannote's last chunk is padded, so its turns may run past the end of the audio
        audio = Segment(0.0, len(samples) / SAMPLE_RATE)
        return Diarization(
            turns=exclusive(turns.crop(audio, mode="intersection")),
            overlap=full.get_overlap().crop(audio, mode="intersection"),
        )


def progress_adapter(hook: Hook) -> Callable[..., None]:
    """pyannote's ``hook(step, artifact, file=, total=, completed=)`` as calls of our ``hook``.

    Segmentation fills the first half of "diarizing", embeddings the second; the other steps
    are quick and not reported. Progress never goes backwards.
    """
    done = 0.0

    def on_step(
        step_name: str,
        step_artifact: object,
        file: object = None,
        total: float | None = None,
        completed: float | None = None,
    ) -> None:
        nonlocal done
        share = _STEP_SHARES.get(step_name)
        if share is None or not total or completed is None:
            return
        start, end = share
        done = max(done, start + (end - start) * min(completed / total, 1.0))
        hook("diarizing", completed=done, total=1.0)

    return on_step


@register_backend("pyannote")
def load(settings: Settings) -> PyannoteDiarizer:
    """Load the pipeline from its local directory onto the configured device."""
    enforce_offline()  # before pyannote (and huggingface_hub) are imported
    try:
        with warnings.catch_warnings():
            # audio is passed in memory, so a torchcodec that cannot load does not matter
            warnings.filterwarnings("ignore", message=r"\s*torchcodec is not installed")
            from pyannote.audio import Pipeline
    except ImportError:
        raise IntervjuError(
            "diarization.backend_missing", name="pyannote.audio", hint=INSTALL_HINT
        ) from None
    directory = pipeline_dir(settings)
    if not (directory / "config.yaml").is_file():
        raise IntervjuError("diarization.pipeline_missing", path=str(directory))
    device = choose_device(settings.diarization.device, torch.cuda.is_available())
    try:
        pipeline = Pipeline.from_pretrained(directory.resolve())
    except FileNotFoundError:  # a model or PLDA file under the directory is missing
        pipeline = None
    if pipeline is None:
        raise IntervjuError("diarization.pipeline_missing", path=str(directory))
    pipeline.to(torch.device(device))
    logger.info("pyannote pipeline loaded on %s", device)
    return PyannoteDiarizer(pipeline, settings.diarization.max_speakers)
