"""Exporter registry: every output format registers itself the same way (after datasette).

>>> from service.exporters import ExportContext, get_exporter
>>> get_exporter("txt").render(transcript, ExportContext(informant_code="S1"))  # bytes

A renderer gets the transcript and the context it is exported in (project, informant code,
layout choices); it returns the file's bytes. Every format registers itself here, so the API
(``?format=``), ``intervju transcribe --format`` and ``intervju batch --format`` offer the same
list.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from service.errors import IntervjuError
from service.transcript import Transcript


@dataclass(frozen=True)
class ExportContext:
    """What an export knows besides the transcript. Only anonymised text is ever exported;
    ``originals`` (tag -> original words) is set only on a researcher's explicit request
    before verification, and the formats that can show it do."""

    project: str | None = None
    informant_code: str | None = None
    timestamps: bool = True
    line_numbers: bool = False
    # a REFI-QDA codebook (.qdc) to import into a .qdpx project: its path or its bytes
    codebook: Path | bytes | None = None
    originals: Mapping[str, str] | None = None
    # the language of headings and labels: "nb" (default) or "en"
    language: str = "nb"
    # the date shown as the export's date (None: today)
    exported_on: date | None = None


DEFAULT_CONTEXT = ExportContext()

Render = Callable[[Transcript, ExportContext], bytes]


@dataclass(frozen=True)
class Exporter:
    name: str
    media_type: str
    extension: str
    description: str
    render: Render
    # bytes that are not text (docx, qdpx): never echoed to a terminal
    binary: bool = False


_REGISTRY: dict[str, Exporter] = {}


def register_exporter(
    name: str, *, media_type: str, extension: str, description: str, binary: bool = False
) -> Callable[[Render], Render]:
    """Register ``render`` as the exporter called ``name``."""

    def decorator(render: Render) -> Render:
        if name in _REGISTRY:
            raise ValueError(f"exporter {name!r} is already registered")
        _REGISTRY[name] = Exporter(name, media_type, extension, description, render, binary)
        return render

    return decorator


def get_exporter(name: str) -> Exporter:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise IntervjuError(
            "export.unknown_format", name=name, choices=", ".join(exporter_names())
        ) from None


def exporter_names() -> list[str]:
    return sorted(_REGISTRY)


# Built-in formats register on import, through the same path a plug-in would use.
from service.exporters import (  # noqa: E402, F401
    docx_export,
    json_export,
    qda_text,
    qdpx,
    rttm,
    subtitles,
    txt,
)
