"""Subtitles: SubRip (.srt) with the speaker before the text, WebVTT (.vtt) with voice tags
(``<v Intervjuer>``). Cues come from ``service.exporters.cues``."""

from __future__ import annotations

from service.exporters import DEFAULT_CONTEXT, ExportContext, register_exporter
from service.exporters.cues import Cue, cues, wrap
from service.transcript import Transcript


def subtitle_time(seconds: float, separator: str) -> str:
    """``3725.4`` -> ``01:02:05,400`` (SRT) or ``01:02:05.400`` (VTT)."""
    millis = round(seconds * 1000)
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{millis:03d}"


@register_exporter(
    "srt",
    media_type="application/x-subrip; charset=utf-8",
    extension="srt",
    description="SubRip subtitles, the speaker before the text.",
)
def render_srt(transcript: Transcript, context: ExportContext = DEFAULT_CONTEXT) -> bytes:
    blocks = []
    previous: str | None = None
    for number, cue in enumerate(cues(transcript), start=1):
        lines = list(cue.lines)
        if cue.speaker and cue.speaker != previous:  # wrapped again with the speaker in front
            lines = list(wrap(f"{cue.speaker}: {' '.join(cue.lines)}"))
        previous = cue.speaker
        timing = f"{subtitle_time(cue.start, ',')} --> {subtitle_time(cue.end, ',')}"
        blocks.append("\n".join([str(number), timing, *lines]))
    return "".join(f"{block}\n\n" for block in blocks).encode("utf-8")


@register_exporter(
    "vtt",
    media_type="text/vtt; charset=utf-8",
    extension="vtt",
    description="WebVTT subtitles with the speaker as a voice tag (<v Intervjuer>).",
)
def render_vtt(transcript: Transcript, context: ExportContext = DEFAULT_CONTEXT) -> bytes:
    blocks = ["WEBVTT"]
    for cue in cues(transcript):
        timing = f"{subtitle_time(cue.start, '.')} --> {subtitle_time(cue.end, '.')}"
        blocks.append("\n".join([timing, *_vtt_lines(cue)]))
    return "".join(f"{block}\n\n" for block in blocks).encode("utf-8")


def _vtt_lines(cue: Cue) -> list[str]:
    lines = [_escape(line) for line in cue.lines]
    if cue.speaker:
        voice = " ".join(_escape(cue.speaker).split())
        lines[0] = f"<v {voice}>{lines[0]}"
        lines[-1] = f"{lines[-1]}</v>"
    return lines


def _escape(text: str) -> str:
    """WebVTT cue text escapes ``&``, ``<`` and ``>``; ``-->`` may not appear at all."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text
