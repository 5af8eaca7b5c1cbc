"""Plain text with times that MAXQDA and NVivo link to the recording (click a passage, hear it).

``maxqda``: one paragraph per turn, a blank line between, each starting with its time in the
f4/f5 form MAXQDA reads as a timestamp, ``#hh:mm:ss-x#`` (x: tenths of a second), then
``Speaker: text``. Import with *Import > Transcripts (with timestamps)* and pick the recording.

``nvivo``: tab-separated rows ``Timespan<TAB>Speaker<TAB>Content`` under a header row, the
timespan as ``hh:mm:ss.x - hh:mm:ss.x``; every row has the same two tabs. Import into the audio
file's transcript with *Import Rows* ("File includes header row"; map Timespan, Speaker and
Content).

Pauses and inaudible stretches are rows of their own, without a speaker.
"""

from __future__ import annotations

from service.exporters import DEFAULT_CONTEXT, ExportContext, register_exporter
from service.exporters.layout import blocks, one_line
from service.transcript import Transcript

NVIVO_HEADER = ("Timespan", "Speaker", "Content")


def tenths(seconds: float) -> tuple[int, int, int, int]:
    """``3725.46`` -> ``(1, 2, 5, 5)``: hours, minutes, seconds, tenths (rounded)."""
    total = round(max(seconds, 0.0) * 10)
    whole, tenth = divmod(total, 10)
    return whole // 3600, whole % 3600 // 60, whole % 60, tenth


def maxqda_timestamp(seconds: float) -> str:
    """``3725.46`` -> ``#01:02:05-5#``."""
    hours, minutes, secs, tenth = tenths(seconds)
    return f"#{hours:02d}:{minutes:02d}:{secs:02d}-{tenth}#"


def nvivo_time(seconds: float) -> str:
    """``3725.46`` -> ``01:02:05.5``."""
    hours, minutes, secs, tenth = tenths(seconds)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{tenth}"


@register_exporter(
    "maxqda",
    media_type="text/plain; charset=utf-8",
    extension="txt",
    description="MAXQDA transcript with timestamps (#hh:mm:ss-x#) linked to the recording.",
)
def render_maxqda(transcript: Transcript, context: ExportContext = DEFAULT_CONTEXT) -> bytes:
    paragraphs = []
    for block in blocks(transcript, context):
        speaker = f"{block.speaker}: " if block.speaker else ""
        paragraphs.append(f"{maxqda_timestamp(block.start)} {speaker}{one_line(block.text)}")
    return "".join(f"{paragraph}\n\n" for paragraph in paragraphs).encode("utf-8")


@register_exporter(
    "nvivo",
    media_type="text/tab-separated-values; charset=utf-8",
    extension="txt",
    description="NVivo transcript rows (timespan, speaker, content; tab-separated).",
)
def render_nvivo(transcript: Transcript, context: ExportContext = DEFAULT_CONTEXT) -> bytes:
    rows = [NVIVO_HEADER]
    for block in blocks(transcript, context):
        timespan = f"{nvivo_time(block.start)} - {nvivo_time(block.end)}"
        rows.append((timespan, block.speaker or "", one_line(block.text)))
    # CRLF: NVivo is a Windows program; it reads LF too, but Notepad users see lines either way
    return "".join("\t".join(row) + "\r\n" for row in rows).encode("utf-8-sig")
