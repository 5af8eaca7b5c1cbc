"""PhoneRecognizer: valid, invalid and regression cases."""

from __future__ import annotations

import pytest
import regex as re

from anonymizer import labels
from anonymizer.recognizers.phone import PhoneRecognizer, spoken_number
from tests.anonymizer.helpers import matches

RECOGNIZER = PhoneRecognizer()


def found(text: str, flags: int | None = None) -> list[str]:
    return matches(RECOGNIZER, labels.PHONE, text, flags)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Du kan ringe meg på 92 34 56 78.", ["92 34 56 78"]),
        ("Mobilen er 92345678, sentralbordet 22 33 44 55", ["92345678", "22 33 44 55"]),
        ("Ring 223 34 455 i morgen", ["223 34 455"]),
        ("nummeret er 412 34 567", ["412 34 567"]),
        ("landlinja var 51 23 45 67 og 61 23 45 67", ["51 23 45 67", "61 23 45 67"]),
        ("+47 92 34 56 78", ["+47 92 34 56 78"]),
        ("ring +4792345678!", ["+4792345678"]),
        ("0047 92 34 56 78", ["0047 92 34 56 78"]),
        ("(+47) 73 12 34 56", ["(+47) 73 12 34 56"]),
        ("Ring meg på ni to tre fire fem seks sju åtte.", ["ni to tre fire fem seks sju åtte"]),
        ("Nittito trettifire femtiseks syttiåtte, sa hun",
         ["Nittito trettifire femtiseks syttiåtte"]),
        ("det er ni to, tre fire, fem seks, sju åtte", ["ni to, tre fire, fem seks, sju åtte"]),
        ("nummeret er fire ni tjueto tretti fire femti", ["fire ni tjueto tretti fire femti"]),
        ("ring ni-to tre-fire fem-seks sju-åtte", ["ni-to tre-fire fem-seks sju-åtte"]),
        ("nummeret er to og nitti trettifire femtiseks syttiåtte",
         ["to og nitti trettifire femtiseks syttiåtte"]),
        ("pluss førtisju ni to tre fire fem seks sju åtte",
         ["pluss førtisju ni to tre fire fem seks sju åtte"]),
        ("null null førtisju nittito trettifire femtiseks syttiåtte",
         ["null null førtisju nittito trettifire femtiseks syttiåtte"]),
        ("NI TO TRE FIRE FEM SEKS SJU ÅTTE", ["NI TO TRE FIRE FEM SEKS SJU ÅTTE"]),
    ],
)
def test_finds_numbers(text: str, expected: list[str]) -> None:
    assert found(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Jeg jobbet der mellom 2019 og 2020.",
        "Det kostet 12 000 kroner, eller 12000 kr.",
        "Budsjettet var 20000000 kroner",
        "kr 92345678",
        "Lønna gikk opp 12 prosent, til 45 %.",
        "Vi møttes kl. 14.30 den 12.03.2021.",
        "Vi hadde to eller tre møter.",
        "en to tre fire fem seks sju åtte",  # counting, and starts with 1
        "to tre fire fem seks sju åtte ni",  # counting up from 2
        "ni åtte sju seks fem fire tre to",  # counting down
        "ni to tre fire fem seks sju",  # seven digits
        "ni to tre fire fem seks sju åtte ni",  # nine digits
        "12345678",  # no Norwegian number starts with 1
        "80012345",  # 800 numbers are services, not people
        "02345678",
        "923456789",  # nine digits
        "92 34 56 78 90",  # five pairs
        "1 92 34 56 78",
        "9234-5678",
        "92.34.56.78",
        "2019 2020",
        "12 000 000",
        "femten null fem åttiseks fire ni ni tjueseks",  # a spoken fødselsnummer
        "pluss førtiåtte ni to tre fire fem seks sju åtte",  # not Norway
    ],
)
def test_ignores_other_numbers(text: str) -> None:
    assert found(text) == []


@pytest.mark.parametrize(
    ("text", "digits"),
    [
        ("ni to tre fire fem seks sju åtte", "92345678"),
        ("nittito trettifire femtiseks syttiåtte", "92345678"),
        ("Pluss førti-sju ni to tre fire fem seks sju åtte", "92345678"),
        ("null null fire sju to to tre tre fire fire fem fem", "22334455"),
        ("en to tre fire fem seks sju åtte", None),
        ("ni to tre", None),
    ],
)
def test_spoken_number(text: str, digits: str | None) -> None:
    assert spoken_number(text) == digits


def test_scores() -> None:
    text = "+47 92 34 56 78 eller 92345678 eller ni to tre fire fem seks sju åtte"
    results = sorted(RECOGNIZER.analyze(text, [labels.PHONE]), key=lambda r: r.start)
    scores = [r.score for r in results]
    assert scores == [0.8, 0.6, 0.6]


def test_contract() -> None:
    assert RECOGNIZER.supported_language == "nb"
    assert RECOGNIZER.supported_entities == [labels.PHONE]
    assert not RECOGNIZER.global_regex_flags & re.IGNORECASE
    assert "telefonnummer" in RECOGNIZER.context


def test_stays_case_sensitive_when_the_caller_passes_ignorecase() -> None:
    # «NOK» (kroner) blocks a match; the word «nok» (enough) must not.
    assert found("ring 92345678 nok en gang", flags=re.IGNORECASE) == ["92345678"]
    assert found("92345678 NOK") == []
