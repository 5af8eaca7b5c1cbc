"""Plain text: one paragraph per segment, with its start time and speaker when known."""

from __future__ import annotations

from service.exporters import DEFAULT_CONTEXT, ExportContext, register_exporter
from service.transcript import Transcript


def format_timestamp(seconds: float) -> str:
    """``3725.4`` -> ``01:02:05``."""
    total = int(seconds)
    return f"{total // 3600:02d}:{total % 3600 // 60:02d}:{total % 60:02d}"


@register_exporter(
    "txt",
    media_type="text/plain; charset=utf-8",
    extension="txt",
    description="Plain text, one paragraph per segment with its start time.",
)
def render_txt(transcript: Transcript, context: ExportContext = DEFAULT_CONTEXT) -> bytes:
    paragraphs = []
    for segment in transcript.segments:
        text = segment.text.strip()
        if not text:
            continue
        name = transcript.speaker_name(segment.speaker)
        speaker = f"{name}: " if name else ""
        paragraphs.append(f"[{format_timestamp(segment.start)}] {speaker}{text}")
    return ("\n\n".join(paragraphs) + "\n").encode("utf-8")
