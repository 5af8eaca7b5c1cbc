"""Correcting a finished job's speakers: who the interviewer is, and the names shown.

The transcript keeps speaker ids on every word and segment, so a correction only rebuilds the
speaker table. The job's options remember the correction (interviewer, names), so that a later
correction keeps earlier names unless it gives new ones. A name keyed by role («Informant»)
follows the role when the interviewer changes; a name keyed by id stays with that voice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from service.diarization.roles import label_roles, role_names
from service.errors import IntervjuError
from service.jobs.options import renames, speaker_id
from service.options import JobOptions
from service.transcript import SpeakerRole, Transcript


def relabel_speakers(
    transcript: Transcript,
    options: JobOptions,
    interviewer: str | None = None,
    names: Mapping[str, str] | None = None,
) -> tuple[Transcript, JobOptions]:
    """``transcript`` with its speaker table rebuilt, and ``options`` recording the change.

    ``interviewer``: the id of the interviewer (``None`` keeps the current one). ``names``: a
    speaker id or role name -> the name shown; an empty name removes a name given earlier.
    """
    ids = [speaker.id for speaker in transcript.speakers]
    if not ids:
        raise IntervjuError("speakers.not_diarized")
    chosen = None if interviewer is None else speaker_id(interviewer)
    if chosen is not None and chosen not in ids:
        raise _unknown(chosen, ids, [])
    current = next((s.id for s in transcript.speakers if s.role is SpeakerRole.INTERVIEWER), None)
    interviewer_id = chosen or current or options.interviewer
    roles = list(role_names(transcript, interviewer_id).values())
    merged = dict(options.speaker_names)
    for key, name in renames(names or {}):
        if key not in ids and key not in roles and key not in merged:
            raise _unknown(key, ids, roles)
        if name:
            merged[key] = name
        else:
            merged.pop(key, None)
    relabelled = label_roles(transcript, interviewer_id, merged)
    updated = replace(
        options, interviewer=chosen or options.interviewer, speaker_names=tuple(merged.items())
    )
    return relabelled, updated


def _unknown(key: str, ids: list[str], roles: list[str]) -> IntervjuError:
    # What was given is not echoed: a name typed as the key would come back in the answer.
    return IntervjuError("speakers.unknown_speaker", known=", ".join(ids + roles))
