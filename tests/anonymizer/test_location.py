"""Places: municipalities, counties, postal places, «X kommune», inflected forms."""

from __future__ import annotations

import pytest

from anonymizer import Anonymizer, labels

PLACES = (labels.MUNICIPALITY, labels.LOCATION)


def places(detector: Anonymizer, text: str) -> list[tuple[str, str]]:
    return [(text[s.start:s.end], s.label) for s in detector.analyze(text) if s.label in PLACES]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Jeg vokste opp i Sandnes.", [("Sandnes", labels.MUNICIPALITY)]),
        ("Bodøs ordfører var der.", [("Bodøs", labels.MUNICIPALITY)]),
        ("Hun flyttet til Mo i Rana i fjor.", [("Mo i Rana", labels.LOCATION)]),
        ("Han jobbet i Sandnes kommune.", [("Sandnes kommune", labels.MUNICIPALITY)]),
        ("Vi bodde i Indre Østfold.", [("Indre Østfold", labels.MUNICIPALITY)]),
        ("Familien kommer fra Nordland.", [("Nordland", labels.LOCATION)]),
        ("Vi hadde hytte i Time.", [("Time", labels.MUNICIPALITY)]),
        ("Time kommune har et lavterskeltilbud.", [("Time kommune", labels.MUNICIPALITY)]),
        ("Etter det flyttet vi til Kautokeino.", [("Kautokeino", labels.MUNICIPALITY)]),
    ],
)
def test_places_are_found(detector: Anonymizer, text: str, expected: list[tuple[str, str]]
                          ) -> None:
    assert places(detector, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Det tok en time å kjøre dit.",
        "Vi gikk en tur langs sjøen.",
        "Time etter time satt vi og ventet.",
        "Kommunen ga oss ingen hjelp.",
        "Det var en vik med mye is.",
    ],
)
def test_ordinary_words_are_not_places(detector: Anonymizer, text: str) -> None:
    assert places(detector, text) == []


def test_the_same_place_keeps_its_tag(anonymizer: Anonymizer) -> None:
    text = "Jeg bodde i Sandnes. Sandnes kommune hjalp meg. Bodø var verre enn Sandnes."
    assert anonymizer.anonymize(text).text == (
        "Jeg bodde i [kommune 1]. [kommune 1] hjalp meg. [kommune 2] var verre enn [kommune 1]."
    )
