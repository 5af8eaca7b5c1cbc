"""RTTM: one line per speaker turn (NIST's format, read by pyannote.metrics and dscore)."""

from __future__ import annotations

from service.exporters import DEFAULT_CONTEXT, ExportContext, register_exporter
from service.transcript import Transcript

URI = "intervju"


@register_exporter(
    "rttm",
    media_type="text/plain; charset=utf-8",
    extension="rttm",
    description="Speaker turns in NIST RTTM (for diarisation tools and metrics).",
)
def render_rttm(transcript: Transcript, context: ExportContext = DEFAULT_CONTEXT) -> bytes:
    lines = []
    for segment in transcript.segments:
        if segment.speaker is None or segment.end <= segment.start:
            continue
        name = transcript.speaker_name(segment.speaker) or segment.speaker
        speaker = "_".join(name.split())  # RTTM fields are space-separated
        duration = segment.end - segment.start
        lines.append(
            f"SPEAKER {URI} 1 {segment.start:.3f} {duration:.3f} <NA> <NA> {speaker} <NA> <NA>"
        )
    return "".join(f"{line}\n" for line in lines).encode("utf-8")
