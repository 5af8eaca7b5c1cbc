"""Names of people: name lists, Apertium, capitalisation, and the context that decides."""

from __future__ import annotations

import pytest

from anonymizer import Anonymizer, labels
from tests.anonymizer.helpers import found

PERSON = labels.PERSON


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Jeg snakket med Kari Hansen i går.", ["Kari Hansen"]),
        ("Kari ringte meg på mandag.", ["Kari"]),
        ("Så kom Mohammed inn på kontoret.", ["Mohammed"]),
        ("Det var Aleksandra som hjalp meg mest.", ["Aleksandra"]),
        ("Karis mann var ikke hjemme.", ["Karis"]),
        ("Jeg ringte Per og Liv etterpå.", ["Per", "Liv"]),
        ("Vi snakket med Dag Solberg om det.", ["Dag Solberg"]),
        ("Da kom Bjørn og Stein inn samtidig.", ["Bjørn", "Stein"]),
        ("Veilederen min, Sol Berg, var flink.", ["Sol Berg"]),
        ("Per sa at han ikke orket mer.", ["Per"]),
        ("Kari-Anne Nilsen flyttet i fjor.", ["Kari-Anne Nilsen"]),
    ],
)
def test_names_are_found(detector: Anonymizer, text: str, names: list[str]) -> None:
    assert found(detector, text, PERSON) == names


@pytest.mark.parametrize(
    "text",
    [
        "Per i dag er det vanskelig å få hjelp.",
        "Mai og juni var de verste månedene.",
        "Hans mor var syk den vinteren.",
        "Dag for dag ble det bedre.",
        "Liv og helse er det viktigste.",
        "Stein på stein bygde vi det opp igjen.",
        "Sol og varme hjelper på humøret.",
        "Han sa at han ikke orket mer.",
        "Det koster 200 kroner per time.",
        "Vi hadde et godt liv der.",
    ],
)
def test_words_that_are_also_names_stay(detector: Anonymizer, text: str) -> None:
    assert found(detector, text, PERSON) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Jeg snakket med a Kari i går.", "Jeg snakket med [navn 1] i går."),
        ("Så sa han Per at han ville slutte.", "Så sa [navn 1] at hun ville slutte."),
        ("Kari Hansen ringte. Etterpå ringte Kari igjen.",
         "[navn 1] ringte. Etterpå ringte [navn 1] igjen."),
        ("Kari og Per kom, og Kari gikk først.",
         "[navn 1] og [navn 2] kom, og [navn 1] gikk først."),
        ("Karis bror kjente Kari godt.", "[navn 1]s bror kjente [navn 1] godt."),
    ],
)
def test_names_become_numbered_tags(anonymizer: Anonymizer, text: str, expected: str) -> None:
    assert anonymizer.anonymize(text).text == expected
