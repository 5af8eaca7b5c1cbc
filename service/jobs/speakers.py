"""Correcting a finished job's speakers: who the interviewer is, and the names shown.

The transcript keeps speaker ids on every word and segment, so a correction only rebuilds the
speaker table. The job's options remember the correction (interviewer, names), so that a later
correction keeps earlier names unless it gives new ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from service.diarization.roles import label_roles
from service.errors import IntervjuError
from service.jobs.options import SPEAKER_ID, renames, speaker_id
from service.options import JobOptions
from service.transcript import SpeakerRole, Transcript


def relabel_speakers(
    transcript: Transcript,
    options: JobOptions,
    interviewer: str | None = None,
    names: Mapping[str, str] | None = None,
) -> tuple[Transcript, JobOptions]:
    """``transcript`` with its speaker table rebuilt, and ``options`` recording the change.

    ``interviewer``: the id of the interviewer (``None`` keeps the current one); ``names``: id
    -> shown name (an empty name restores the role name).
    """
    known = [speaker.id for speaker in transcript.speakers]
    if not known:
        raise IntervjuError("speakers.not_diarized")
    chosen = None if interviewer is None else speaker_id(interviewer)
    new_names = dict(renames(names or {}))
    for key in [chosen, *new_names]:
        if key is not None and key not in known:
            shown = key if SPEAKER_ID.fullmatch(key) else key[:20]
            raise IntervjuError("speakers.unknown_speaker", speaker=shown, known=", ".join(known))
    merged = {**dict(options.speaker_names), **new_names}
    current = next((s.id for s in transcript.speakers if s.role is SpeakerRole.INTERVIEWER), None)
    relabelled = label_roles(transcript, chosen or current or options.interviewer, merged)
    updated = replace(
        options,
        interviewer=chosen or options.interviewer,
        speaker_names=tuple(merged.items()),
    )
    return relabelled, updated
