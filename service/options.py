"""Per-job choices, kept light so the job queue can import them without the speech models."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class JobOptions:
    """Per-job choices; ``None`` means the service's setting."""

    language: Literal["no", "nn"] | None = None
    model: str | None = None
    diarize: bool | None = None
    num_speakers: int | None = None
    min_speakers: int | None = None
    max_speakers: int | None = None
    interviewer: str | None = None  # speaker id (``SPEAKER_01``) that overrides the guess
    speaker_names: tuple[tuple[str, str], ...] = ()  # (id or role name, display name)
