"""Hypothesis strategies for the export tests: anonymised transcripts with the originals their
tags replaced."""

from __future__ import annotations

from hypothesis import strategies as st

from service.transcript import AnonymizationInfo, Redaction, Speaker, SpeakerRole, Transcript
from tests import factories
from tests.exporters.interview import timed_words

VOCABULARY = ("jeg", "jobber", "på", "sykehjem", "hun", "sa", "det", "var", "fint", "travelt")
LABELS = {"navn": "PERSON", "sted": "LOCATION", "arbeidssted": "ORGANIZATION"}
# Originals are capitalised names the vocabulary cannot spell, so a hit is a leak, not chance.
names = st.text(alphabet="ÆØÅBDFGKLMNPRSTVæøåbdfgklmnprstv", min_size=4, max_size=12).map(
    lambda s: s[0].upper() + s[1:].lower()
)


@st.composite
def anonymised(draw: st.DrawFn) -> tuple[Transcript, dict[str, str]]:
    kinds = list(LABELS)
    originals: dict[str, str] = {}
    segments = []
    redactions = []
    start = 0.0
    for index in range(draw(st.integers(1, 6))):
        words = draw(st.lists(st.sampled_from(VOCABULARY), min_size=1, max_size=25))
        for _ in range(draw(st.integers(0, 3))):
            kind = draw(st.sampled_from(kinds))
            tag = f"[{kind} {draw(st.integers(1, 3))}]"
            originals.setdefault(tag, draw(names))
            words.insert(draw(st.integers(0, len(words))), tag)
        text = " ".join(words)
        duration = draw(st.floats(0.5, 20.0))
        timed = timed_words(start, start + duration, text)
        speaker = f"SPEAKER_0{index % 2}"
        segments.append(
            factories.make_segment(start, start + duration, text, speaker=speaker, words=timed)
        )
        redactions += [
            Redaction(tag=w.text.strip(), label=LABELS[w.text.strip()[1:].split()[0]],
                      segment=index, word=i)
            for i, w in enumerate(timed) if w.text.strip().startswith("[")
        ]  # fmt: skip
        start += duration + draw(st.floats(0.0, 5.0))
    transcript = factories.make_transcript(segments, duration=start + 1.0)
    info = AnonymizationInfo(
        normalized=True, pronouns=True, entities=tuple(LABELS.values()),
        redactions=tuple(redactions), seconds=0.1,
    )  # fmt: skip
    speakers = (
        Speaker(id="SPEAKER_00", name="Intervjuer", role=SpeakerRole.INTERVIEWER, seconds=1.0),
        Speaker(id="SPEAKER_01", name="Informant", role=SpeakerRole.INFORMANT, seconds=1.0),
    )
    return transcript.model_copy(update={"anonymization": info, "speakers": speakers}), originals
