"""Norwegian numbers spoken as words, the way Whisper writes them in transcripts.

Numbers up to 99 are one word («trettifire»), hyphenated («tretti-fire»), two words («tretti
fire») or the older order («fire og tretti», «fireogtretti»). The regex fragments here are
lower-case; callers wrap them in ``(?i:…)`` so that only the spoken words match case-insensitively.
"""

from __future__ import annotations

from collections.abc import Iterable

import regex as re

UNITS = {
    "null": 0, "en": 1, "én": 1, "ett": 1, "ein": 1, "eitt": 1, "to": 2, "tre": 3, "fire": 4,
    "fem": 5, "seks": 6, "sju": 7, "syv": 7, "åtte": 8, "ni": 9,
}
TEENS = {
    "ti": 10, "elleve": 11, "tolv": 12, "tretten": 13, "fjorten": 14, "femten": 15,
    "seksten": 16, "sytten": 17, "atten": 18, "nitten": 19,
}
TENS = {
    "tjue": 20, "tyve": 20, "tretti": 30, "tredve": 30, "førti": 40, "firti": 40, "femti": 50,
    "seksti": 60, "sytti": 70, "søtti": 70, "åtti": 80, "nitti": 90,
}
ORDINALS = {
    "første": 1, "andre": 2, "tredje": 3, "fjerde": 4, "femte": 5, "sjette": 6, "sjuende": 7,
    "syvende": 7, "åttende": 8, "niende": 9, "tiende": 10, "ellevte": 11, "tolvte": 12,
    "trettende": 13, "fjortende": 14, "femtende": 15, "sekstende": 16, "syttende": 17,
    "attende": 18, "nittende": 19, "tjuende": 20, "tyvende": 20, "trettiende": 30,
    "tredevte": 30,
}
_ORDINAL_TENS = {"tjue": 20, "tyve": 20, "tretti": 30, "tredve": 30}


def alternation(words: Iterable[str]) -> str:
    """A non-capturing regex alternation of ``words``, longest first."""
    return "(?:" + "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True)) + ")"


def _ordinal_words() -> dict[str, int]:
    words = dict(ORDINALS)
    for tens, value in _ORDINAL_TENS.items():
        for ordinal, unit in ORDINALS.items():
            if unit < 10 and (value < 30 or unit == 1):
                words[tens + ordinal] = value + unit
    return words


ORDINAL_WORDS = _ordinal_words()
"""Ordinals 1–31 as words: «tolvte», «tjueførste», «trettiførste»."""

_UNIT = alternation(UNITS)
_UNIT_NZ = alternation(word for word, value in UNITS.items() if value)
_TEENS = alternation(TEENS)
_TENS = alternation(TENS)

NUMBER_WORDS = (
    rf"(?:{_UNIT_NZ}\s+og\s+{_TENS}|{_UNIT_NZ}-?og-?{_TENS}|{_TENS}(?:[\s-]?{_UNIT_NZ})?"
    rf"|{_TEENS}|{_UNIT})"
)
"""One spoken number 0–99 (lower-case words), without word boundaries («femti» in «femtiåring»)."""

NUMBER = rf"\b{NUMBER_WORDS}\b"
"""One spoken number 0–99 (lower-case words)."""

ORDINAL = rf"\b{alternation(ORDINAL_WORDS)}\b"
"""One spoken ordinal 1–31 (lower-case words)."""

_SEPARATOR = r"(?:\s*,\s*|\s*-\s*|\s+)"
_NUMBER_RE = re.compile(NUMBER, re.IGNORECASE)
_PARTS_RE = re.compile(r"[\s-]+|(?<=\w)og(?=\w)")


def run(min_numbers: int, max_numbers: int) -> str:
    """A whole run of ``min_numbers``..``max_numbers`` spoken numbers (case-insensitive).

    The run is never part of a longer one: «ni to tre fire fem seks sju åtte ni» is nine digits,
    not eight digits and a «ni».
    """
    return (
        rf"(?i:(?<!{NUMBER}{_SEPARATOR}){NUMBER}(?:{_SEPARATOR}{NUMBER})"
        rf"{{{min_numbers - 1},{max_numbers - 1}}}(?!{_SEPARATOR}{NUMBER}))"
    )


def number_value(words: str) -> int:
    """The value of one spoken number: «trettifire», «tretti fire», «fire og tretti» → 34."""
    total = 0
    for part in _PARTS_RE.split(words.casefold()):
        if not part or part == "og":
            continue
        total += _part_value(part)
    return total


def _part_value(part: str) -> int:
    for table in (UNITS, TEENS, TENS):
        if part in table:
            return table[part]
    for tens, value in TENS.items():
        if part.startswith(tens) and UNITS.get(part[len(tens):], 0):
            return value + UNITS[part[len(tens):]]
    raise ValueError(f"not a Norwegian number word: {part!r}")


def spoken_digits(text: str) -> str:
    """The digits spoken in ``text``, each number giving its own digits.

    «ni to tre fire» → «9234»; «nittito trettifire» → «9234»; «null null førtisju» → «0047».
    """
    return "".join(str(number_value(match.group())) for match in _NUMBER_RE.finditer(text))
