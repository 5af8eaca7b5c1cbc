"""Street addresses and postal code + postal place.

Street and house number: «Storgata 12», «Kongens gate 5B», «Ole Vigs vei 3», «Bjørkeveien 14 A»,
«Øvre Slottsgate 3», «Storgata tolv», «Postboks 123». A street name without a number is a place
(LOCATION, another recognizer's job), and so is a bare surname that looks like a street
(«Bakken», «Lia»): a one-word street needs a name before its suffix.

Postal code and place: «8006 Bodø», «0150 OSLO», «8607 Mo i Rana», checked against the postal
register (``anonymizer.data.postal_places``): the place must be the code's own, so «i 2019 Bergen»
is not an address. A full address («Storgata 12, 8006 Bodø») gives two spans.
"""

from __future__ import annotations

from functools import cache
from typing import ClassVar

import regex as re
from presidio_analyzer import Pattern

from anonymizer import data, labels
from anonymizer.recognizers import _numbers
from anonymizer.recognizers._base import NorwegianPatternRecognizer
from anonymizer.recognizers._numbers import alternation

# Endings of one-word street names («Storgata», «Bjørkeveien», «Solbakken»); not the endings of
# common surnames and farm names (-haugen, -moen, -lien, -åsen, -engen).
COMPOUND_SUFFIXES = (
    "gata", "gaten", "gate", "gt.", "veien", "vei", "vegen", "veg", "vn.", "stien", "sti",
    "plassen", "plass", "allé", "alle", "alléen", "bakken", "bakke", "lia", "lien", "tunet",
    "stredet", "smauet", "svingen", "ringen", "kroken", "torget", "torg", "brygga", "bryggen",
    "brygge", "kaia", "kaien", "løkka", "løkken", "grenda", "jordet", "tråkket", "terrassen",
    "terrasse", "promenaden", "kvartalet",
)
# Street words after a name, lower-case as written («Kongens gate», «Ole Vigs vei»): «Kari Bakken»
# is a person.
STREET_WORDS = (
    "gate", "gata", "gaten", "vei", "veien", "veg", "vegen", "plass", "plassen", "allé", "alle",
    "bakke", "bakken", "sti", "stien", "terrasse", "torg", "torget", "brygge", "kai", "løkke",
    "park", "vollen", "ring", "vænge",
)
# Capitalised words that start sentences or follow «i», never part of a street name.
_NOT_NAME = (
    "I", "På", "Hei", "Han", "Hun", "Hen", "Jeg", "Vi", "De", "Det", "Den", "Du", "Dere", "Til",
    "Fra", "Ved", "Mot", "Og", "Men", "Så", "Da", "Når", "Hvis", "Om", "Etter", "Før", "Over",
    "Under", "Bor", "Bodde", "Ja", "Nei", "Er", "Var", "Hos", "Mellom", "Langs", "Nede", "Oppe",
    "Ute", "Inne", "Borte", "Også", "Vår", "Min", "Mitt", "Mine", "Hvor", "Der", "Her", "Adressen",
)
_MODIFIERS = (
    "Øvre", "Nedre", "Søndre", "Nordre", "Vestre", "Østre", "Store", "Lille", "Gamle", "Nye",
    "Indre", "Ytre", "Sankt", "St.",
)

_UPPER = "[A-ZÆØÅÉÜÄÖ]"
_LOWER = "[a-zæøåéüäöè]"
_NAME_WORD = rf"(?!{alternation(_NOT_NAME)}\b){_UPPER}[\w'’.-]*"
_COMPOUND = (
    rf"(?:{alternation(_MODIFIERS)}\s+)?{_UPPER}{_LOWER}*(?:-{_UPPER}?{_LOWER}+)*"
    rf"{_LOWER}{alternation(COMPOUND_SUFFIXES)}"
)
_NAMED = rf"(?:{_NAME_WORD}\s+){{1,3}}{alternation(STREET_WORDS)}"
_SPOKEN_NUMBER = rf"(?!(?i:en|én|ett|ein|eitt|null)\b)(?i:{_numbers.NUMBER})"
_HOUSE = rf"(?:\d{{1,3}}(?:\s?[A-H]|[a-h])?|{_SPOKEN_NUMBER})(?![\w,.]\d|\w)"
_NOT_AFTER = (
    r"(?!\s+(?:år|måneder|uker|dager|timer|minutter|ganger|kroner|kr|prosent|meter|km|"
    r"mil|stykker|personer|mennesker|elever|barn)\b|\s*%)"
)
_STREET = rf"(?<![\w-])(?:{_COMPOUND}|{_NAMED})\s+{_HOUSE}{_NOT_AFTER}"
_POSTBOX = r"(?<![\w-])(?i:postboks|pb\.)\s+\d{1,5}(?!\d)"


@cache
def _patterns() -> tuple[Pattern, ...]:
    """Built on first use, not at import: the postal pattern reads the package data."""
    places = alternation(data.postal_place_names())
    postal = rf"(?<![\w,.-])\d{{4}}\s+(?i:{places})(?![\w-])"
    return (
        Pattern("gateadresse", _STREET, 0.7),
        Pattern("postboks", _POSTBOX, 0.7),
        Pattern("postnummer og poststed", postal, 0.6),
    )


class AddressRecognizer(NorwegianPatternRecognizer):
    """Finds street addresses with a house number, post boxes, and postal code + place."""

    ENTITY: ClassVar[str] = labels.ADDRESS
    PATTERNS: ClassVar[tuple[Pattern, ...]] = ()  # built from the register: default_patterns()
    CONTEXT: ClassVar[tuple[str, ...]] = (
        "adresse", "adressen", "gateadresse", "postadresse", "bor", "bodde", "flyttet",
        "postnummer", "postnummeret", "poststed", "postboks",
    )

    @classmethod
    def default_patterns(cls) -> tuple[Pattern, ...]:
        return _patterns()

    def validate_result(self, pattern_text: str) -> bool | None:
        """A postal code must belong to the place named after it; street matches pass as is."""
        match = re.fullmatch(r"(\d{4})\s+(.+)", pattern_text, flags=re.DOTALL)
        if match is None:
            return None
        place = data.postal_places().get(match.group(1))
        return place is not None and place.casefold() == match.group(2).casefold()
