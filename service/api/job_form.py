"""The text fields of the upload form: their OpenAPI description, size limit and parsing.

Each field is checked as soon as its part of the body has arrived, so a client that sends the
fields before the file is refused before the recording is read; fields that depend on each other
(the speaker counts) are checked once the form is complete, before the upload is kept.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from service.api.errors import ApiError
from service.diarization.base import MAX_SPEAKERS
from service.errors import IntervjuError
from service.jobs.models import LANGUAGES
from service.jobs.options import (
    NAME_MAX,
    RENAMES_MAX,
    check_hints,
    parse_count,
    parse_flag,
    parse_renames,
    speaker_id,
)
from service.options import JobOptions

_MODEL_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$")
_PROJECT_ID = re.compile(r"^[0-9a-f]{32}$")
# A code, never a name: «S1», «inf-03».
_INFORMANT_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,15}$")


def _language(raw: str) -> str | None:
    text = raw.strip()
    if text and text not in LANGUAGES:
        raise ApiError(422, "upload.bad_language")  # never echoed: it may be a name
    return LANGUAGES.get(text)


def _model(raw: str) -> str | None:
    text = raw.strip()
    if text and not _MODEL_NAME.fullmatch(text):
        raise ApiError(422, "upload.bad_model")
    return text or None


def _count(name: str) -> Callable[[str], int | None]:
    return lambda raw: parse_count(name, raw)


def _project(raw: str) -> str | None:
    text = raw.strip()
    if text and not _PROJECT_ID.fullmatch(text):
        raise ApiError(422, "upload.bad_field", field="project")
    return text or None


def _informant_code(raw: str) -> str | None:
    text = raw.strip()
    if text and not _INFORMANT_CODE.fullmatch(text):
        raise ApiError(422, "upload.bad_field", field="informant_code")
    return text or None


def _interviewer(raw: str) -> str | None:
    return speaker_id(raw) if raw.strip() else None


@dataclass(frozen=True)
class FormField:
    parse: Callable[[str], Any]
    schema: dict[str, Any]  # its OpenAPI property
    max_bytes: int = 256


_COUNT = {"type": "integer", "minimum": 1, "maximum": MAX_SPEAKERS}

FIELDS: dict[str, FormField] = {
    "project": FormField(
        _project,
        {
            "type": "string",
            "description": "The research project (`GET /api/v1/projects`). Default: your "
            "default project «Standardprosjekt».",
        },
    ),
    "informant_code": FormField(
        _informant_code,
        {
            "type": "string",
            "pattern": "^[A-Za-z0-9][A-Za-z0-9_-]{0,15}$",
            "description": "The informant's code in the project, e.g. `S3` (never a name). "
            "Default: the next free `S<n>`.",
        },
    ),
    "language": FormField(
        _language,
        {
            "type": "string",
            "enum": list(LANGUAGES),
            "description": "Written standard: `no` bokmål, `nn` nynorsk. Default: the "
            "service's setting.",
        },
    ),
    "model": FormField(
        _model,
        {
            "type": "string",
            "description": "Name of an installed model. Default: the service's setting.",
        },
    ),
    "diarize": FormField(
        lambda raw: parse_flag("diarize", raw),
        {
            "type": "boolean",
            "description": "Find who speaks when (`true`/`false`). Default: the service's "
            "setting (`INTERVJU_DIARIZATION__ENABLED`).",
        },
    ),
    "anonymize": FormField(
        lambda raw: parse_flag("anonymize", raw),
        {
            "type": "boolean",
            "description": "Replace names, places, workplaces and numbers with tags such as "
            "`[navn 1]` and «han» with «hun» (`true`/`false`). Default: the service's setting "
            "(`INTERVJU_ANONYMIZATION__ENABLED`).",
        },
    ),
    "keep_dialect": FormField(
        lambda raw: bool(parse_flag("keep_dialect", raw)),
        {
            "type": "boolean",
            "description": "Keep dialect and nynorsk as said instead of writing bokmål "
            "(`true`/`false`). Default: `false`; a `nn` job is never written as bokmål.",
        },
    ),
    "anonymize_dates": FormField(
        lambda raw: bool(parse_flag("anonymize_dates", raw)),
        {
            "type": "boolean",
            "description": "Also replace dates and ages when anonymising (`true`/`false`). "
            "Default: `false`.",
        },
    ),
    "speakers": FormField(
        _count("speakers"),
        {**_COUNT, "description": "Exact number of speakers, when known."},
    ),
    "min_speakers": FormField(
        _count("min_speakers"), {**_COUNT, "description": "At least this many speakers."}
    ),
    "max_speakers": FormField(
        _count("max_speakers"),
        {
            **_COUNT,
            "description": "At most this many speakers. Default: "
            "`INTERVJU_DIARIZATION__MAX_SPEAKERS`.",
        },
    ),
    "interviewer": FormField(
        _interviewer,
        {
            "type": "string",
            "pattern": "^SPEAKER_[0-9]{2,3}$",
            "description": "The speaker id (`SPEAKER_01`) of the interviewer, overriding the "
            "guess from who asks the questions.",
        },
    ),
    "speaker_names": FormField(
        parse_renames,
        {
            "type": "string",
            "description": "A JSON object from a role name (`Intervjuer`, `Informant`, "
            "`Informant 2`) or a speaker id to the name shown instead, e.g. "
            f'`{{"Informant": "Kari"}}`; at most {RENAMES_MAX} names of at most {NAME_MAX} '
            "characters.",
        },
        max_bytes=4096,
    ),
}


def check_field(name: str, raw: str) -> Any:
    """Parse one field; an invalid value raises ``ApiError`` 422."""
    try:
        return FIELDS[name].parse(raw)
    except ApiError:
        raise
    except IntervjuError as exc:
        raise ApiError.of(422, exc) from None


def job_options(fields: Mapping[str, str]) -> JobOptions:
    """All of the form's choices, checked together."""
    values = {name: check_field(name, fields.get(name, "")) for name in FIELDS}
    options = JobOptions(
        language=values["language"],
        model=values["model"],
        diarize=values["diarize"],
        num_speakers=values["speakers"],
        min_speakers=values["min_speakers"],
        max_speakers=values["max_speakers"],
        interviewer=values["interviewer"],
        speaker_names=values["speaker_names"] or (),
        anonymize=values["anonymize"],
        keep_dialect=values["keep_dialect"],
        anonymize_dates=values["anonymize_dates"],
    )
    try:
        return check_hints(options)
    except IntervjuError as exc:
        raise ApiError.of(422, exc) from None


def openapi_properties() -> dict[str, Any]:
    return {name: field.schema for name, field in FIELDS.items()}
