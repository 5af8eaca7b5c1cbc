"""A job's options: the checks every entry point applies, and their stored JSON form.

The HTTP form, the speaker-renaming route and the CLI read speaker ids, display names and
speaker counts with the same rules, so a value refused in one place is refused everywhere.
Errors are ``IntervjuError`` keys; the caller decides the HTTP status or CLI exit.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from service.diarization.base import MAX_SPEAKERS, SpeakerHints
from service.errors import IntervjuError
from service.options import JobOptions

SPEAKER_ID = re.compile(r"^SPEAKER_\d{2,3}$")
NAME_MAX = 100  # characters in a display name
KEY_MAX = 64  # characters in a rename key (a role name or a speaker id)
RENAMES_MAX = 2 * MAX_SPEAKERS  # entries in one set of renames
_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off"})


def parse_count(field: str, raw: str) -> int | None:
    """A speaker count (``1..MAX_SPEAKERS``) from text; empty text is ``None``."""
    text = raw.strip()
    if not text:
        return None
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= MAX_SPEAKERS:
        raise IntervjuError("options.bad_count", field=field, limit=MAX_SPEAKERS)
    return int(text)


def parse_flag(field: str, raw: str) -> bool | None:
    """``true``/``false`` (also 1/0, yes/no, on/off); empty text is ``None``."""
    text = raw.strip().lower()
    if not text:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise IntervjuError("options.bad_flag", field=field)


def speaker_id(raw: str) -> str:
    """A diarisation label such as ``SPEAKER_01`` (any case in, upper case out)."""
    text = raw.strip().upper()
    if not SPEAKER_ID.fullmatch(text):
        raise IntervjuError("options.bad_speaker_id")  # never echoed: it may be a name
    return text


def renames(pairs: Mapping[str, object]) -> tuple[tuple[str, str], ...]:
    """Checked ``(role name or id, display name)`` pairs; an empty name means "the role"."""
    if len(pairs) > RENAMES_MAX:
        raise IntervjuError("options.bad_names", count=RENAMES_MAX, length=NAME_MAX)
    checked: dict[str, str] = {}
    for raw_key, raw_name in pairs.items():
        key, name = _clean(raw_key), _clean(raw_name)
        if key is None or name is None or not key or len(key) > KEY_MAX or len(name) > NAME_MAX:
            raise IntervjuError("options.bad_names", count=RENAMES_MAX, length=NAME_MAX)
        checked[speaker_id(key) if SPEAKER_ID.fullmatch(key.upper()) else key] = name
    return tuple(checked.items())


def parse_renames(raw: str) -> tuple[tuple[str, str], ...]:
    """Renames from a JSON object such as ``{"Informant": "Kari"}``; empty text is none."""
    if not raw.strip():
        return ()
    try:
        value = json.loads(raw)
    except ValueError:
        value = None
    if not isinstance(value, dict):
        raise IntervjuError("options.bad_names", count=RENAMES_MAX, length=NAME_MAX)
    return renames(value)


def check_hints(options: JobOptions) -> JobOptions:
    """``options`` if its speaker counts fit together, else the ``diarization.*`` error."""
    SpeakerHints(options.num_speakers, options.min_speakers, options.max_speakers)
    return options


def options_to_json(options: JobOptions) -> dict[str, Any]:
    """The stored form of everything but language and model (those have their own columns)."""
    return {
        "diarize": options.diarize,
        "num_speakers": options.num_speakers,
        "min_speakers": options.min_speakers,
        "max_speakers": options.max_speakers,
        "interviewer": options.interviewer,
        "speaker_names": dict(options.speaker_names),
        "anonymize": options.anonymize,
        "keep_dialect": options.keep_dialect,
        "anonymize_dates": options.anonymize_dates,
    }


def options_from_json(
    stored: Mapping[str, Any] | None, language: str | None, model: str | None
) -> JobOptions:
    """The options of a stored job; a row from before the column existed has ``None``."""
    data = stored or {}
    return JobOptions(
        language="nn" if language == "nn" else "no" if language == "no" else None,
        model=model,
        diarize=data.get("diarize"),
        num_speakers=data.get("num_speakers"),
        min_speakers=data.get("min_speakers"),
        max_speakers=data.get("max_speakers"),
        interviewer=data.get("interviewer"),
        speaker_names=tuple((str(k), str(v)) for k, v in (data.get("speaker_names") or {}).items()),
        anonymize=data.get("anonymize"),
        keep_dialect=bool(data.get("keep_dialect", False)),
        anonymize_dates=bool(data.get("anonymize_dates", False)),
    )


def _clean(value: object) -> str | None:
    """Text without control or invisible format characters, trimmed; ``None`` if not text."""
    if not isinstance(value, str):
        return None
    text = unicodedata.normalize("NFC", value)
    if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in text):
        return None
    return text.strip()
