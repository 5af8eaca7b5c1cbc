"""Places: municipalities, counties and postal places, «X kommune», Apertium's place names.

All 357 municipalities (with their Sami and Kven names), the counties and every postal place come
from the package's gazetteers; names of several words («Mo i Rana», «Indre Østfold») are matched
as a whole and a genitive «s» on the last word is allowed («Bodøs»). Place names that are also
ordinary words (Time, Gran, Vik, Hole, Moss, Nes) need a capital away from the start of a
sentence and a place preposition before them («i Time») or «kommune» after them.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from spacy.tokens import Doc, Token

from anonymizer import data, labels, lexicon
from anonymizer.recognizers._doc import (
    PLACE_PREPOSITIONS,
    DocRecognizer,
    Found,
    genitive_base,
    is_capitalised,
    is_sentence_start,
    previous_word,
)

MUNICIPALITY_SCORE = 0.85
PLACE_SCORE = 0.75
APERTIUM_SCORE = 0.6
UNKNOWN_AFTER_PREPOSITION = 0.5
KOMMUNE_SCORE = 0.9
KOMMUNE_WORDS = frozenset({"kommune", "kommunes", "kommunen", "kommunens"})


@cache
def _gazetteer() -> dict[str, list[tuple[tuple[str, ...], str]]]:
    """First word → [(all words, label)], longest names first."""
    entries: dict[tuple[str, ...], str] = {}
    for name in data.postal_place_names():
        entries[tuple(name.split())] = labels.LOCATION
    for name in data.counties():
        entries[tuple(name.split())] = labels.LOCATION
    for name in data.municipalities():
        entries[tuple(name.split())] = labels.MUNICIPALITY
    index: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    for words, label in entries.items():
        index.setdefault(words[0], []).append((words, label))
    for options in index.values():
        options.sort(key=lambda option: -len(option[0]))
    return index


def _match_at(doc: Doc, i: int) -> tuple[int, str] | None:
    """(end token, label) of the longest gazetteer name starting at token i."""
    first = doc[i].text
    options = _gazetteer().get(first) or _gazetteer().get(genitive_base(first))
    for words, label in options or ():
        end = i + len(words)
        if end > len(doc):
            continue
        texts = [t.text for t in doc[i:end]]
        if texts[:-1] == list(words[:-1]) and words[-1] in (texts[-1], genitive_base(texts[-1])):
            return end, label
    return None


def _ambiguous(words: str, analysis: dict[str, lexicon.Analysis]) -> bool:
    info = analysis.get(words)
    return lexicon.is_common_word(words) or (info is not None and info.common)


def _followed_by_kommune(doc: Doc, end: int) -> bool:
    return end < len(doc) and doc[end].lower_ in KOMMUNE_WORDS


def _place_score(doc: Doc, i: int, end: int, label: str, analysis: dict[str, lexicon.Analysis]
                 ) -> float:
    token = doc[i]
    after_preposition = previous_word(token) in PLACE_PREPOSITIONS
    name = doc[i:end].text
    if end - i == 1 and _ambiguous(genitive_base(name), analysis):
        if _followed_by_kommune(doc, end):
            return KOMMUNE_SCORE
        if is_sentence_start(token) or not after_preposition:
            return 0.0
    score = MUNICIPALITY_SCORE if label == labels.MUNICIPALITY else PLACE_SCORE
    if end - i > 1:
        score += 0.1  # «Mo i Rana», «Indre Østfold»: a name of several words is specific
    return min(score + (0.15 if after_preposition else 0.0), 0.95)


def _kommune_phrase(token: Token) -> bool:
    doc = token.doc
    return is_capitalised(token.text) and token.i + 1 < len(doc) and (
        doc[token.i + 1].lower_ in KOMMUNE_WORDS
    )


class LocationRecognizer(DocRecognizer):
    """MUNICIPALITY and LOCATION from gazetteers, «X kommune» and Apertium."""

    ENTITIES = (labels.MUNICIPALITY, labels.LOCATION)

    def find(self, doc: Doc, analysis: dict[str, lexicon.Analysis]) -> Iterable[Found]:
        matched: set[int] = set()
        for token in doc:
            i = token.i
            if _kommune_phrase(token):
                yield Found(i, i + 2, labels.MUNICIPALITY, KOMMUNE_SCORE, "X kommune")
            match = _match_at(doc, i) if is_capitalised(token.text) else None
            if match is not None:
                end, label = match
                score = _place_score(doc, i, end, label, analysis)
                if score > 0:
                    matched.update(range(i, end))
                    yield Found(i, end, label, score, "gazetteer")
        yield from self._other_places(doc, analysis, matched)

    def _other_places(self, doc: Doc, analysis: dict[str, lexicon.Analysis], matched: set[int]
                      ) -> Iterable[Found]:
        for token in doc:
            if token.i in matched or not is_capitalised(token.text) or is_sentence_start(token):
                continue
            info = analysis.get(token.text) or analysis.get(genitive_base(token.text))
            after_preposition = previous_word(token) in PLACE_PREPOSITIONS
            if info is not None and "top" in info.proper and not info.proper & {"ant"}:
                yield Found(token.i, token.i + 1, labels.LOCATION, APERTIUM_SCORE, "Apertium top")
            elif after_preposition and (info is None or not info.known) and not (
                lexicon.is_common_word(token.text)
            ):
                yield Found(token.i, token.i + 1, labels.LOCATION, UNKNOWN_AFTER_PREPOSITION,
                            "unknown capitalised word after a place preposition")
