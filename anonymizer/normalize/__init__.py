"""Dialect and nynorsk → bokmål normalisation, as edits of the input text.

``normalize(text)`` returns :class:`~anonymizer.edits.Edit` s (reason ``"dialect"``), sorted and
non-overlapping, each replacing one word (or a fixed expression like «kva tid») of the input with
its bokmål form; ``apply_edits(text, edits)`` gives the bokmål text. Spaces, punctuation, numbers,
capitalised words inside a sentence (names) and words with more capitals (NAV) are never touched;
a changed word keeps its capitalisation (Eg → Jeg, eg → jeg).

Per word, the first of these that has an answer decides:

1. the curated dialect tables (:mod:`.dialect`): fixed expressions, then spoken forms;
2. Apertium ``nno-nob`` (:mod:`.apertium`), run once per text on the sentences that hold a word
   the bokmål dictionary does not know; its change is kept for such a word, and for a word that
   is also bokmål («boka», «de») only inside an evidently nynorsk sentence;
3. the nynorsk table, for what Apertium left alone or is switched off for.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from functools import cache
from pathlib import Path

from anonymizer.edits import Edit
from anonymizer.normalize.apertium import (
    HUNSPELL_NB,
    Apertium,
    BokmalDictionary,
    NormalizerMissing,
    is_respelling,
)
from anonymizer.normalize.dialect import DIALECT, NYNORSK, lookup, multiword_at
from anonymizer.normalize.tokens import Token, match_case, sentences, tokenize

__all__ = ["Normalizer", "NormalizerMissing", "normalize"]

logger = logging.getLogger(__name__)

# start token index → (number of tokens replaced, bokmål form in lower case)
_Choices = dict[int, tuple[int, str]]

# closed-class bokmål words the hunspell list lacks
_BOKMAL_EXTRA = frozenset({"mi", "di", "si", "noen", "noe", "liten"})
# frequent words that are bokmål and never nynorsk: a sentence holding one is not nynorsk
BOKMAL_ONLY = frozenset({
    "jeg", "ikke", "hva", "hvem", "hvor", "hvordan", "hvorfor", "hvilken", "hvilket", "hvilke",
    "hun", "ham", "hennes", "dere", "deres", "noe", "noen", "mye", "hjem", "hjemme",
    "mens", "siden", "bare", "selv", "ble", "vet", "tror", "kommer", "sier", "gikk", "fikk",
    "mener", "synes", "egentlig", "hver", "hvert", "skole", "meget",
})


class Normalizer:
    """Normalises transcripts to bokmål; build once (loading the dictionary takes about 1 s).

    ``apertium=False`` runs the dialect and nynorsk tables alone (no system packages needed).
    Raises :class:`NormalizerMissing` when Apertium or the hunspell bokmål list is not installed.
    """

    def __init__(self, *, apertium: bool = True, pair: str = "nno-nob",
                 dictionary: Path = HUNSPELL_NB) -> None:
        self._apertium = Apertium(pair) if apertium else None
        self._dictionary = BokmalDictionary(dictionary) if apertium else None

    def normalize(self, text: str) -> list[Edit]:
        """The edits that turn ``text`` into bokmål (input offsets, sorted, non-overlapping)."""
        tokens = tokenize(text)
        choices = _from_dialect(text, tokens)
        if self._apertium is not None and self._dictionary is not None:
            choices.update(_from_apertium(self._apertium, self._dictionary, text, tokens,
                                          _free(tokens, choices)))
        for i in _free(tokens, choices):
            found = lookup(NYNORSK, tokens, i)
            if found is not None:
                choices[i] = (1, found)
        edits = _edits(text, tokens, choices)
        logger.debug("normalised %d words with %d edits", len(tokens), len(edits))
        return edits


def _free(tokens: Sequence[Token], choices: _Choices) -> list[int]:
    """Indices of the tokens that are not protected and not part of a choice made already."""
    taken = {j for start, (n, _) in choices.items() for j in range(start, start + n)}
    return [i for i, token in enumerate(tokens) if not token.is_protected and i not in taken]


def _from_apertium(apertium: Apertium, dictionary: BokmalDictionary, text: str,
                   tokens: Sequence[Token], free: Sequence[int]) -> _Choices:
    """Apertium's changes to the ``free`` words (see the module docstring).

    A word that is not bokmål takes Apertium's translation anywhere. A word that is also bokmål
    («boka», «ga», «de», «kvar») takes it only inside a nynorsk sentence: one where some other word
    was translated that way and none of the words only bokmål uses («jeg», «ikke», «noen») occurs.
    Only sentences holding a word that is not bokmål go through Apertium.
    """
    known: dict[str, bool] = {}

    def is_bokmal(word: str) -> bool:
        low = word.lower()
        if low not in known:
            known[low] = low in _BOKMAL_EXTRA or dictionary.knows(low)
        return known[low]

    candidates = {i for i in free if not is_bokmal(tokens[i].text)}
    spans = [span for span in sentences(tokens) if not candidates.isdisjoint(span)]
    translated = apertium.translate(text, tokens, spans)
    changed = {i: translated[i].lower() for i in free if i in translated
               and is_respelling(tokens[i].text, translated[i])}
    choices: _Choices = {}
    for span in spans:
        changed_here = [i for i in span if i in changed]
        nynorsk = any(i in candidates for i in changed_here) and not any(
            tokens[i].lower in BOKMAL_ONLY for i in span)
        choices.update((i, (1, changed[i])) for i in changed_here if nynorsk or i in candidates)
    return choices


def _from_dialect(text: str, tokens: Sequence[Token]) -> _Choices:
    choices: _Choices = {}
    i = 0
    while i < len(tokens):
        multiword = multiword_at(text, tokens, i)
        if multiword is not None and not any(t.is_protected for t in tokens[i:i + multiword[0]]):
            choices[i] = multiword
            i += multiword[0]
            continue
        found = None if tokens[i].is_protected else lookup(DIALECT, tokens, i)
        if found is not None:
            choices[i] = (1, found)
        i += 1
    return choices


def _edits(text: str, tokens: Sequence[Token], choices: _Choices) -> list[Edit]:
    edits: list[Edit] = []
    for i in sorted(choices):
        n, form = choices[i]
        start, end = tokens[i].start, tokens[i + n - 1].end
        replacement = match_case(tokens[i].text, form)
        if replacement != text[start:end]:
            edits.append(Edit(start, end, replacement, "dialect"))
    return edits


@cache
def _default() -> Normalizer:
    return Normalizer()


def normalize(text: str) -> list[Edit]:
    """Bokmål edits for ``text`` with the default :class:`Normalizer` (Apertium on)."""
    return _default().normalize(text)
