"""Plain text: one paragraph per segment, with its start time (unless the context leaves times
out) and speaker when known; with line numbers, each paragraph (one line) is numbered."""

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
        stamp = f"[{format_timestamp(segment.start)}] " if context.timestamps else ""
        paragraphs.append(f"{stamp}{speaker}{text}")
    if context.line_numbers:  # one line per paragraph: number the paragraphs' lines
        paragraphs = [f"{number:>4}  {line}" for number, line in enumerate(paragraphs, start=1)]
    return ("\n\n".join(paragraphs) + "\n").encode("utf-8")
