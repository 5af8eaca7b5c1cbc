"""Words of a transcript with their offsets, and the small facts normalisation needs about them.

A token is a run of word characters, optionally joined by hyphens or apostrophes («Nord-Norge»,
«30-åra»). The text between two tokens (spaces, punctuation) is never changed by normalisation.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

_WORD = re.compile(r"\w+(?:['’\-]\w+)*")
_SENTENCE_END = re.compile(r"[.!?…]|\n")
_CLAUSE_BREAK = re.compile(r"[,;:–—()«»\"]|(?:^|\s)-(?:\s|$)")


@dataclass(frozen=True)
class Token:
    """One word of the input: ``text == input[start:end]``."""

    start: int
    end: int
    text: str
    sentence_start: bool  # the first word of the text, or after . ! ? … or a line break
    clause_start: bool  # a sentence start, or after a comma, colon, dash or quote

    @property
    def lower(self) -> str:
        return self.text.lower()

    @property
    def is_plain_word(self) -> bool:
        """Letters only (hyphens and apostrophes allowed): no digits, no underscores."""
        return not any(c.isdigit() or c == "_" for c in self.text)

    @property
    def is_protected(self) -> bool:
        """A word normalisation must leave exactly as it is.

        Numbers and codes, capitalised words inside a sentence (names: they are detected later and
        must keep their exact form), and words with capitals after the first letter («NAV»,
        «McDonald»). A capitalised first word of a sentence is not protected: it is capitalised
        because it starts the sentence.
        """
        if not self.is_plain_word:
            return True
        if any(c.isupper() for c in self.text[1:]) and len(self.text) > 1:
            return True
        return self.text[0].isupper() and not self.sentence_start


def tokenize(text: str) -> list[Token]:
    """The words of ``text`` in order, with sentence and clause starts marked."""
    tokens: list[Token] = []
    previous_end = 0
    for match in _WORD.finditer(text):
        gap = text[previous_end:match.start()]
        first = not tokens
        sentence_start = first or bool(_SENTENCE_END.search(gap))
        clause_start = sentence_start or bool(_CLAUSE_BREAK.search(gap))
        tokens.append(Token(match.start(), match.end(), match.group(), sentence_start,
                            clause_start))
        previous_end = match.end()
    return tokens


def sentences(tokens: Sequence[Token]) -> list[range]:
    """Index ranges of ``tokens``, one per sentence."""
    starts = [i for i, token in enumerate(tokens) if token.sentence_start]
    ends = [*starts[1:], len(tokens)] if starts else []
    return [range(start, end) for start, end in zip(starts, ends, strict=True)]


def match_case(original: str, replacement: str) -> str:
    """``replacement`` with the capitalisation pattern of ``original`` (Eg → Jeg, EG → JEG)."""
    if len(original) > 1 and original.isupper():
        return replacement.upper()
    if original[:1].isupper():
        return replacement[:1].upper() + replacement[1:]
    return replacement.lower()
