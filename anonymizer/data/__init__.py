"""Package data: Norwegian postal places, municipalities and counties (MIT, see LICENSE-gazetteers).

Built from the shared gazetteers by ``anonymizer.data.build_gazetteers``; read once and cached.
"""

from __future__ import annotations

from functools import cache
from importlib import resources


def _lines(name: str) -> list[str]:
    text = resources.files(__name__).joinpath(name).read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line.strip()]


@cache
def postal_places() -> dict[str, str]:
    """Four-digit postal code → postal place as written in the register («8006» → «Bodø»)."""
    return dict(line.split("\t", 1) for line in _lines("postal_places.txt"))


@cache
def postal_place_names() -> frozenset[str]:
    """Every postal place name («Bodø», «Mo i Rana», «Kardemomme By»)."""
    return frozenset(postal_places().values())


@cache
def municipalities() -> frozenset[str]:
    """Municipality names, official and Norwegian («Guovdageaidnu», «Kautokeino», «Bodø»)."""
    return frozenset(_lines("municipalities.txt"))


@cache
def counties() -> frozenset[str]:
    """County names («Nordland», «Møre og Romsdal»)."""
    return frozenset(_lines("counties.txt"))
