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
    anonymize: bool | None = None  # redact names, places, ...; None: the service's setting
    keep_dialect: bool = False  # keep dialect and nynorsk instead of normalising to bokmål
    anonymize_dates: bool = False  # also redact dates and ages


@dataclass(frozen=True)
class TextChoices:
    """What the anonymisation step does to a job's text."""

    redact: bool  # names, places, workplaces, numbers; and pronouns
    normalize: bool  # dialect and nynorsk written as bokmål
    dates: bool  # dates and ages redacted too

    @property
    def runs(self) -> bool:
        return self.redact or self.normalize


def text_choices(options: JobOptions, *, anonymize: bool) -> TextChoices:
    """The job's text choices; ``anonymize`` is the service's setting.

    Dialect and nynorsk are written as bokmål unless the job keeps the dialect: quotes in the
    informant's own written standard identify people as much as dialect does.
    """
    redact = anonymize if options.anonymize is None else options.anonymize
    normalize = not options.keep_dialect
    return TextChoices(redact=redact, normalize=normalize, dates=redact and options.anonymize_dates)
