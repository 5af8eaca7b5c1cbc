"""Workplaces: NAV offices, schools, nursing homes, clinics, DPS, hospitals, named units.

- a capitalised name before an institution word: «Solhaug sykehjem», «Bodø videregående skole»,
  «Rønvik legesenter», «Salten DPS»;
- «DPS»/«NAV» before a place: «DPS Salten», «NAV Bodø», «Nav Grünerløkka»;
- a capitalised compound ending in an institution word: «Nordlandssykehuset»,
  «Haukeland universitetssykehus», «Tyrilistiftelsen»;
- a unit or service with a place: «mestringsenheten i Bodø», «rusteamet på Nordstrand».

The national names alone («NAV», «Helse Nord» is a region, «kommunen») are not workplaces.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from spacy.tokens import Doc, Token

from anonymizer import labels, lexicon
from anonymizer.recognizers._doc import (
    DocRecognizer,
    Found,
    genitive_base,
    is_capitalised,
    is_compound_word,
    is_sentence_start,
    mid_sentence,
)

SCORE = 0.85
UNIT_SCORE = 0.8
CAPITALISED_NOUN = 0.5  # «Regjeringen», «Kirken»: an ordinary noun written as a name
# institution words, any inflection: «skole», «skolen», «skolens»
INSTITUTION = re.compile(
    r"(skole|barnehage|sykehjem|omsorgssenter|bosenter|helsesenter|legesenter|legekontor|"
    r"senter|klinikk|sykehus|universitetssykehus|hospital|behandlingssenter|dps|"
    r"helsestasjon|institusjon|stiftelse|kollektiv|bofellesskap|avrusning|"
    r"barnevernstjeneste|rusklinikk|fengsel|gård|hjem|verksted|universitet|høgskole|"
    r"høyskole|kirke|menighet|fritidsklubb|ungdomsskole|barneskole)"
    r"(en|et|a|ene|s|ens|ets)?$",
    re.IGNORECASE,
)
UNIT = re.compile(
    r"(enhet|team|tjeneste|avdeling|kontor|post|seksjon|senter|klinikk|tilbud|bolig|"
    r"botilbud|dagsenter|lavterskeltilbud|ruspoliklinikk|poliklinikk|poliklinikken|"
    r"legevakt|helsestasjon|barnevern|oppfølgingstjeneste)"
    r"(en|et|a|ene|s)$",
    re.IGNORECASE,
)
# Public services every informant meets: naming them identifies no one, and the researcher needs
# them in the text. (Named offices, «NAV Bodø», are workplaces.)
GENERIC_SERVICES = frozenset({
    "NAV", "Nav", "DPS", "BUP", "Barnevernet", "Barnevernstjenesten", "Politiet", "Legevakten",
    "Legevakta", "Kommunen", "Sykehuset", "Fastlegen", "Helsestasjonen",
})
ACRONYM = re.compile(r"^[A-ZÆØÅ][A-ZÆØÅa-zæøå]{0,2}[A-ZÆØÅ]{1,3}$")  # «SSB», «KrF», «Frp»
PREFIXED = frozenset({"NAV", "Nav", "DPS", "BUP", "ACT-teamet", "FACT-teamet", "Kirkens"})
LINKS = frozenset({"i", "på", "ved"})


def _name_before_institution(doc: Doc, i: int) -> int | None:
    """End of «Name [videregående] skole» starting at i (capitalised first word), or None."""
    if not is_capitalised(doc[i].text) or doc[i].text in PREFIXED:
        return None
    j = i + 1
    while j < len(doc) and j - i <= 3 and is_capitalised(doc[j].text):
        j += 1  # «Rønvik Nord legesenter»
    for k in range(j, min(j + 2, len(doc))):
        if INSTITUTION.match(doc[k].text):
            return k + 1
        if doc[k].pos_ not in ("ADJ",):
            break
    return None


def _compound(token: Token) -> bool:
    text = token.text
    if not is_capitalised(text) or (is_sentence_start(token) and lexicon.is_common_word(text)):
        return False
    match = INSTITUTION.search(text)
    return match is not None and match.start() > 2 and not lexicon.is_common_word(text)


def _unit_with_place(doc: Doc, i: int) -> int | None:
    """End of «mestringsenheten i Bodø» starting at i, or None."""
    if not UNIT.search(doc[i].text) or (doc[i].text[0].isupper() and i > 0):
        return None
    if i + 2 < len(doc) and doc[i + 1].lower_ in LINKS and is_capitalised(doc[i + 2].text):
        end = i + 3
        while end < len(doc) and is_capitalised(doc[end].text):
            end += 1
        return end
    return None


def _named_noun(token: Token, analysis: dict[str, lexicon.Analysis]) -> bool:
    """A word used as a name in mid-sentence: Apertium's organisations («Frp», «SSB»),
    acronyms, and ordinary nouns written with a capital («Regjeringen», «Kirkens»)."""
    text = token.text
    if not mid_sentence(token) or text in GENERIC_SERVICES:
        return False
    if "-" in text and is_compound_word(text):
        return False  # «TV-skjermen», «PC-en»
    if genitive_base(text) in GENERIC_SERVICES:
        return False
    info = analysis.get(text) or analysis.get(genitive_base(text))
    if info is not None and "org" in info.proper:
        return True
    if ACRONYM.match(text) and not lexicon.is_common_word(text):
        return True
    return (
        is_capitalised(text)
        and info is not None
        and info.common
        and not info.proper
        and token.pos_ in ("NOUN", "PROPN")
    )


class OrganizationRecognizer(DocRecognizer):
    """ORGANIZATION: named institutions, NAV offices and units with their place."""

    ENTITIES = (labels.ORGANIZATION,)

    def find(self, doc: Doc, analysis: dict[str, lexicon.Analysis]) -> Iterable[Found]:
        for token in doc:
            i = token.i
            if token.text in PREFIXED and i + 1 < len(doc) and is_capitalised(doc[i + 1].text):
                end = i + 2
                while end < len(doc) and is_capitalised(doc[end].text):
                    end += 1
                yield Found(i, end, labels.ORGANIZATION, SCORE, "NAV/DPS + place")
                continue
            named_end = _name_before_institution(doc, i)
            if named_end is not None:
                yield Found(i, named_end, labels.ORGANIZATION, SCORE, "name + institution word")
            elif _compound(token):
                yield Found(i, i + 1, labels.ORGANIZATION, SCORE, "institution compound")
            elif _named_noun(token, analysis):
                yield Found(i, i + 1, labels.ORGANIZATION, CAPITALISED_NOUN, "name-like noun")
            unit_end = _unit_with_place(doc, i)
            if unit_end is not None:
                yield Found(i, unit_end, labels.ORGANIZATION, UNIT_SCORE, "unit + place")
