"""Property: no export of an anonymised transcript holds what its tags replaced, whatever the
layout, unless the researcher asked for the originals (and then only the docx's redaction key)."""

from __future__ import annotations

import zipfile
from io import BytesIO

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.exporters import ExportContext, exporter_names, get_exporter
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


layouts = st.builds(
    ExportContext,
    project=st.sampled_from([None, "Hjemmetjenesten"]),
    informant_code=st.sampled_from([None, "I03"]),
    timestamps=st.booleans(),
    line_numbers=st.booleans(),
    language=st.sampled_from(["nb", "en"]),
)
TEXT_MEMBERS = (".xml", ".rels", ".qde", ".txt")


def readable(data: bytes) -> str:
    """The text of an export; of a zip (docx, qdpx), every text member's."""
    if data.startswith(b"PK"):
        with zipfile.ZipFile(BytesIO(data)) as archive:
            texts = [n for n in archive.namelist() if n.endswith(TEXT_MEMBERS)]
            assert texts, "a zip without text"
            data = b"".join(archive.read(name) for name in texts)
    return data.decode("utf-8-sig")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=anonymised(), context=layouts)
def test_no_export_holds_an_original_unless_asked(
    case: tuple[Transcript, dict[str, str]], context: ExportContext
) -> None:
    transcript, originals = case
    for name in exporter_names():
        text = readable(get_exporter(name).render(transcript, context))
        leaked = [original for original in originals.values() if original in text]
        assert leaked == [], name


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=anonymised())
def test_asked_for_only_the_docx_key_shows_them(case: tuple[Transcript, dict[str, str]]) -> None:
    transcript, originals = case
    context = ExportContext(originals=originals)
    for name in exporter_names():
        text = readable(get_exporter(name).render(transcript, context))
        shown = {original for original in originals.values() if original in text}
        assert shown == (set(originals.values()) if name == "docx" else set()), name
