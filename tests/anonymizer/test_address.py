"""AddressRecognizer and the gazetteer package data: valid, invalid and regression cases."""

from __future__ import annotations

from pathlib import Path

import pytest
import regex as re

from anonymizer import data, labels
from anonymizer.data import build_gazetteers
from anonymizer.recognizers.address import AddressRecognizer
from tests.anonymizer.helpers import matches

RECOGNIZER = AddressRecognizer()
SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "gazetteers"


def found(text: str, flags: int | None = None) -> list[str]:
    return matches(RECOGNIZER, labels.ADDRESS, text, flags)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Jeg bor i Storgata 12 i Bodø.", ["Storgata 12"]),
        ("Kontoret ligger i Kongens gate 5B.", ["Kongens gate 5B"]),
        ("Hun bodde i Ole Vigs vei 3, 7030 Trondheim", ["Ole Vigs vei 3", "7030 Trondheim"]),
        ("adressen er Bjørkeveien 14 A", ["Bjørkeveien 14 A"]),
        ("Bjørkeveien 14 Anne var der", ["Bjørkeveien 14"]),
        ("Karl Johans gate 22, 0159 Oslo", ["Karl Johans gate 22", "0159 Oslo"]),
        ("Sankt Olavs plass 1", ["Sankt Olavs plass 1"]),
        ("Øvre Slottsgate 3", ["Øvre Slottsgate 3"]),
        ("Vi flyttet til Solbakken 7 og så til Fjellia 2", ["Solbakken 7", "Fjellia 2"]),
        ("Markveien 35b", ["Markveien 35b"]),
        ("Storgata tolv, ved torget", ["Storgata tolv"]),
        ("Hei Ole Vigs vei 3", ["Ole Vigs vei 3"]),  # no greeting in the street name
        ("I Storgata 12.", ["Storgata 12"]),
        ("Han bor i Olsens vei 4", ["Olsens vei 4"]),
        ("postadresse Postboks 123 Sentrum", ["Postboks 123"]),
        ("8006 Bodø", ["8006 Bodø"]),
        ("0150 OSLO", ["0150 OSLO"]),
        ("Hun flyttet til 8607 Mo i Rana i fjor", ["8607 Mo i Rana"]),
        ("postnummer 9990 båtsfjord", ["9990 båtsfjord"]),
    ],
)
def test_finds_addresses(text: str, expected: list[str]) -> None:
    assert found(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Storgata er fin om sommeren.",  # a street without a number is a place
        "Jeg bodde i Storgata 12 år.",  # a duration, not a house number
        "Kari Bakken 34",  # a person: surnames like «Bakken» need a name before the suffix
        "Per Haugen 12",
        "Storgata en gang til",
        "I 2019 Bergen var det gøy",  # 2019 is not Bergen's postal code
        "8006 Tromsø",  # the code belongs to Bodø
        "0150 Oslogata",
        "storgata 12",  # lower case is not a name
        "Jeg bor i Storgata 1234567",
    ],
)
def test_ignores_non_addresses(text: str) -> None:
    assert found(text) == []


def test_postal_match_is_certain() -> None:
    results = RECOGNIZER.analyze("8006 Bodø", [labels.ADDRESS])
    assert [r.score for r in results] == [1.0]


def test_contract() -> None:
    assert RECOGNIZER.supported_language == "nb"
    assert RECOGNIZER.supported_entities == [labels.ADDRESS]
    assert not RECOGNIZER.global_regex_flags & re.IGNORECASE
    assert "adresse" in RECOGNIZER.context


def test_stays_case_sensitive_when_the_caller_passes_ignorecase() -> None:
    assert found("kari bakken 34 og storgata 12", flags=re.IGNORECASE) == []


def test_package_data() -> None:
    assert data.postal_places()["8006"] == "Bodø"
    assert data.postal_places()["0150"] == "Oslo"
    assert {"Mo i Rana", "Bodø", "Oslo"} <= data.postal_place_names()
    assert {"Bodø", "Kautokeino", "Guovdageaidnu", "Aurskog-Høland"} <= data.municipalities()
    assert {"Nordland", "Møre og Romsdal"} <= data.counties()
    assert len(data.counties()) == 15


@pytest.mark.skipif(not SHARED.is_dir(), reason="the shared gazetteers are not checked out")
def test_package_data_is_built_from_the_shared_gazetteers(tmp_path: Path) -> None:
    build_gazetteers.build(SHARED, tmp_path)
    for name in ("postal_places.txt", "municipalities.txt", "counties.txt", "LICENSE-gazetteers"):
        assert (tmp_path / name).read_bytes() == (build_gazetteers.DATA / name).read_bytes(), name
