"""The full transcript record as JSON (schema: ``service/schemas/transcript-<version>.json``)."""

from __future__ import annotations

from service.exporters import DEFAULT_CONTEXT, ExportContext, register_exporter
from service.transcript import Transcript


@register_exporter(
    "json",
    media_type="application/json",
    extension="json",
    description="Segments and words with times, confidence and flags (versioned schema).",
)
def render_json(transcript: Transcript, context: ExportContext = DEFAULT_CONTEXT) -> bytes:
    return transcript.model_dump_json(indent=2).encode("utf-8")
