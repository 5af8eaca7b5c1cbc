"""Fødselsnummer: the Norwegian national identity number, with D-, H- and FH-numbers.

Eleven digits, written together or grouped («010190 12345», «010190-12345», «01 01 90 123 45»),
or spoken digit by digit or in pairs («null en null en nitti tolv tre fire fem»). A match counts
only if both check digits are right; ``stdnum.no.fodselsnummer`` checks them and the birth date,
and handles D-numbers (day + 40) and H-numbers (month + 40). FH-numbers (first digit 8 or 9,
no birth date by design) are accepted on their check digits alone.
"""

from __future__ import annotations

from typing import ClassVar

import regex as re
from presidio_analyzer import Pattern
from stdnum.no import fodselsnummer

from anonymizer import labels
from anonymizer.recognizers import _numbers
from anonymizer.recognizers._base import NorwegianPatternRecognizer

_DIGITS = r"(?<![\d,.]|\d[ -])\d(?:[ -]?\d){10}(?![ -]?\d|[,.]\d)"
_SPOKEN = _numbers.run(6, 11)


def is_valid(number: str) -> bool:
    """Whether ``number`` (11 digits, separators allowed) is a valid fødselsnummer, D-, H- or
    FH-number."""
    digits = fodselsnummer.compact(number)
    if len(digits) != 11 or not digits.isdigit():
        return False
    if fodselsnummer.is_valid(digits):
        return True
    return digits[0] in "89" and _check_digits_ok(digits)


def _check_digits_ok(digits: str) -> bool:
    return (
        digits[9] == fodselsnummer.calc_check_digit1(digits[:9])
        and digits[10] == fodselsnummer.calc_check_digit2(digits[:10])
    )


class FodselsnummerRecognizer(NorwegianPatternRecognizer):
    """Finds fødselsnummer, D-, H- and FH-numbers whose check digits are right."""

    ENTITY: ClassVar[str] = labels.FODSELSNUMMER
    PATTERNS: ClassVar[tuple[Pattern, ...]] = (
        Pattern("fødselsnummer (digits)", _DIGITS, 0.5),
        Pattern("fødselsnummer (spoken)", _SPOKEN, 0.5),
    )
    CONTEXT: ClassVar[tuple[str, ...]] = (
        "fødselsnummer", "fødselsnummeret", "personnummer", "personnummeret", "fnr",
        "d-nummer", "d-nummeret", "h-nummer", "identitetsnummer", "personnr",
    )

    def validate_result(self, pattern_text: str) -> bool:
        """Check digits (and birth date, unless an FH-number) are right."""
        if re.search(r"\d", pattern_text):
            return is_valid(pattern_text)
        return is_valid(_numbers.spoken_digits(pattern_text))
