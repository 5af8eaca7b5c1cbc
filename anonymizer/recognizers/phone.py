"""Norwegian telephone numbers: eight digits, written or spoken.

Written: «92345678», «92 34 56 78», «923 45 678», «22 33 44 55», «223 34 455», with «+47», «0047»
or «(+47)» in front. Mobile numbers start with 4 or 9, landlines with 2, 3, 5, 6 or 7; numbers
starting with 0, 1 or 8 (service and special numbers) are not personal and not matched.

Spoken, as Whisper writes it: digit by digit («ni to tre fire fem seks sju åtte»), in pairs
(«nittito trettifire femtiseks syttiåtte») or mixed, optionally after «pluss førtisju» or «null
null førtisju». The whole run of number words must add up to exactly eight digits, so counting
(«to eller tre», «en to tre fire fem seks sju åtte»), years and amounts are not phone numbers.
"""

from __future__ import annotations

from itertools import pairwise
from typing import ClassVar

import regex as re
from presidio_analyzer import Pattern

from anonymizer import labels
from anonymizer.recognizers import _numbers
from anonymizer.recognizers._base import NorwegianPatternRecognizer

_FIRST = "[2-79]"
_SPACE = r"[ \u00a0]"
_BODY = (
    rf"(?:{_FIRST}\d{{7}}"
    rf"|{_FIRST}\d(?:{_SPACE}\d\d){{3}}"
    rf"|{_FIRST}\d\d{_SPACE}\d\d{_SPACE}\d{{3}})"
)
_COUNTRY = r"(?:(?:\+|00)47|\(\+?47\))"
_BEFORE = r"(?<![\w+.,/-]|\d[ \u00a0]|\bkr\.?\s)"
_AFTER = r"(?![\w/]|[.,-]\d|[ \u00a0]\d|\s*(?:%|prosent|kroner|kr\b|NOK|millioner|mill\b))"
_PLUS = r"(?i:pluss\s+)"


class PhoneRecognizer(NorwegianPatternRecognizer):
    """Finds Norwegian eight-digit telephone numbers, written with digits or spoken as words."""

    ENTITY: ClassVar[str] = labels.PHONE
    PATTERNS: ClassVar[tuple[Pattern, ...]] = (
        Pattern("telefon (+47)", rf"{_BEFORE}{_COUNTRY}{_SPACE}?{_BODY}{_AFTER}", 0.8),
        Pattern("telefon (grupper)", rf"{_BEFORE}{_BODY}{_AFTER}", 0.6),
        Pattern("telefon (uttalt)", rf"\b{_PLUS}?{_numbers.run(4, 14)}", 0.6),
    )
    CONTEXT: ClassVar[tuple[str, ...]] = (
        "telefon", "telefonnummer", "telefonnummeret", "tlf", "mobil", "mobilnummer",
        "mobilnummeret", "nummer", "nummeret", "ring", "ringe", "ringte", "sms", "tekstmelding",
    )

    def invalidate_result(self, pattern_text: str) -> bool:
        """Drop spoken runs that are not exactly eight digits of a personal number."""
        if re.search(r"\d", pattern_text):
            return False
        return spoken_number(pattern_text) is None


def spoken_number(text: str) -> str | None:
    """The eight digits of a spoken telephone number, or None if ``text`` is not one.

    «pluss førtisju ni to …» and «null null førtisju …» lose their country code; the rest must
    be eight digits starting with 2–7 or 9 that are not just counted up or down («to tre fire …»).
    """
    digits = _numbers.spoken_digits(text)
    if text.casefold().startswith("pluss"):
        if not digits.startswith("47"):
            return None
        digits = digits[2:]
    elif len(digits) == 12 and digits.startswith("0047"):
        digits = digits[4:]
    if len(digits) != 8 or digits[0] not in "2345679" or _counted(digits):
        return None
    return digits


def _counted(digits: str) -> bool:
    steps = {int(b) - int(a) for a, b in pairwise(digits)}
    return steps in ({1}, {-1})
