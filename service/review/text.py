"""Correcting a segment's text, with its words re-aligned to the new text.

The new text is split into tokens at white space (a tag, «[navn 1]», is one token). The old
words are grouped into the stretches between white space (a word without a leading space, «-Anne»
after «Kari», belongs to the word before it) and compared with the new tokens by ``difflib``:

- a stretch of old words whose tokens all come back, in order and side by side, is kept as it
  was: its words keep their timings, probability, speaker and ``verbatim``;
- every other run of new tokens becomes words (one per token, with a leading space) that share
  the time between the kept words around them (the segment's start and end at its edges)
  evenly. That is the time the replaced words took; an inserted word between two kept ones
  gets the pause between them, possibly none. The researcher wrote them: probability 1.0, the
  segment's speaker, no ``verbatim``.

Tags cannot be added or removed by editing: the new text must hold exactly the tags the old
one did (a tag is removed by rejecting its redaction, which puts back what was said; one is
added by adding a redaction, which records what it replaced). Tags may move; the segment's
redactions then follow their tags, in order.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from service.errors import IntervjuError
from service.review.tags import (
    TAG,
    Originals,
    check_originals,
    redactions_of,
    segment_index,
    with_redactions,
    words_text,
)
from service.transcript import Redaction, Segment, Transcript, Word

# A token: a run of non-space characters, a tag (which holds a space) counting as one.
TOKEN = re.compile(r"(?:\[[^\[\]]+\]|\S)+")
TYPED_PROBABILITY = 1.0


@dataclass(frozen=True)
class _Stretch:
    """Old words ``first..last`` said without white space between them, and their tokens."""

    first: int
    last: int
    tokens: tuple[str, ...]


def edit_text(
    transcript: Transcript, originals: Originals | None, segment_id: int, text: str
) -> tuple[Transcript, Originals | None]:
    """Segment ``segment_id`` with the researcher's ``text``, its words re-aligned."""
    check_originals(transcript, originals)
    if any(not ch.isspace() and not ch.isprintable() for ch in text):
        raise IntervjuError("review.bad_text")
    position = segment_index(transcript, segment_id)
    segment = transcript.segments[position]
    tokens = TOKEN.findall(text)
    known = {r.tag for r in redactions_of(transcript) if r.segment == segment_id}
    _check_tags(words_text(segment), " ".join(tokens), known)
    if segment.words:
        changed = _realigned(segment, tokens)
    else:
        changed = segment.model_copy(update={"text": " ".join(tokens)})
    segments = list(transcript.segments)
    segments[position] = changed
    result = transcript.model_copy(update={"segments": tuple(segments)})
    if not redactions_of(transcript):
        return result, originals
    redactions, moved = _follow_tags(redactions_of(transcript), originals, changed)
    return with_redactions(result, redactions), moved


def _check_tags(old: str, new: str, known: set[str]) -> None:
    """The new text holds the old one's tags, no more, no fewer. The message names a missing
    tag only when it is a redaction's («[navn 1]»): what is typed between brackets, or
    bracketed text the recogniser wrote, may be a name."""
    before, after = Counter(TAG.findall(old)), Counter(TAG.findall(new))
    removed, added = before - after, after - before
    if removed:
        shown = sorted(tag for tag in removed if tag in known)
        raise IntervjuError("review.tag_removed", tag=shown[0] if shown else "[…]")
    if added or _stray_brackets(new) > _stray_brackets(old):
        raise IntervjuError("review.tag_added")


def _stray_brackets(text: str) -> int:
    """Square brackets outside tags: reserved for tags, so none may be added."""
    rest = TAG.sub("", text)
    return rest.count("[") + rest.count("]")


def _stretches(words: Sequence[Word]) -> list[_Stretch]:
    groups: list[list[int]] = []
    for index, word in enumerate(words):
        if groups and not word.text[:1].isspace():
            groups[-1].append(index)
        else:
            groups.append([index])
    stretches = []
    for group in groups:
        said = "".join(words[i].text for i in group)
        stretches.append(_Stretch(group[0], group[-1], tuple(TOKEN.findall(said))))
    return stretches


def _kept(stretches: Sequence[_Stretch], tokens: Sequence[str]) -> dict[int, int]:
    """The old stretches that come back unchanged: first new token -> stretch."""
    old = [(token, number) for number, s in enumerate(stretches) for token in s.tokens]
    matcher = difflib.SequenceMatcher(None, [t for t, _ in old], list(tokens), autojunk=False)
    matched: dict[int, list[int]] = {}  # stretch -> the new tokens its tokens matched
    for tag, i1, i2, j1, _ in matcher.get_opcodes():
        if tag == "equal":
            for offset in range(i2 - i1):
                matched.setdefault(old[i1 + offset][1], []).append(j1 + offset)
    kept = {}
    for number, new in matched.items():
        count = len(stretches[number].tokens)
        if count and len(new) == count and new == list(range(new[0], new[0] + count)):
            kept[new[0]] = number
    return kept


def _realigned(segment: Segment, tokens: Sequence[str]) -> Segment:
    words = segment.words
    stretches = _stretches(words)
    kept = _kept(stretches, tokens)
    result: list[Word] = []
    run: list[str] = []
    edge = segment.start  # where the time free for new words begins

    def flush(until: float) -> None:
        if run:
            step = max(until - edge, 0.0) / len(run)
            for number, token in enumerate(run):
                start = edge + number * step
                result.append(
                    Word(
                        start=round(start, 3),
                        end=round(start + step, 3),
                        text=f" {token}",
                        probability=TYPED_PROBABILITY,
                        speaker=segment.speaker,
                    )
                )
            run.clear()

    index = 0
    while index < len(tokens):
        if index in kept:
            stretch = stretches[kept[index]]
            old = words[stretch.first : stretch.last + 1]
            flush(old[0].start)
            result += old
            edge = max(w.end for w in old)
            index += len(stretch.tokens)
        else:
            run.append(tokens[index])
            index += 1
    flush(max(segment.end, edge))
    text = "".join(word.text for word in result).strip()
    return segment.model_copy(update={"words": tuple(result), "text": text})


def _follow_tags(
    redactions: Sequence[Redaction], originals: Originals | None, segment: Segment
) -> tuple[list[Redaction], Originals | None]:
    """The segment's redactions pointed at their tags' new places, in text order (with their
    originals); the other redactions as they were."""
    mine = [i for i, r in enumerate(redactions) if r.segment == segment.id]
    holders: list[tuple[int | None, str]] = [(i, w.text) for i, w in enumerate(segment.words)]
    if not holders:
        holders = [(None, segment.text)]
    places: dict[str, list[tuple[int, int | None, int]]] = {}  # tag -> (order, word, offset)
    order = 0
    for word, text in holders:
        for match in TAG.finditer(text):
            places.setdefault(match.group(), []).append((order, word, match.start()))
            order += 1
    moved: list[tuple[int, Redaction, str | None]] = []
    for i in mine:
        redaction = redactions[i]
        if not places.get(redaction.tag):
            raise ValueError("a redaction's tag is not in its segment")
        at, word, _ = places[redaction.tag].pop(0)
        original = originals[i] if originals is not None else None
        moved.append((at, redaction.model_copy(update={"word": word}), original))
    moved.sort(key=lambda item: item[0])
    result = list(redactions)
    said = list(originals) if originals is not None else None
    for slot, (_, redaction, original) in zip(mine, moved, strict=True):
        result[slot] = redaction
        if said is not None and original is not None:
            said[slot] = original
    return result, tuple(said) if said is not None else None
