"""An anonymised two-speaker interview for the export tests, with the originals its tags
replaced, a stretch without text (a gap) and a long pause."""

from __future__ import annotations

import re

from service.transcript import (
    AnonymizationInfo,
    Gap,
    Redaction,
    Segment,
    Speaker,
    SpeakerRole,
    Transcript,
    Word,
)
from tests import factories

# What the tags replaced; never in an export unless asked for.
ORIGINALS = ("Kari Nordmann", "Tromsø")
# The same as the job store keeps them: one per redaction, in the redactions' order.
STORED_ORIGINALS = ("Tromsø", "Kari Nordmann")
DURATION = 30.0
INTERVIEWER, INFORMANT = "SPEAKER_00", "SPEAKER_01"


def timed_words(start: float, end: float, text: str) -> tuple[Word, ...]:
    """The words of ``text`` spread evenly over ``start``–``end``."""
    parts = re.findall(r"\[[^\]]*\]\S*|\S+", text)  # a tag is one word, as the anonymiser writes it
    step = (end - start) / len(parts)
    return tuple(
        Word(start=start + i * step, end=start + (i + 1) * step, text=f" {w}", probability=0.9)
        for i, w in enumerate(parts)
    )


def spoken(start: float, end: float, text: str, speaker: str) -> Segment:
    return factories.make_segment(
        start, end, text, speaker=speaker, words=timed_words(start, end, text)
    )


ANSWER = (
    "Jeg jobber på et sykehjem i [sted 1] sammen med [navn 1], og det er veldig fint der, "
    "men det blir travelt noen ganger når mange er syke samtidig og vi må dekke vakter."
)


def anonymised_interview(*, with_speakers: bool = True) -> Transcript:
    segments = [
        spoken(0.5, 3.0, "Hvor jobber du nå?", INTERVIEWER),
        spoken(4.0, 12.5, ANSWER, INFORMANT),
        spoken(15.0, 17.0, "Og hvordan trives du der?", INTERVIEWER),
        spoken(17.5, 20.0, "Veldig godt, egentlig.", INFORMANT),
        factories.make_segment(24.0, 26.0, "Takk for praten.", speaker=INTERVIEWER),
    ]
    if not with_speakers:
        segments = [s.model_copy(update={"speaker": None}) for s in segments]
    answer_words = [w.text.strip() for w in segments[1].words]
    info = AnonymizationInfo(
        normalized=True,
        pronouns=True,
        entities=("PERSON", "LOCATION"),
        redactions=(
            Redaction(
                tag="[sted 1]", label="LOCATION", segment=1, word=answer_words.index("[sted 1]")
            ),
            Redaction(
                tag="[navn 1]", label="PERSON", segment=1, word=answer_words.index("[navn 1],")
            ),
        ),
        seconds=0.1,
    )
    transcript = factories.make_transcript(segments, duration=DURATION)
    speakers = (
        Speaker(id=INTERVIEWER, name="Intervjuer", role=SpeakerRole.INTERVIEWER, seconds=6.0),
        Speaker(id=INFORMANT, name="Informant", role=SpeakerRole.INFORMANT, seconds=11.0),
    )
    return transcript.model_copy(
        update={
            "anonymization": info,
            "gaps": (Gap(start=13.0, end=14.5),),
            "speakers": speakers if with_speakers else (),
        }
    )


def redaction_key() -> dict[str, str]:
    return {"[sted 1]": ORIGINALS[1], "[navn 1]": ORIGINALS[0]}
