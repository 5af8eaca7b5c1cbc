"""Exports of transcripts with text XML cannot hold, line breaks in names and other odd input:
every format still renders, the docx opens, the qdpx validates, subtitles and QDA text keep
their structure."""

from __future__ import annotations

import re
from io import BytesIO, StringIO

import docx
import srt
import webvtt
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.exporters import ExportContext, exporter_names, get_exporter
from service.exporters.cues import cues
from service.exporters.layout import blocks
from service.exporters.qdpx import read_project
from service.transcript import Speaker, SpeakerRole, Transcript
from tests import factories
from tests.exporters.interview import anonymised_interview, timed_words

# Not allowed in XML 1.0: C0 controls but tab, LF and CR; U+FFFE and U+FFFF. A speech model can
# write them (its vocabulary holds every byte), and the service's name checks let the
# noncharacters through.
HOSTILE = "hei\x00 der\x0bog\x1f så \ufffe\uffff slutt"
NS = {"q": "urn:QDA-XML:project:1.0"}


def hostile_interview() -> Transcript:
    base = anonymised_interview()
    segments = list(base.segments)
    segments[0] = factories.make_segment(
        0.5, 3.0, HOSTILE, speaker="SPEAKER_00", words=timed_words(0.5, 3.0, HOSTILE)
    ).model_copy(update={"id": 0})
    speakers = tuple(
        s.model_copy(update={"name": f"{s.name}\ufffe"}) if s.id == "SPEAKER_01" else s
        for s in base.speakers
    )
    return base.model_copy(update={"segments": tuple(segments), "speakers": speakers})


CONTEXT = ExportContext(
    project="Hjemmetjenesten\uffff",
    informant_code="S\x013",
    originals={"[navn 1]": "Kari\x00 Nordmann"},
    line_numbers=True,
)


def docx_text(data: bytes) -> str:
    document = docx.Document(BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    parts += [c.text for t in document.tables for r in t.rows for c in r.cells]
    parts += [p.text for p in document.sections[0].header.paragraphs]
    return "\n".join(parts)


def test_docx_with_characters_xml_cannot_hold_opens() -> None:
    text = docx_text(get_exporter("docx").render(hostile_interview(), CONTEXT))
    assert "hei der og så slutt" in " ".join(text.split())  # vertical tab etc.: white space
    assert "Informant: " in text
    assert "Hjemmetjenesten" in text and "S3" in text
    assert "Kari Nordmann" in text  # the key asked for


def test_qdpx_with_characters_xml_cannot_hold_validates() -> None:
    project = read_project(get_exporter("qdpx").render(hostile_interview(), CONTEXT))
    assert project.get("name") == "Hjemmetjenesten"
    names = [c.get("name") for c in project.iterfind(".//q:Code", NS)]
    assert "Informant" in names


def test_every_format_renders_a_hostile_transcript() -> None:
    for name in exporter_names():
        assert get_exporter(name).render(hostile_interview(), CONTEXT), name


# any character but lone surrogates (which no stored transcript can hold: not UTF-8)
any_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=60)


@st.composite
def odd_transcripts(draw: st.DrawFn) -> Transcript:
    segments = []
    start = 0.0
    for _ in range(draw(st.integers(0, 5))):
        text = draw(any_text)
        end = start + draw(st.integers(0, 800)) / 100
        speaker = draw(st.sampled_from([None, "SPEAKER_00", "SPEAKER_01", "SPEAKER_02"]))
        segments.append(factories.make_segment(start, end, text, speaker=speaker))
        start = draw(st.sampled_from([end, start, max(0.0, start - 1.0)]))  # overlaps too
    names = draw(st.lists(any_text.filter(str.strip), min_size=3, max_size=3))
    speakers = tuple(
        Speaker(id=f"SPEAKER_0{i}", name=name, role=role, seconds=1.0)
        for i, (name, role) in enumerate(
            zip(names, [SpeakerRole.INTERVIEWER, *[SpeakerRole.INFORMANT] * 2], strict=True)
        )
    )
    transcript = factories.make_transcript(segments, duration=start + 5.0)
    return transcript.model_copy(update={"speakers": speakers[: draw(st.integers(0, 3))]})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(odd_transcripts(), any_text)
def test_odd_transcripts_keep_every_format_whole(transcript: Transcript, project: str) -> None:
    context = ExportContext(project=project, informant_code="S1")
    render = {name: get_exporter(name).render(transcript, context) for name in exporter_names()}
    docx.Document(BytesIO(render["docx"]))
    read_project(render["qdpx"])
    assert len(list(srt.parse(render["srt"].decode()))) == len(cues(transcript))
    captions = webvtt.from_buffer(StringIO(render["vtt"].decode())).captions
    assert len(captions) == len(cues(transcript))
    count = len(blocks(transcript, context))
    maxqda = render["maxqda"].decode()
    assert len(re.findall(r"^#\d\d:\d\d:\d\d-\d# ", maxqda, re.MULTILINE)) == count
    rows = render["nvivo"].decode("utf-8-sig").split("\r\n")[:-1]
    assert len(rows) == count + 1 and all(row.count("\t") == 2 for row in rows)
