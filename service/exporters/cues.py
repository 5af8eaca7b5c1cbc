"""Subtitle cues from a transcript: short enough to read (two lines, a few seconds), split at word
boundaries with the words' own times, in time order and within the recording.

A segment whose words no longer spell its text (edited in review) is split by its text instead,
its time shared out by characters.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from service.transcript import Segment, Transcript

MAX_LINE = 42  # characters on one subtitle line (the common broadcast limit)
MAX_LINES = 2
MAX_SECONDS = 7.0
MIN_SECONDS = 0.2  # a cue shorter than this is stretched (within the recording)


@dataclass(frozen=True)
class Cue:
    start: float
    end: float
    lines: tuple[str, ...]
    speaker: str | None  # display name


def cues(transcript: Transcript) -> list[Cue]:
    """The transcript's cues, starts never going back, each within ``[0, duration]``."""
    duration = transcript.source.duration
    raw = [
        (start, end, text, _speaker(transcript, segment.speaker))
        for segment in sorted(transcript.segments, key=lambda s: s.start)
        for start, end, text in _pieces(segment)
    ]
    result: list[Cue] = []
    previous_end = 0.0
    for start, end, text, speaker in raw:
        start = max(start, previous_end, 0.0)
        end = max(end, start + MIN_SECONDS)
        if duration > 0:
            end = min(end, duration)
            start = min(start, end)
        if end <= start:
            continue  # nothing of it is left inside the recording
        result.append(Cue(start, end, wrap(text), speaker))
        previous_end = end
    return result


def _speaker(transcript: Transcript, speaker_id: str | None) -> str | None:
    """The display name on one line: a line break in it would end an SRT cue."""
    name = transcript.speaker_name(speaker_id)
    if name is None:
        return None
    return " ".join(name.split()) or None


def wrap(text: str) -> tuple[str, ...]:
    """One line, or two split at the space nearest the middle."""
    if len(text) <= MAX_LINE or " " not in text:
        return (text,)
    middle = len(text) // 2
    spaces = _breakable_spaces(text)
    if not spaces:
        return (text,)
    cut = min(spaces, key=lambda i: abs(i - middle))
    return (text[:cut].strip(), text[cut + 1 :].strip())


def _breakable_spaces(text: str) -> list[int]:
    """Where a line may break: at spaces, never inside a tag such as ``[navn 1]``."""
    spaces = []
    depth = 0
    for i, char in enumerate(text):
        if char == "[":
            depth += 1
        elif char == "]":
            depth = max(depth - 1, 0)
        elif char == " " and depth == 0:
            spaces.append(i)
    return spaces


def _pieces(segment: Segment) -> Iterator[tuple[float, float, str]]:
    text = " ".join(segment.text.split())
    if not text:
        return
    words = [w for w in segment.words if w.text.strip()]
    if words and " ".join("".join(w.text for w in words).split()) == text:
        yield from _by_words([(w.start, w.end, w.text.strip()) for w in words])
    else:
        yield from _by_characters(segment.start, segment.end, text)


def _by_words(words: Sequence[tuple[float, float, str]]) -> Iterator[tuple[float, float, str]]:
    """Greedy: add words while the cue fits in two lines and MAX_SECONDS; then the last two
    cues share their words more evenly, so that no word is left alone at the end."""
    groups: list[list[tuple[float, float, str]]] = [[words[0]]]
    for word in words[1:]:
        candidate = [*groups[-1], word]
        if _fits_words(candidate):
            groups[-1] = candidate
        else:
            groups.append([word])
    if len(groups) > 1:
        groups[-2:] = _balanced(groups[-2] + groups[-1])
    for group in groups:
        yield group[0][0], group[-1][1], " ".join(text for _, _, text in group)


def _fits_words(group: Sequence[tuple[float, float, str]]) -> bool:
    """A cue of these words is short enough (a single word always is: it cannot be split)."""
    if len(group) == 1:
        return True
    return group[-1][1] - group[0][0] <= MAX_SECONDS and _fits(" ".join(w[2] for w in group))


def _balanced(
    words: list[tuple[float, float, str]],
) -> list[list[tuple[float, float, str]]]:
    """Two cues of ``words`` as equal in length as they can be while both fit."""
    splits = [
        (words[:i], words[i:])
        for i in range(1, len(words))
        if _fits_words(words[:i]) and _fits_words(words[i:])
    ]
    first, second = min(
        splits,
        key=lambda pair: abs(
            len(" ".join(w[2] for w in pair[0])) - len(" ".join(w[2] for w in pair[1]))
        ),
    )
    return [first, second]


def _by_characters(start: float, end: float, text: str) -> Iterator[tuple[float, float, str]]:
    """Split ``text`` into cues that fit, timing each by its share of the characters."""
    chunks: list[list[str]] = [[]]
    for word in text.split():
        if chunks[-1] and not _fits(" ".join([*chunks[-1], word])):
            chunks.append([])
        chunks[-1].append(word)
    lines = [" ".join(chunk) for chunk in chunks]
    total = sum(len(line) for line in lines)
    span = max(end - start, 0.0)
    # split further by time when a chunk would still last too long
    at = start
    for line in lines:
        length = span * len(line) / total if total else 0.0
        pieces = max(1, int(length // MAX_SECONDS) + (length % MAX_SECONDS > 0))
        yield from _even(at, at + length, line, pieces)
        at += length


def _even(start: float, end: float, text: str, pieces: int) -> Iterator[tuple[float, float, str]]:
    words = text.split()
    pieces = min(pieces, len(words))
    size = -(-len(words) // pieces)
    groups = [words[i : i + size] for i in range(0, len(words), size)]
    step = (end - start) / len(groups)
    for i, group in enumerate(groups):
        yield start + i * step, start + (i + 1) * step, " ".join(group)


def _fits(text: str) -> bool:
    lines = wrap(text)
    return len(lines) <= MAX_LINES and all(len(line) <= MAX_LINE for line in lines)
