"""Spoken dialect forms and common nynorsk forms, and their bokmål spelling.

Three tables, looked up case-insensitively (the caller keeps the word's capitalisation):

- ``DIALECT``: spoken forms as dialect transcriptions write them. Curated, so an entry here wins
  over Apertium (which guesses wildly at words it half knows: «dæm» → «skinn»).
- ``NYNORSK``: standard nynorsk forms. Apertium translates these better, in context («kva bok» →
  «hvilken bok»), so the table is used where Apertium is off or kept the word, typically because
  the nynorsk form is also a (rare) bokmål word: «ho», «veit», «heim», «trur».
- ``MULTIWORD``: fixed expressions whose bokmål form is not word for word («kva tid» → «når»).

A key that is also an ordinary bokmål word («kor» = choir, «me», «i») carries a condition on its
neighbours; words like «å», «så», «da», «te», «sjø» are left out because they are too often the
bokmål word.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from itertools import pairwise

from anonymizer.normalize.tokens import Token


class When(Enum):
    """When a conditional entry applies, judged from the neighbouring words."""

    ALWAYS = "always"
    SUBJECT = "subject"  # starts a clause and a finite verb follows: «me hadde», «at dæm kom»
    NEXT_TO_PRONOUN = "next_to_pronoun"  # a verb beside a personal pronoun: «eg bur», «bur du»
    NOT_AFTER_DETERMINER = "not_after_determiner"  # «kor» = hvor, but «i kor» = in a choir
    NOT_SENTENCE_START = "not_sentence_start"  # «va» = var, but «Va?» = hva


@dataclass(frozen=True)
class Entry:
    replacement: str
    when: When = When.ALWAYS


Table = Mapping[str, str | Entry | tuple[Entry, ...]]

DIALECT: Table = {
    # jeg — Trøndersk, Nordnorsk (æ); Østlandsk (je, jæ); Østlandsk/Gudbrandsdal (i, only as a
    # subject: «i» is above all the preposition); Sunnmørsk (e, which is «er» elsewhere)
    "æ": "jeg", "je": "jeg", "jæ": "jeg", "i": Entry("jeg", When.SUBJECT),
    "e": (Entry("jeg", When.SUBJECT), Entry("er")),
    # ikke — Trøndersk (itj, ittj), Vestlandsk (ikkj, ikje), Østlandsk/Hedmark (itte),
    # Solør/Finnskogen (inte), Trøndersk/Nordmørsk (ente)
    "itj": "ikke", "ittj": "ikke", "ikkj": "ikke", "ikje": "ikke", "itte": "ikke",
    "inte": "ikke", "ente": "ikke",
    # hva, hvor, hvem, hvordan, hvorfor — Nordnorsk, Trøndersk, Vestlandsk; Østlandsk (åssen)
    "ka": "hva", "kæ": "hva", "ke": "hva",
    "kest": "hvor",
    "kem": "hvem", "kæm": "hvem",
    "kordan": "hvordan", "koss": "hvordan", "kossen": "hvordan", "kossn": "hvordan",
    "korsn": "hvordan", "kolles": "hvordan", "åssen": "hvordan",
    "korfor": "hvorfor", "kofor": "hvorfor", "koffor": "hvorfor", "kaffor": "hvorfor",
    # personal pronouns — Østlandsk (hu), Trøndersk/Nordnorsk (mæ, dæ, sæ, dæm, dokker, oss as
    # a subject), Vestlandsk (dokk, dokker, me as a subject), Sørlandsk (hon, dåkker)
    "hu": "hun", "hon": "hun",
    "hånom": "ham", "hannes": "hans", "hass": "hans", "hinnes": "hennes",
    "mæ": "meg", "dæ": "deg", "sæ": "seg",
    "me": Entry("vi", When.SUBJECT), "oss": Entry("vi", When.SUBJECT),
    "dokker": "dere", "dåkker": "dere", "dokk": "dere", "dokkar": "dere", "dåkk": "dere",
    "dokkers": "deres", "dokkas": "deres", "dåkkers": "deres",
    "dæm": (Entry("de", When.SUBJECT), Entry("dem")),
    "døm": (Entry("de", When.SUBJECT), Entry("dem")),
    "dem": Entry("de", When.SUBJECT),
    # adverbs and quantifiers — Trøndersk/Nordnorsk (bærre, hjæm, hjæmme, nåkka, nokka, sjæl),
    # Vestlandsk (noke), Østlandsk (nåe, nåen, någen), Sørlandsk (nu)
    "bærre": "bare", "hjæm": "hjem", "hjæmme": "hjemme", "hjæmma": "hjemme", "heima": "hjemme",
    "nåkka": "noe", "nokka": "noe", "nåkkå": "noe", "noke": "noe", "nåke": "noe", "nåe": "noe",
    "nåen": "noen", "någen": "noen", "nokken": "noen", "nåkken": "noen",
    "møkje": "mye", "mykkje": "mye", "møkkje": "mye",
    "sjæl": "selv", "ætte": "etter", "ette": "etter", "nu": "nå", "dær": "der",
    # verbs — Trøndersk/Nordnorsk (e, va, ska, sku)
    "va": Entry("var", When.NOT_SENTENCE_START), "ska": "skal", "sku": "skulle",
    # nynorsk forms Apertium mistranslates in context («dei eg kjende» → «dem jeg bekjente»)
    "kjende": "kjente",
}

NYNORSK: Table = {
    # pronouns and question words
    "eg": "jeg", "ho": "hun", "honom": "ham", "hennar": "hennes", "dei": "de", "deira": "deres",
    "kva": "hva", "kven": "hvem", "kor": Entry("hvor", When.NOT_AFTER_DETERMINER),
    "korleis": "hvordan", "kvifor": "hvorfor",
    # negation, adverbs, quantifiers
    "ikkje": "ikke", "berre": "bare", "heim": "hjem", "heime": "hjemme", "no": "nå", "då": "da",
    "òg": "også", "sidan": "siden", "medan": "mens", "difor": "derfor", "saman": "sammen",
    "framleis": "fremdeles", "enno": "ennå", "sjølv": "selv", "sjøl": "selv",
    "noko": "noe", "nokon": "noen", "nokre": "noen", "mykje": "mye", "fleire": "flere",
    "ein": "en", "eit": "et", "eitt": "ett", "eigentleg": "egentlig", "vanleg": "vanlig",
    "mogleg": "mulig", "verkeleg": "virkelig",
    # verbs, mostly in the forms that are also (rare) bokmål words
    "veit": "vet", "trur": "tror", "kjem": "kommer", "meiner": "mener", "gjekk": "gikk",
    "fekk": "fikk", "vaks": "vokste", "tykkjer": "synes", "tykte": "syntes", "byrja": "begynte",
    "kome": "komme", "vore": "vært", "seier": "sier", "hugsar": "husker",
    "budde": "bodde", "budd": "bodd", "bur": Entry("bor", When.NEXT_TO_PRONOUN),
    "syng": Entry("synger", When.NEXT_TO_PRONOUN), "sjå": "se", "skule": "skole",
    "skulen": "skolen",
    # prepositions and nouns
    "frå": "fra", "morgon": "morgen",
}

MULTIWORD: Mapping[tuple[str, ...], str] = {
    ("kva", "tid"): "når", ("ka", "tid"): "når", ("kor", "tid"): "når", ("kæ", "tid"): "når",
    ("til", "dømes"): "for eksempel", ("i", "staden"): "i stedet",
    ("etter", "kvart"): "etter hvert", ("ætte", "kvart"): "etter hvert",
}

_MULTIWORD_FIRST = frozenset(words[0] for words in MULTIWORD)

# finite verbs (present and past, bokmål, nynorsk and dialect) that show the word before them is
# a subject: «me hadde», «i veit», «dæm kom»
FINITE_VERBS = frozenset({
    "e", "er", "va", "var", "vart", "ble", "blei", "har", "hadde", "ska", "skal", "skulle", "sku",
    "kan", "kunne", "vil", "ville", "må", "måtte", "veit", "vet", "visste", "trur", "tror",
    "trudde", "trodde", "tenkte", "tenker", "tenkjer", "meiner", "mener", "mente", "syns",
    "synes", "syntes", "sa", "seier", "sier", "kom", "kjem", "kommer", "gikk", "gjekk",
    "gjorde", "gjør", "gjer", "fikk", "fekk", "får", "bodde", "budde", "bor", "bur", "jobba",
    "jobbet", "jobbar", "jobber", "flytta", "flyttet", "reiste", "begynte", "byrja", "huska",
    "husket", "husker", "hugsar", "likte", "liker", "likar", "skjønner", "skjønte", "hette",
    "heter", "heiter", "driv", "dreiv", "driver", "hjalp", "prøvde", "prøver",
})
# words after which a clause starts (not prepositions: «for oss er det viktig»)
CONJUNCTIONS = frozenset({
    "og", "men", "at", "som", "når", "fordi", "viss", "hvis", "så", "da", "då", "mens", "medan",
    "eller", "ja", "nei", "jo",
})
DETERMINERS = frozenset({
    "i", "et", "eit", "det", "vårt", "sitt", "mitt", "ditt", "hans", "hennes", "deres",
    "koret", "stort", "lite", "nytt", "godt", "eget",
})
PRONOUNS = frozenset({
    "eg", "jeg", "æ", "je", "du", "han", "ho", "hun", "hu", "me", "vi", "oss", "dei", "de",
    "dæm", "døm", "dokker", "dere", "dokk", "man",
})


def _applies(when: When, tokens: Sequence[Token], i: int) -> bool:
    previous = tokens[i - 1].lower if i > 0 and not tokens[i].sentence_start else None
    following = tokens[i + 1] if i + 1 < len(tokens) else None
    if when is When.SUBJECT:
        clause_start = tokens[i].clause_start or previous in CONJUNCTIONS
        verb_follows = (following is not None and not following.clause_start
                        and following.lower in FINITE_VERBS)
        return clause_start and verb_follows
    if when is When.NEXT_TO_PRONOUN:
        return previous in PRONOUNS or (following is not None and following.lower in PRONOUNS)
    if when is When.NOT_AFTER_DETERMINER:
        return previous not in DETERMINERS
    if when is When.NOT_SENTENCE_START:
        return not tokens[i].sentence_start
    return True


def lookup(table: Table, tokens: Sequence[Token], i: int) -> str | None:
    """The bokmål form (lower case) of ``tokens[i]`` from ``table``, or None."""
    value = table.get(tokens[i].lower)
    if value is None:
        return None
    if isinstance(value, str):
        return value
    entries = value if isinstance(value, tuple) else (value,)
    for entry in entries:
        if _applies(entry.when, tokens, i):
            return entry.replacement
    return None


def multiword_at(text: str, tokens: Sequence[Token], i: int) -> tuple[int, str] | None:
    """(number of words, bokmål form) for a fixed expression starting at ``tokens[i]``: its
    words separated by spaces only."""
    if tokens[i].lower not in _MULTIWORD_FIRST:
        return None
    for words, replacement in MULTIWORD.items():
        window = tokens[i:i + len(words)]
        if tuple(t.lower for t in window) != words:
            continue
        gaps = (text[a.end:b.start] for a, b in pairwise(window))
        if all(gap.isspace() for gap in gaps):
            return len(words), replacement
    return None
