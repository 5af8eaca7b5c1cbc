"""Detect the repetition loops Whisper falls into ("hatt en mime mønner hatt en mime mønner …").

Verbatim interview speech repeats legitimately ("nei, nei, nei", "ja ja"), so a loop is a
phrase repeated back to back more often than people do.
"""

from __future__ import annotations

import re
import zlib

_WORD = re.compile(r"\w+", re.UNICODE)

# Back-to-back repetitions that count as a loop, by phrase length in words.
_MIN_REPEATS = {1: 6, 2: 4, 3: 3, 4: 3, 5: 3, 6: 3, 7: 3, 8: 3}
COMPRESSION_LIMIT = 2.4  # Whisper's own threshold for "too repetitive"


def compression_ratio(text: str) -> float:
    data = text.encode("utf-8")
    if not data:
        return 0.0
    return len(data) / len(zlib.compress(data))


def words_of(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def find_repeat(words: list[str]) -> tuple[int, int] | None:
    """The first 1-8 word phrase repeated back to back often enough to be a loop.

    Returns ``(phrase_length, repeats)``, or ``None`` when there is none.
    """
    for size, needed in _MIN_REPEATS.items():
        for start in range(len(words) - size * needed + 1):
            phrase = words[start : start + size]
            repeats = 1
            pos = start + size
            while words[pos : pos + size] == phrase:
                repeats += 1
                pos += size
            if repeats >= needed:
                return size, repeats
    return None


def is_loop(text: str) -> bool:
    """True when ``text`` repeats a phrase more than speech does, or compresses too well."""
    words = words_of(text)
    if find_repeat(words) is not None:
        return True
    return len(words) >= 12 and compression_ratio(text) > COMPRESSION_LIMIT
