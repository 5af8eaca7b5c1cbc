"""E-mail addresses, written («ola.nordmann@nav.no») or spoken as Whisper writes them.

Spoken: «ola krøll nordmann punktum no», «ola punktum nordmann krøllalfa gmail punktum com»,
«ola at nav punktum no», «ola krøll nav.no». The address must end in a known top-level domain, so
ordinary sentences with «at» («jeg sa at …») do not match; a local part that is a common word
(«sa at nav punktum no») is dropped too. No network: Presidio's own e-mail recognizer would fetch
the public suffix list.
"""

from __future__ import annotations

from typing import ClassVar

import regex as re
from presidio_analyzer import Pattern

from anonymizer import labels
from anonymizer.recognizers._base import NorwegianPatternRecognizer
from anonymizer.recognizers._numbers import alternation

_WRITTEN = (
    r"(?<![\w.+-])[\w+-](?:[\w.+-]*[\w+-])?@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,24}\b(?!@)"
)

TOP_LEVEL = (
    "no", "com", "net", "org", "se", "dk", "fi", "is", "eu", "uk", "de", "nu", "io", "info",
    "biz", "edu", "gov", "me", "online",
)
_AT_WORDS = ("krøllalfa", "alfakrøll", "krøll-alfa", "alfa-krøll", "krøll", "at")
_DOT_WORDS = ("punktum", "prikk", "dot")
_JOIN_WORDS = (*_DOT_WORDS, "bindestrek", "understrek", "strek")

_WORD = r"[\w+]+"
_DOT = rf"(?:\s+{alternation(_DOT_WORDS)}\s+|\.)"
_LOCAL = rf"{_WORD}(?:(?:\s+{alternation(_JOIN_WORDS)}\s+|[._-]){_WORD})*"
_DOMAIN = rf"[\w-]+(?:{_DOT}[\w-]+)*?{_DOT}{alternation(TOP_LEVEL)}"
_SPOKEN = (
    rf"(?i:(?<![\w.@-]){_LOCAL}\s+(?P<at>{alternation(_AT_WORDS)})\s+{_DOMAIN})(?![\w@]|\.\w)"
)

# Words that come before the conjunction «at» («jeg sa at …»), never before an e-mail's «at».
_NOT_LOCAL = frozenset(
    {
        "sa", "sier", "si", "tror", "trodde", "tenkte", "tenker", "vet", "visste", "veit", "mener",
        "mente", "synes", "syntes", "syns", "håper", "håpet", "viser", "viste", "betyr", "betydde",
        "er", "var", "blir", "ble", "har", "hadde", "og", "men", "så", "fordi", "slik", "sånn",
        "gjorde", "fikk", "hørte", "hører", "lurte", "lurer", "forklarte", "forteller", "fortalte",
        "skrev", "skriver", "svarte", "svarer", "merket", "merker", "opplevde", "opplever",
        "følte", "føler", "sikker", "klart", "redd", "glad", "enig", "uenig", "vil", "ville",
        "skal", "skulle", "kan", "kunne", "må", "måtte", "bare", "både", "enten", "heller", "nok",
        "jo", "da", "nå", "også", "altså", "mens", "uten",
    }
)
_AT_SPLIT = re.compile(rf"\s+(?i:{alternation(_AT_WORDS)})\s+")


class EmailRecognizer(NorwegianPatternRecognizer):
    """Finds e-mail addresses, written or spoken («ola krøll nav punktum no»), offline."""

    ENTITY: ClassVar[str] = labels.EMAIL
    PATTERNS: ClassVar[tuple[Pattern, ...]] = (
        Pattern("e-post", _WRITTEN, 0.9),
        Pattern("e-post (uttalt)", _SPOKEN, 0.6),
    )
    CONTEXT: ClassVar[tuple[str, ...]] = (
        "e-post", "epost", "e-posten", "e-postadresse", "e-postadressen", "mail", "mailen",
        "mailadresse", "mailadressen", "adresse", "adressen",
    )

    def invalidate_result(self, pattern_text: str) -> bool:
        """Drop spoken matches whose local part is an ordinary word before «at» («sa at …»)."""
        if "@" in pattern_text:
            return False
        local = _AT_SPLIT.split(pattern_text, maxsplit=1)[0]
        return local.casefold() in _NOT_LOCAL
