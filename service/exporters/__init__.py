"""Exporter registry: every output format registers itself the same way (after datasette).

>>> from service.exporters import get_exporter
>>> get_exporter("txt").render(transcript)  # bytes
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from service.errors import IntervjuError
from service.transcript import Transcript

Render = Callable[[Transcript], bytes]


@dataclass(frozen=True)
class Exporter:
    name: str
    media_type: str
    extension: str
    description: str
    render: Render


_REGISTRY: dict[str, Exporter] = {}


def register_exporter(
    name: str, *, media_type: str, extension: str, description: str
) -> Callable[[Render], Render]:
    """Register ``render`` as the exporter called ``name``."""

    def decorator(render: Render) -> Render:
        if name in _REGISTRY:
            raise ValueError(f"exporter {name!r} is already registered")
        _REGISTRY[name] = Exporter(name, media_type, extension, description, render)
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
from service.exporters import json_export, rttm, txt  # noqa: E402, F401
