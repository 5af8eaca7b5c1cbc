"""The timestamped text files for MAXQDA and NVivo match the forms those tools import."""

from __future__ import annotations

import re

import pytest

from service.exporters import ExportContext, get_exporter
from service.exporters.qda_text import maxqda_timestamp, nvivo_time
from service.transcript import Transcript
from tests.exporters.interview import ORIGINALS

# MAXQDA: a paragraph starting with an f4/f5 timestamp (#hh:mm:ss-x#), then speaker and text
MAXQDA_PARAGRAPH = re.compile(r"^#(\d{2}):([0-5]\d):([0-5]\d)-(\d)# (?:[^:\n]+: )?\S.*$")
# NVivo: timespan hh:mm:ss.x - hh:mm:ss.x, speaker, content; two tabs on every row
NVIVO_ROW = re.compile(
    r"^(\d{2}:[0-5]\d:[0-5]\d\.\d) - (\d{2}:[0-5]\d:[0-5]\d\.\d)\t[^\t]*\t[^\t]+$"
)


def render(name: str, transcript: Transcript) -> bytes:
    return get_exporter(name).render(transcript, ExportContext())


def to_seconds(hours: str, minutes: str, seconds: str, tenths: str = "0") -> float:
    return int(hours) * 3600 + int(minutes) * 60 + int(seconds) + int(tenths) / 10


@pytest.mark.parametrize(
    ("seconds", "maxqda", "nvivo"),
    [
        (0.0, "#00:00:00-0#", "00:00:00.0"),
        (4.04, "#00:00:04-0#", "00:00:04.0"),
        (59.96, "#00:01:00-0#", "00:01:00.0"),
        (3725.46, "#01:02:05-5#", "01:02:05.5"),
    ],
)
def test_time_forms(seconds: float, maxqda: str, nvivo: str) -> None:
    assert maxqda_timestamp(seconds) == maxqda
    assert nvivo_time(seconds) == nvivo


def test_maxqda_paragraphs(interview: Transcript) -> None:
    text = render("maxqda", interview).decode("utf-8")
    assert text.endswith("\n\n") and "\n\n\n" not in text
    paragraphs = text.strip("\n").split("\n\n")
    matches = [MAXQDA_PARAGRAPH.match(p) for p in paragraphs]
    assert all(matches), [p for p, m in zip(paragraphs, matches, strict=True) if not m]
    times = [to_seconds(*m.groups()) for m in matches if m]
    assert times == sorted(times)
    assert paragraphs[0] == "#00:00:00-5# Intervjuer: Hvor jobber du nå?"
    assert paragraphs[1].startswith("#00:00:04-0# Informant: Jeg jobber på et sykehjem i [sted 1]")
    assert "#00:00:13-0# (uhørbart, 2 s)" in paragraphs
    assert "#00:00:20-0# (pause, 4 s)" in paragraphs
    assert len(paragraphs) == len(interview.segments) + 2


def test_nvivo_rows(interview: Transcript) -> None:
    data = render("nvivo", interview)
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM, for Windows
    rows = data.decode("utf-8-sig").split("\r\n")
    assert rows[0] == "Timespan\tSpeaker\tContent"
    assert rows[-1] == ""
    body = rows[1:-1]
    assert all(NVIVO_ROW.match(row) for row in body), body
    assert all(row.count("\t") == 2 for row in rows[:-1])
    spans = [NVIVO_ROW.match(row).groups() for row in body]  # type: ignore[union-attr]
    starts = [to_seconds(*s.replace(".", ":").split(":")) for s, _ in spans]
    assert starts == sorted(starts)
    assert body[0] == "00:00:00.5 - 00:00:03.0\tIntervjuer\tHvor jobber du nå?"
    assert "00:00:13.0 - 00:00:14.5\t\t(uhørbart, 2 s)" in body


def test_tabs_and_line_breaks_in_text_do_not_break_rows(interview: Transcript) -> None:
    segment = interview.segments[0].model_copy(update={"text": "Hvor\tjobber\ndu?", "words": ()})
    odd = interview.model_copy(update={"segments": (segment, *interview.segments[1:])})
    rows = render("nvivo", odd).decode("utf-8-sig").split("\r\n")
    assert rows[1].endswith("\tHvor jobber du?")
    assert render("maxqda", odd).decode().startswith("#00:00:00-5# Intervjuer: Hvor jobber du?\n\n")


def test_no_original_in_either(interview: Transcript) -> None:
    for name in ("maxqda", "nvivo"):
        text = render(name, interview).decode("utf-8-sig")
        assert not any(original in text for original in ORIGINALS)
