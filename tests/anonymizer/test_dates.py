"""DateRecognizer and AgeRecognizer: valid, invalid and regression cases."""

from __future__ import annotations

import pytest
import regex as re

from anonymizer import labels
from anonymizer.recognizers.dates import AgeRecognizer, DateRecognizer, date_parts
from tests.anonymizer.helpers import matches

DATES = DateRecognizer()
AGES = AgeRecognizer()


def found(recognizer: DateRecognizer | AgeRecognizer, text: str) -> list[str]:
    return matches(recognizer, recognizer.supported_entities[0], text, min_score=0.4)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Det skjedde 12. mars 2021.", ["12. mars 2021"]),
        ("Datoen var 12.03.2021, tror jeg", ["12.03.2021"]),
        ("fra 1.2.10 til 3/4/2011", ["1.2.10", "3/4/2011"]),
        ("legetimen 12/3-21", ["12/3-21"]),
        ("registrert 2021-03-12", ["2021-03-12"]),
        ("Hun flyttet i mars 2019.", ["mars 2019"]),
        ("Mai 2019 var tøff", ["Mai 2019"]),
        ("Han ble født den tolvte mars", ["tolvte mars"]),
        ("den tolvte i tredje", ["tolvte i tredje"]),
        ("Den trettiførste desember 1999", ["trettiførste desember 1999"]),
        ("Mandag 12. mars var jeg syk", ["Mandag 12. mars"]),
        ("fredag den 3. juni", ["fredag den 3. juni"]),
        ("17. mai og 24. des.", ["17. mai", "24. des."]),
        ("den 12.3. kom hun", ["12.3."]),
        ("på tirsdag 4.5 hadde vi møte", ["tirsdag 4.5"]),
        ("12 mai", ["12 mai"]),
    ],
)
def test_finds_dates(text: str, expected: list[str]) -> None:
    assert found(DATES, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Mai og juni var fine.",  # a bare month is not a date
        "Vi snakket med Mai i går.",
        "Det var i 2019.",  # a bare year is not a date
        "Jeg har mars-ferie",
        "Vi møttes kl. 14.30.",
        "Lønna økte med 12.3 prosent",
        "31.02.2021",  # does not exist
        "30. februar",
        "29.02.2021",
        "12.13.2021",
        "Det kostet 12 000 kroner",
        "en mars mot Oslo",
        "MARS 2019",
    ],
)
def test_ignores_non_dates(text: str) -> None:
    assert found(DATES, text) == []


def test_leap_day() -> None:
    assert found(DATES, "29.02.2020") == ["29.02.2020"]


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("12. mars 2021", (12, 3, 2021)),
        ("12.03.21", (12, 3, 2021)),
        ("2021-03-12", (12, 3, 2021)),
        ("mars 2019", (None, 3, 2019)),
        ("tolvte i tredje", (12, 3, None)),
        ("fredag den 3. juni", (3, 6, None)),
    ],
)
def test_date_parts(text: str, parts: tuple[int | None, int | None, int | None]) -> None:
    assert date_parts(text) == parts


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hun er 34 år gammel.", ["34 år gammel"]),
        ("Trettifire år gammel var han", ["Trettifire år gammel"]),
        ("hun er 34", ["34"]),
        ("Hun er 34, og bor alene", ["34"]),
        ("han var bare sytten i 2005", ["sytten"]),
        ("34-åringen kom inn", ["34-åringen"]),
        ("en 34-årig kvinne", ["34-årig"]),
        ("femtiåringen", ["femtiåringen"]),
        ("Hun er i trettiårene", ["trettiårene"]),
        ("midt i 40-årene", ["40-årene"]),
        ("han ble femti år i fjor", ["femti år"]),
        ("hun fyller 60 til sommeren", ["60"]),
        ("i en alder av 34 år", ["34 år"]),
        ("Moren fylte førti.", ["førti"]),
    ],
)
def test_finds_ages(text: str, expected: list[str]) -> None:
    assert found(AGES, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Jeg jobbet der i femti år.",  # a duration (scores below the threshold)
        "Det er 20 år siden.",
        "Hun er en fantastisk person.",
        "Vi er 4 i familien.",
        "Hun er 34 minutter forsinket.",
        "i 1930-årene",
        "Han er 34 kroner fattigere",
        "De var to eller tre.",
    ],
)
def test_ignores_non_ages(text: str) -> None:
    assert found(AGES, text) == []


def test_bare_years_score_low() -> None:
    results = AGES.analyze("femti år", [labels.AGE])
    assert [r.score for r in results] == [0.3]


@pytest.mark.parametrize(("recognizer", "label"), [(DATES, labels.DATE), (AGES, labels.AGE)])
def test_contract(recognizer: DateRecognizer | AgeRecognizer, label: str) -> None:
    assert recognizer.supported_language == "nb"
    assert recognizer.supported_entities == [label]
    assert not recognizer.global_regex_flags & re.IGNORECASE
    assert recognizer.context


def test_stays_case_sensitive_when_the_caller_passes_ignorecase() -> None:
    text = "MAI 2019 og 12. MARS"
    results = DATES.analyze(text, [labels.DATE], regex_flags=re.IGNORECASE | re.DOTALL)
    assert results == []
