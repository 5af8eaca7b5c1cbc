"""Workplaces: NAV offices, schools, nursing homes, clinics, DPS and named units."""

from __future__ import annotations

import pytest

from anonymizer import Anonymizer, labels
from tests.anonymizer.helpers import found


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Jeg var på NAV Bodø i går.", ["NAV Bodø"]),
        ("Saksbehandleren på Nav Grünerløkka ringte.", ["Nav Grünerløkka"]),
        ("Hun bor på Solhaug sykehjem.", ["Solhaug sykehjem"]),
        ("Han går på Bodø videregående skole.", ["Bodø videregående skole"]),
        ("Jeg fikk plass på Salten DPS etter det.", ["Salten DPS"]),
        ("Han ble innlagt på DPS Salten.", ["DPS Salten"]),
        ("Hun ble flyttet til Nordlandssykehuset.", ["Nordlandssykehuset"]),
        ("Jeg jobber i mestringsenheten i Bodø.", ["mestringsenheten i Bodø"]),
        ("Legen på Rønvik legesenter henviste meg.", ["Rønvik legesenter"]),
    ],
)
def test_workplaces_are_found(detector: Anonymizer, text: str, expected: list[str]) -> None:
    assert found(detector, text, labels.ORGANIZATION) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Jeg har vært på NAV mange ganger.",
        "Skolen ringte meg om det.",
        "Hun bor på sykehjem nå.",
        "Kommunen har ansvaret for tilbudet.",
    ],
)
def test_generic_institutions_stay(detector: Anonymizer, text: str) -> None:
    assert found(detector, text) == []
