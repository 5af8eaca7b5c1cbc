"""One interface for every diarisation backend, and the registry that finds them by name.

A backend is built once per worker from the settings and then called per recording:

    diarizer = load_backend("builtin", settings)
    turns = diarizer(samples, SpeakerHints(num_speakers=2))

It returns *exclusive* speaker turns (no two turns overlap) as a ``pyannote.core.Annotation``
with labels ``SPEAKER_00``, ``SPEAKER_01``, ... in order of first appearance, and, where the
backend can tell, where two voices overlap. Backend modules are imported only when asked for,
so the CLI does not pay for torch or pyannote it does not use.
"""

from __future__ import annotations

import importlib
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt
from pyannote.core import Annotation, Segment, Timeline

from service.config import Settings
from service.errors import IntervjuError
from service.progress import Hook, no_op_hook

MAX_SPEAKERS = 10

# name -> module that registers it on import (kept lazy: torch and pyannote are heavy)
_MODULES = {
    "builtin": "service.diarization.builtin",
    "pyannote": "service.diarization.pyannote_backend",
}
_FACTORIES: dict[str, Callable[[Settings], Diarizer]] = {}


@dataclass(frozen=True)
class SpeakerHints:
    """What the researcher knows about the number of speakers; ``None`` means unknown."""

    num_speakers: int | None = None
    min_speakers: int | None = None
    max_speakers: int | None = None

    def __post_init__(self) -> None:
        for value in (self.num_speakers, self.min_speakers, self.max_speakers):
            if value is not None and not 1 <= value <= MAX_SPEAKERS:
                raise IntervjuError("diarization.speakers_out_of_range", limit=MAX_SPEAKERS)
        low, high = self.min_speakers or 1, self.max_speakers or MAX_SPEAKERS
        if low > high or (self.num_speakers is not None and not low <= self.num_speakers <= high):
            raise IntervjuError("diarization.speakers_inconsistent")

    def bounds(self, default_max: int) -> tuple[int, int]:
        """The smallest and largest speaker count to consider."""
        if self.num_speakers is not None:
            return self.num_speakers, self.num_speakers
        low = self.min_speakers or 1
        return low, max(low, self.max_speakers or default_max)


@dataclass(frozen=True)
class Diarization:
    """Exclusive speaker turns, and the stretches where two or more voices overlap."""

    turns: Annotation
    overlap: Timeline

    @property
    def speakers(self) -> list[str]:
        return sorted(str(label) for label in self.turns.labels())


class Diarizer(Protocol):
    """A loaded backend: audio (16 kHz mono float32) in, speaker turns out."""

    name: str

    def __call__(
        self,
        samples: npt.NDArray[np.float32],
        hints: SpeakerHints,
        hook: Hook = no_op_hook,
        speech: Sequence[tuple[float, float]] | None = None,
    ) -> Diarization:
        """``speech``: speech regions (seconds) already found by the caller; may be ignored."""
        ...


def register_backend(
    name: str,
) -> Callable[[Callable[[Settings], Diarizer]], Callable[[Settings], Diarizer]]:
    """Class or function decorator: ``factory(settings)`` builds the backend ``name``."""

    def decorate(factory: Callable[[Settings], Diarizer]) -> Callable[[Settings], Diarizer]:
        _FACTORIES[name] = factory
        return factory

    return decorate


def backend_names() -> list[str]:
    return sorted(_MODULES.keys() | _FACTORIES.keys())


def load_backend(name: str, settings: Settings) -> Diarizer:
    """Build the backend ``name`` (its models load here, once)."""
    if name not in _FACTORIES and name in _MODULES:
        importlib.import_module(_MODULES[name])
    if name not in _FACTORIES:
        raise IntervjuError(
            "diarization.unknown_backend", name=name, known=", ".join(backend_names())
        )
    return _FACTORIES[name](settings)


def choose_device(setting: str, cuda_available: bool) -> str:
    """``cuda`` when asked for, or on ``auto`` when torch sees a GPU; else ``cpu``."""
    if setting == "cuda" and not cuda_available:
        raise IntervjuError("diarization.cuda_missing")
    return "cuda" if setting == "cuda" or (setting == "auto" and cuda_available) else "cpu"


def exclusive(annotation: Annotation) -> Annotation:
    """Relabel ``SPEAKER_00``... by first appearance and make turns exclusive.

    Where turns overlap, the overlap goes to the turn that started last (the interruption);
    touching turns of one speaker are joined.
    """
    turns = sorted(
        (float(seg.start), float(seg.end), str(label))
        for seg, _, label in annotation.itertracks(yield_label=True)
    )
    names: dict[str, str] = {}
    for _, _, label in turns:
        names.setdefault(label, f"SPEAKER_{len(names):02d}")
    points = sorted({t for start, end, _ in turns for t in (start, end)})
    pieces: list[tuple[float, float, str]] = []
    active: list[tuple[float, float, str]] = []
    waiting = iter(turns)
    upcoming = next(waiting, None)
    for left, right in itertools.pairwise(points):
        while upcoming is not None and upcoming[0] <= left:
            active.append(upcoming)
            upcoming = next(waiting, None)
        active = [turn for turn in active if turn[1] >= right]
        if not active:
            continue
        label = names[max(active, key=lambda turn: turn[0])[2]]
        if pieces and pieces[-1][2] == label and left - pieces[-1][1] < 0.01:
            pieces[-1] = (pieces[-1][0], right, label)
        else:
            pieces.append((left, right, label))
    result = Annotation()
    for start, end, label in pieces:
        result[Segment(start, end)] = label
    return result


__all__ = [
    "Diarization",
    "Diarizer",
    "SpeakerHints",
    "backend_names",
    "choose_device",
    "exclusive",
    "load_backend",
    "register_backend",
]
