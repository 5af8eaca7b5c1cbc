"""Word and character error rates after one shared normalisation (jiwer)."""

from __future__ import annotations

import re

import jiwer

_PUNCT = re.compile(r"[^\w\s]", re.UNICODE)


def normalise(text: str) -> str:
    """Lower case, no punctuation, single spaces (NPSC references are written this way)."""
    return " ".join(_PUNCT.sub(" ", text.lower()).split())


def wer(reference: str, hypothesis: str) -> float:
    return float(jiwer.wer(normalise(reference), normalise(hypothesis) or "<tom>"))


def cer(reference: str, hypothesis: str) -> float:
    return float(jiwer.cer(normalise(reference), normalise(hypothesis) or "<tom>"))
