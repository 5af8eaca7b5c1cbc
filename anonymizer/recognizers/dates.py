"""Dates and ages (a policy option: redacted only when the project's consent settings say so).

Dates need a day and a month or a month and a year: «12. mars 2021», «12.03.2021», «2021-03-12»,
«mars 2019», «den 12.3.», «tolvte mars», «tolvte i tredje», «mandag 12. mars», «fredag den 3.
juni». A bare month («Mai og juni var fine») or a bare year («i 2019») is not a date, and «Mai»
alone is left to the other recognizers (which must never call it a person).

Ages: «34 år gammel», «34-åringen», «en 34-årig kvinne», «i trettiårene», «hun er 34», «han fylte
femti», «i en alder av 34». A bare «femti år» is usually a duration («jobbet der i femti år»), so
it scores below the default threshold and counts only with context words such as «alder».
"""

from __future__ import annotations

import datetime
from typing import ClassVar

import regex as re
from presidio_analyzer import Pattern

from anonymizer import labels
from anonymizer.recognizers import _numbers
from anonymizer.recognizers._base import NorwegianPatternRecognizer
from anonymizer.recognizers._numbers import alternation

MONTHS = (
    "januar", "februar", "mars", "april", "mai", "juni", "juli", "august", "september", "oktober",
    "november", "desember",
)
_MONTH_ABBREVIATIONS = ("jan.", "feb.", "apr.", "aug.", "sep.", "sept.", "okt.", "nov.", "des.")
WEEKDAYS = ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag")


def _capitalisable(words: tuple[str, ...]) -> str:
    """Lower-case words, or capitalised at the start of a sentence («Mars 2019 var …»)."""
    return alternation(word for lower in words for word in (lower, lower.capitalize()))


_MONTH = rf"{_capitalisable(MONTHS + _MONTH_ABBREVIATIONS)}(?![\w-])"
_WEEKDAY = rf"{_capitalisable(WEEKDAYS)}\b"
_DAY = r"(?:0?[1-9]|[12]\d|3[01])"
_MONTH_NUMBER = r"(?:0?[1-9]|1[0-2])"
_YEAR = r"(?:1[89]\d\d|20\d\d)(?!\d)"
_ORDINAL = rf"(?i:{_numbers.ORDINAL})"
_MONTH_ORDINAL = alternation(w for w, v in _numbers.ORDINAL_WORDS.items() if v <= 12)
_LEAD = rf"(?:{_WEEKDAY},?\s+(?:den\s+)?)?"

_NUMERIC = (
    rf"(?<![\d.,/-]){_DAY}(?P<sep>[./]){_MONTH_NUMBER}(?P=sep)(?:{_YEAR}|\d\d(?!\d))"
    rf"(?![.,/]?\d)"
)
_NUMERIC_DASH = rf"(?<![\d.,/-]){_DAY}/{_MONTH_NUMBER}-(?:{_YEAR}|\d\d(?!\d))"
_ISO = r"(?<![\d.,/-])(?:1[89]|20)\d\d-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])(?![\d-])"
_DAY_MONTH = rf"(?<![\d.,])\b{_LEAD}{_DAY}\.?\s+{_MONTH}(?:\s+{_YEAR})?"
_SPOKEN_DAY_MONTH = (
    rf"\b{_LEAD}{_ORDINAL}\s+(?:{_MONTH}|(?i:i\s+{_MONTH_ORDINAL}\b))(?:\s+{_YEAR})?"
)
_MONTH_YEAR = rf"\b{_MONTH}\s+{_YEAR}"
_SHORT = rf"(?:(?<=\bden\s)|\b{_WEEKDAY},?\s+(?:den\s+)?){_DAY}[./]{_MONTH_NUMBER}\.?(?![.,/]?\d)"


class DateRecognizer(NorwegianPatternRecognizer):
    """Finds Norwegian dates with a day and a month, or a month and a year."""

    ENTITY: ClassVar[str] = labels.DATE
    PATTERNS: ClassVar[tuple[Pattern, ...]] = (
        Pattern("dato (tall)", _NUMERIC, 0.8),
        Pattern("dato (tall med bindestrek)", _NUMERIC_DASH, 0.8),
        Pattern("dato (ISO)", _ISO, 0.8),
        Pattern("dato (dag og måned)", _DAY_MONTH, 0.8),
        Pattern("dato (uttalt dag)", _SPOKEN_DAY_MONTH, 0.7),
        Pattern("dato (måned og år)", _MONTH_YEAR, 0.7),
        Pattern("dato (kort)", _SHORT, 0.6),
    )
    CONTEXT: ClassVar[tuple[str, ...]] = (
        "dato", "datoen", "født", "fødselsdag", "fødselsdato", "bursdag", "dagen", "måned",
    )

    def invalidate_result(self, pattern_text: str) -> bool:
        """Drop dates that do not exist («31.02.2021», «30. februar»)."""
        day, month, year = date_parts(pattern_text)
        if day is None or month is None:
            return False
        return not _exists(year or 2000, month, day)


_MONTH_NUMBERS = {month[:3]: number for number, month in enumerate(MONTHS, start=1)}
_WORD_RE = re.compile(r"\w+")


def date_parts(text: str) -> tuple[int | None, int | None, int | None]:
    """Day, month and year of a matched date, None where the text does not say."""
    iso = re.fullmatch(r"(\d{4})-(\d\d)-(\d\d)", text)
    if iso:
        return int(iso[3]), int(iso[2]), int(iso[1])
    words = [word.casefold() for word in _WORD_RE.findall(text)]
    numbers = [int(word) for word in words if word.isdigit()]
    ordinals = [_numbers.ORDINAL_WORDS[word] for word in words if word in _numbers.ORDINAL_WORDS]
    named = [_MONTH_NUMBERS[word[:3]] for word in words if word[:3] in _MONTH_NUMBERS]
    if ordinals and not named and len(ordinals) == 2:  # «tolvte i tredje»
        return ordinals[0], ordinals[1], numbers[0] if numbers else None
    if named:
        day = ordinals[0] if ordinals else next((n for n in numbers if n <= 31), None)
        return day, named[0], next((n for n in numbers if n > 31), None)
    if len(numbers) >= 2:
        year = numbers[2] if len(numbers) > 2 else None
        return numbers[0], numbers[1], year + 2000 if year is not None and year < 100 else year
    return None, None, None


def _exists(year: int, month: int, day: int) -> bool:
    try:
        datetime.date(year, month, day)
    except ValueError:
        return False
    return True


_AGE_NUMBER = rf"(?:1[01]\d|[1-9]?\d|(?!(?i:en|én|ein|null)\b)(?i:{_numbers.NUMBER}|hundre))"
_PRONOUN = r"(?i:jeg|han|hun|hen|du)"
_VERB = r"(?:er|var|blir|ble|fyller|fylte|har\s+fylt|hadde\s+fylt|skal\s+fylle|skulle\s+fylle)"
_ADVERB = r"(?:(?:nå|bare|snart|akkurat|nesten|over|under|rundt|ca\.|cirka)\s+)?"
_CLAUSE_END = (
    r"(?=\s*(?:[.,!?;:)]|$)|\s+(?:og|men|nå|da|så|i|i\s+år|i\s+fjor|neste|til|den|der|år)\b)"
)
_DECADE = r"(?i:tjue|tretti|førti|femti|seksti|sytti|åtti|nitti|ten|[2-9]0-?)"
_AGE_PHRASES = (
    rf"\b{_AGE_NUMBER}\s+år\s+(?:gammel|gamle|ung)\b",
    rf"\b(?:\d{{1,3}}-?|(?i:{_numbers.NUMBER_WORDS}))(?i:åring|åringen|åringer|åringene|årig|årige)\b",
    rf"(?<=\b(?i:i|av)\s+){_DECADE}årene\b",
    rf"(?<=\b{_PRONOUN}\s+{_VERB}\s+{_ADVERB}){_AGE_NUMBER}(?:\s+år)?{_CLAUSE_END}",
    rf"(?<=\b(?i:fylte|fyller|fylt|fylle)\s+){_AGE_NUMBER}(?:\s+år)?{_CLAUSE_END}",
    rf"(?<=\balder(?:en)?\s+(?:av|på|er|var)?\s*){_AGE_NUMBER}(?:\s+år)?\b",
)


class AgeRecognizer(NorwegianPatternRecognizer):
    """Finds a person's age: «34 år gammel», «34-åringen», «i trettiårene», «hun er 34»."""

    ENTITY: ClassVar[str] = labels.AGE
    PATTERNS: ClassVar[tuple[Pattern, ...]] = (
        *(Pattern("alder", regex, 0.85) for regex in _AGE_PHRASES),
        Pattern("alder (bare år)", rf"\b{_AGE_NUMBER}\s+år\b(?!\s+(?:siden|senere|etter))", 0.3),
    )
    CONTEXT: ClassVar[tuple[str, ...]] = (
        "alder", "alderen", "gammel", "gamle", "fylte", "fyller", "født", "årene", "åring",
    )
