"""FodselsnummerRecognizer: valid, invalid and regression cases."""

from __future__ import annotations

import pytest
import regex as re

from anonymizer import labels
from anonymizer.recognizers.fodselsnummer import FodselsnummerRecognizer, is_valid
from tests.anonymizer.helpers import matches

RECOGNIZER = FodselsnummerRecognizer()


def found(text: str, flags: int | None = None) -> list[str]:
    return matches(RECOGNIZER, labels.FODSELSNUMMER, text, flags)


def with_check_digits(nine: str) -> str:
    """The eleven-digit number with both mod-11 check digits, computed here independently."""
    digits = [int(c) for c in nine]
    k1 = (11 - sum(w * d for w, d in zip((3, 7, 6, 1, 8, 9, 4, 5, 2), digits, strict=True))) % 11
    digits.append(k1)
    weights = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
    k2 = (11 - sum(w * d for w, d in zip(weights, digits, strict=True))) % 11
    assert k1 < 10 and k2 < 10, f"{nine} has no valid check digits"
    return nine + str(k1) + str(k2)


FNR = with_check_digits("150586499")  # 15.05.1986
FNR_2004 = with_check_digits("290204600")  # 29.02.2004, a leap day
D_NUMBER = with_check_digits("550586490")  # day + 40
H_NUMBER = with_check_digits("154586490")  # month + 40
FH_NUMBER = with_check_digits("812345678")  # no birth date by design
SPACED = f"{FNR[:6]} {FNR[6:]}"
DASHED = f"{FNR[:6]}-{FNR[6:]}"


def wrong_check_digit(number: str) -> str:
    return number[:-1] + str((int(number[-1]) + 1) % 10)


def test_generated_numbers_are_what_stdnum_says() -> None:
    from stdnum.no import fodselsnummer

    assert FNR == "15058649926"
    assert all(fodselsnummer.is_valid(n) for n in (FNR, FNR_2004, D_NUMBER, H_NUMBER))
    assert not fodselsnummer.is_valid(FH_NUMBER)  # stdnum refuses FH-numbers; we accept them


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"Fødselsnummeret mitt er {FNR}.", [FNR]),
        (f"fnr: {SPACED}", [SPACED]),
        (f"Personnummer {DASHED}, ja.", [DASHED]),
        (f"Det står {FNR[:2]} {FNR[2:4]} {FNR[4:6]} {FNR[6:9]} {FNR[9:]} på kortet",
         [f"{FNR[:2]} {FNR[2:4]} {FNR[4:6]} {FNR[6:9]} {FNR[9:]}"]),
        (f"D-nummeret er {D_NUMBER}", [D_NUMBER]),
        (f"H-nummer {H_NUMBER}", [H_NUMBER]),
        (f"hjelpenummer {FH_NUMBER}", [FH_NUMBER]),
        (f"født på skuddagen: {FNR_2004}", [FNR_2004]),
        (f"to numre: {FNR} og {D_NUMBER}", [FNR, D_NUMBER]),
        ("det er en fem null fem åtte seks fire ni ni to seks, ja",
         ["en fem null fem åtte seks fire ni ni to seks"]),
        ("Femten null fem åttiseks fire ni ni tjueseks",
         ["Femten null fem åttiseks fire ni ni tjueseks"]),
    ],
)
def test_finds_valid_numbers(text: str, expected: list[str]) -> None:
    assert found(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        f"Fødselsnummeret mitt er {wrong_check_digit(FNR)}.",  # checksum
        f"D-nummer {wrong_check_digit(D_NUMBER)}",
        f"{FNR[:6]}  {FNR[6:]}",  # two spaces: two numbers
        f"1{FNR}",  # twelve digits: part of a longer number
        f"{FNR}1",
        f"kontonummer 1{SPACED}",
        f"{FNR[:5]}",
        with_check_digits("290200123"),  # 29.02.1900 does not exist
        with_check_digits("311299876"),  # individual number 876 has no century for '99
        "kl. 14.30 den 12.03.2021 betalte jeg 12 000 kroner",
        "femten null fem åttiseks fire ni ni tjuesju",  # spoken, wrong check digit
        "en to tre fire fem seks sju åtte ni ti elleve",
    ],
)
def test_rejects_invalid(text: str) -> None:
    assert found(text) == []


@pytest.mark.parametrize(
    ("number", "valid"),
    [(FNR, True), (SPACED, True), (DASHED, True), (D_NUMBER, True), (H_NUMBER, True),
     (FH_NUMBER, True), (wrong_check_digit(FNR), False), (FNR[:-1], False), ("abcdefghijk", False),
     (wrong_check_digit(FH_NUMBER), False)],
)
def test_is_valid(number: str, valid: bool) -> None:
    assert is_valid(number) is valid


def test_valid_match_scores_full() -> None:
    results = RECOGNIZER.analyze(FNR, entities=[labels.FODSELSNUMMER], nlp_artifacts=None)
    assert [r.score for r in results] == [1.0]


def test_contract() -> None:
    assert RECOGNIZER.supported_language == "nb"
    assert RECOGNIZER.supported_entities == [labels.FODSELSNUMMER]
    assert not RECOGNIZER.global_regex_flags & re.IGNORECASE
    assert "fødselsnummer" in RECOGNIZER.context


def test_spoken_words_case_insensitive_even_with_ignorecase_flags() -> None:
    text = "EN FEM NULL FEM ÅTTE SEKS FIRE NI NI TO SEKS"
    assert found(text, flags=re.IGNORECASE | re.DOTALL) == [text]
