"""The per-recording choices `intervju transcribe` and `intervju batch` share.

``@job_flags`` adds ``--language``, ``--model``, the speaker counts, ``--no-diarize``,
``--interviewer``, ``--speaker-names``, ``--no-anonymize``, ``--keep-dialect`` and
``--anonymize-dates`` to a command, which then gets them as one ``flags: JobFlags`` argument;
``flags.options(settings)`` checks them and builds the ``JobOptions`` (or a usage error in the
user's language).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any, TypeVar

import click

from service.cli.diarize import speaker_count_options, speaker_hints
from service.config import Settings
from service.errors import IntervjuError
from service.i18n import message
from service.jobs.options import renames, speaker_id
from service.options import JobOptions

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class JobFlags:
    """The flags as given on the command line (``None``: the service's setting)."""

    language: str | None
    model: str | None
    speakers: int | None
    min_speakers: int | None
    max_speakers: int | None
    no_diarize: bool
    interviewer: str | None
    speaker_names: tuple[str, ...]
    no_anonymize: bool
    keep_dialect: bool
    anonymize_dates: bool

    def options(self, settings: Settings) -> JobOptions:
        hints = speaker_hints(settings, self.speakers, self.min_speakers, self.max_speakers)
        return JobOptions(
            language="nn" if self.language == "nn" else "no" if self.language == "no" else None,
            model=self.model,
            diarize=False if self.no_diarize else None,
            num_speakers=hints.num_speakers,
            min_speakers=hints.min_speakers,
            max_speakers=hints.max_speakers,
            interviewer=_interviewer(settings, self.interviewer),
            speaker_names=_renames(settings, self.speaker_names),
            anonymize=False if self.no_anonymize else None,
            keep_dialect=self.keep_dialect,
            anonymize_dates=self.anonymize_dates,
        )


_NAMES = tuple(field.name for field in fields(JobFlags))

_OPTIONS = [
    click.option(
        "--language",
        type=click.Choice(["no", "nn"]),
        help="Skriftspråk: no = bokmål, nn = nynorsk / written standard.",
    ),
    click.option("--model", help="Modellmappe eller navn / model directory or name."),
    speaker_count_options,
    click.option(
        "--no-diarize",
        is_flag=True,
        help="Do not find speakers (default: INTERVJU_DIARIZATION__ENABLED).",
    ),
    click.option(
        "--interviewer",
        metavar="SPEAKER_ID",
        help="The speaker id (SPEAKER_01) of the interviewer, overriding the guess.",
    ),
    click.option(
        "--speaker-names",
        "speaker_names",
        metavar="NAME=NEW",
        multiple=True,
        help="Show a role (Intervjuer, Informant, 'Informant 2') or speaker id under another "
        "name, e.g. Informant=Kari; repeatable.",
    ),
    click.option(
        "--no-anonymize",
        is_flag=True,
        help="Ikke anonymiser navn, steder og pronomen / do not anonymise names, places and "
        "pronouns (default: INTERVJU_ANONYMIZATION__ENABLED).",
    ),
    click.option(
        "--keep-dialect",
        is_flag=True,
        help="Behold dialekt og nynorsk, ikke skriv om til bokmål / keep dialect and nynorsk "
        "instead of writing bokmål.",
    ),
    click.option(
        "--anonymize-dates",
        is_flag=True,
        help="Anonymiser også datoer og alder / also anonymise dates and ages.",
    ),
]


def job_flags(command: F) -> F:
    """Add the shared options; the command receives them as ``flags: JobFlags``."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        flags = JobFlags(**{name: kwargs.pop(name) for name in _NAMES})
        return command(*args, flags=flags, **kwargs)

    decorated: Any = wrapper
    for option in reversed(_OPTIONS):
        decorated = option(decorated)
    return decorated


def _interviewer(settings: Settings, raw: str | None) -> str | None:
    try:
        return None if raw is None else speaker_id(raw)
    except IntervjuError as exc:
        hint = "--interviewer"
        raise click.BadParameter(exc.message(settings.ui_language), param_hint=hint) from None


def _renames(settings: Settings, pairs: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    lang = settings.ui_language
    parsed: dict[str, str] = {}
    for pair in pairs:
        key, equals, name = pair.partition("=")
        if not equals or not key.strip():
            bad = message("cli.bad_rename", lang, value=pair)
            raise click.BadParameter(bad, param_hint="--speaker-names")
        parsed[key.strip()] = name
    try:
        return renames(parsed)
    except IntervjuError as exc:
        raise click.BadParameter(exc.message(lang), param_hint="--speaker-names") from None
