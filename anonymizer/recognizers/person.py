"""People's names: Statistics Norway's name lists, Apertium's lexicon and capitalisation.

A capitalised word is a name candidate when it (or its genitive base, «Karis») is a known first
name or surname. How sure we are depends on the context, never on luck:

- a name that is not also an ordinary word (Kari, Hansen) is a name wherever it stands;
- a name that is also a word (Per, Liv, Dag, Bjørn, Sol, Stein, Hans, Mai) needs evidence: a
  capital letter away from the start of a sentence, a neighbouring name («Per Hansen»), a
  pre-name article or title («han Per», «a Liv», «fru Dag»), or, at the start of a sentence,
  a parse that makes it the subject («Per sa at …» but not «Per i dag», «Hans mor»);
- a capitalised word in mid-sentence that no dictionary knows (foreign names: «Aleksandra»,
  «Mohammed») is probably a name too, at a lower score.
"""

from __future__ import annotations

from collections.abc import Iterable

from spacy.tokens import Doc, Token

from anonymizer import data, labels, lexicon
from anonymizer.recognizers._doc import (
    MONTHS,
    NAME_TRIGGERS,
    PLACE_PREPOSITIONS,
    WEEKDAYS,
    DocRecognizer,
    Found,
    genitive_base,
    is_capitalised,
    is_compound_word,
    is_sentence_start,
    mid_sentence,
    previous_word,
)

# pronouns and other function words are never names on their own («Han sa», «Hans mor»)
FUNCTION_WORDS = frozenset(
    [
        "han", "hun", "ho", "hu", "ham", "henne", "hans", "hennes", "den", "det", "de", "dem",
        "deg", "meg", "seg", "sin", "si", "sitt", "sine", "vi", "du", "jeg", "men", "og", "i", "på",
        "for", "til", "fra", "med", "om", "av", "som", "da", "så", "nå", "her", "der", "hva",
        "hvem",
    ]
)
SURE = 0.85
CONTEXT = 0.8
ARTICLE = 0.9  # «han Per», «a Liv»: spoken pre-name articles are strong evidence
SENTENCE_START = 0.7
UNKNOWN_WORD = 0.5
UNKNOWN_AT_START = 0.45


def _is_name(word: str, analysis: dict[str, lexicon.Analysis]) -> bool:
    info = analysis.get(word)
    return (
        word in lexicon.first_names()
        or word in lexicon.surnames()
        or (info is not None and bool(info.proper & {"ant", "cog"}))
    )


def _name_form(token: Token, analysis: dict[str, lexicon.Analysis]) -> str | None:
    """The name the token spells (genitive stripped), or None."""
    if not is_capitalised(token.text):
        return None
    nxt = token.doc[token.i + 1] if token.i + 1 < len(token.doc) else None
    if token.lower_ in FUNCTION_WORDS and not (nxt is not None and is_capitalised(nxt.text)):
        return None
    if _is_name(token.text, analysis):
        return token.text
    base = genitive_base(token.text)
    if base != token.text and _is_name(base, analysis):
        return base
    return None


def _is_word(name: str, analysis: dict[str, lexicon.Analysis]) -> bool:
    info = analysis.get(name)
    return (
        lexicon.is_common_word(name)
        or name.lower() in MONTHS
        or name.lower() in WEEKDAYS
        or (info is not None and info.common)
    )


def _is_place(name: str) -> bool:
    return name in data.municipalities() or name in data.postal_place_names() or (
        name in data.counties()
    )


def _subject_at_start(token: Token) -> bool:
    nxt = token.doc[token.i + 1] if token.i + 1 < len(token.doc) else None
    return (
        token.pos_ == "PROPN"
        and token.dep_ in ("SUBJ", "nsubj")
        and nxt is not None
        and nxt.pos_ in ("VERB", "AUX")
    )


def _score(token: Token, names: dict[int, str], analysis: dict[str, lexicon.Analysis]) -> float:
    name = names[token.i]
    start = is_sentence_start(token)
    if previous_word(token) in NAME_TRIGGERS and not start:
        return ARTICLE
    if _is_place(name) and name not in lexicon.first_names():
        # «Sandnes», «Hamar»: surnames that are places are people only next to a first name
        neighbour_first = any(names.get(j) in lexicon.first_names() for j in (token.i - 1,))
        return CONTEXT if neighbour_first else 0.0
    if not _is_word(name, analysis):
        return SENTENCE_START if start else SURE
    neighbour = (token.i - 1 in names and not _is_word(names[token.i - 1], analysis)) or (
        token.i + 1 in names and not _is_word(names[token.i + 1], analysis)
    )
    if neighbour:
        return CONTEXT
    if not start and name.lower() not in MONTHS and name.lower() not in WEEKDAYS:
        return SENTENCE_START
    if start and _subject_at_start(token) and name.lower() not in MONTHS:
        return UNKNOWN_WORD
    return 0.0


def _unknown_capitalised(token: Token, analysis: dict[str, lexicon.Analysis]) -> bool:
    """A capitalised word no dictionary knows («Aleksandra», «Diarra»): at the start of a
    sentence too, since ordinary words (compounds included) are known to Apertium."""
    if not is_capitalised(token.text) or token.lower_ in FUNCTION_WORDS:
        return False
    if not (is_sentence_start(token) or mid_sentence(token)) or is_compound_word(token.text):
        return False
    if previous_word(token) in PLACE_PREPOSITIONS:
        return False  # a place: the location recognizer decides
    info = analysis.get(token.text)
    known = info is not None and (info.known or bool(info.proper))
    return not known and not lexicon.is_common_word(token.text)


class PersonRecognizer(DocRecognizer):
    """PERSON from name lists, Apertium and capitalisation, weighed by context."""

    ENTITIES = (labels.PERSON,)

    def find(self, doc: Doc, analysis: dict[str, lexicon.Analysis]) -> Iterable[Found]:
        names = {t.i: n for t in doc if (n := _name_form(t, analysis)) is not None}
        for i in sorted(names):
            score = _score(doc[i], names, analysis)
            if score > 0:
                yield Found(i, i + 1, labels.PERSON, score, "name list")
        for token in doc:
            if token.i not in names and _unknown_capitalised(token, analysis):
                score = UNKNOWN_AT_START if is_sentence_start(token) else UNKNOWN_WORD
                yield Found(token.i, token.i + 1, labels.PERSON, score, "unknown capitalised word")
