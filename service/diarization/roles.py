"""Label speakers by role: «Intervjuer» and «Informant» (or «Informant 1», «Informant 2»).

The interviewer is the speaker who asks the questions: the most question-like segments (ends
with «?», opens with a question word), with a nudge for speaking first and for talking less.
Researchers can override the choice and rename anyone.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Mapping

from service.transcript import Speaker, SpeakerRole, Transcript

INTERVIEWER = "Intervjuer"
INFORMANT = "Informant"

_QUESTION_START = re.compile(
    r"^(hva|hvordan|hvorfor|hvor|hvem|hvilke\w*|når|kan du|kunne du|vil du|har du|er det|"
    r"fortell|beskriv|tenker du|opplever du|hva med|og hva|og hvordan)\b",
    re.IGNORECASE,
)


def interviewer_scores(transcript: Transcript) -> dict[str, float]:
    """How much each speaker looks like the interviewer (higher is more likely)."""
    questions: Counter[str] = Counter()
    talk: dict[str, float] = {}
    turns: Counter[str] = Counter()
    first: str | None = None
    for segment in transcript.segments:
        if segment.speaker is None or not segment.text.strip():
            continue
        first = first or segment.speaker
        text = segment.text.strip()
        turns[segment.speaker] += 1
        talk[segment.speaker] = talk.get(segment.speaker, 0.0) + segment.end - segment.start
        if text.endswith("?") or _QUESTION_START.match(text):
            questions[segment.speaker] += 1
    total_talk = sum(talk.values()) or 1.0
    return {
        speaker: questions[speaker] / turns[speaker]
        + 0.2 * (speaker == first)
        + 0.3 * (1.0 - talk[speaker] / total_talk)
        for speaker in turns
    }


def role_names(transcript: Transcript, interviewer: str | None = None) -> dict[str, str]:
    """Map each raw speaker label to its role label.

    ``interviewer`` names the raw label of the interviewer, overriding the guess.
    """
    scores = interviewer_scores(transcript)
    if not scores:
        return {}
    chosen = interviewer if interviewer in scores else max(scores, key=scores.__getitem__)
    order = list(dict.fromkeys(s.speaker for s in transcript.segments if s.speaker in scores))
    informants = [speaker for speaker in order if speaker != chosen]
    names = {chosen: INTERVIEWER}
    if len(informants) == 1:
        names[informants[0]] = INFORMANT
    else:
        names.update({s: f"{INFORMANT} {i}" for i, s in enumerate(informants, start=1)})
    return names


def label_roles(
    transcript: Transcript,
    interviewer: str | None = None,
    renames: Mapping[str, str] | None = None,
) -> Transcript:
    """Fill ``transcript.speakers``: a role and a display name for every speaker id.

    ``interviewer`` is the id of the interviewer (overrides the guess); ``renames`` maps a role
    name («Informant 1») or an id (``SPEAKER_00``) to the name shown instead. Segments and
    words keep their ids, so names can change later without touching the text.
    """
    names = role_names(transcript, interviewer)
    seconds: defaultdict[str, float] = defaultdict(float)
    for segment in transcript.segments:
        for word in segment.words:
            if word.speaker is not None:
                seconds[word.speaker] += word.end - word.start
        if not segment.words and segment.speaker is not None:
            seconds[segment.speaker] += segment.end - segment.start
    speakers = tuple(
        Speaker(
            id=speaker_id,
            name=_final_name(speaker_id, role_name, renames or {}),
            role=SpeakerRole.INTERVIEWER if role_name == INTERVIEWER else SpeakerRole.INFORMANT,
            seconds=round(seconds.get(speaker_id, 0.0), 3),
        )
        for speaker_id, role_name in names.items()
    )
    return transcript.model_copy(update={"speakers": speakers})


def rename_speakers(transcript: Transcript, renames: Mapping[str, str]) -> Transcript:
    """Give speakers new display names (keys: id, role name or current name)."""
    speakers = tuple(
        s.model_copy(update={"name": renames.get(s.id, renames.get(s.name, s.name))})
        for s in transcript.speakers
    )
    return transcript.model_copy(update={"speakers": speakers})


def _final_name(speaker_id: str, role_name: str, renames: Mapping[str, str]) -> str:
    name = renames.get(speaker_id, renames.get(role_name, role_name)).strip()
    return name or role_name
