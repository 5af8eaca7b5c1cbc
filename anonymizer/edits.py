"""Edits: every change the anonymiser makes, as a replacement of a range of the input text.

Dialect normalisation, redaction and pronoun rewriting all produce edits against the *input*
text, so the output can always be mapped back to what was said (the review step shows both) and
every span keeps input offsets.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

Reason = Literal["dialect", "entity", "pronoun"]


@dataclass(frozen=True)
class Edit:
    """Replace ``text[start:end]`` of the input with ``replacement``."""

    start: int
    end: int
    replacement: str
    reason: Reason
    label: str | None = None  # the entity label for reason "entity"

    def __post_init__(self) -> None:
        if not 0 <= self.start <= self.end:
            raise ValueError(f"bad edit range {self.start}..{self.end}")


def apply_edits(text: str, edits: Sequence[Edit]) -> str:
    """The text with the (sorted, non-overlapping) edits applied."""
    parts: list[str] = []
    pos = 0
    for edit in edits:
        if edit.start < pos:
            raise ValueError("edits overlap or are not sorted")
        parts.append(text[pos:edit.start])
        parts.append(edit.replacement)
        pos = edit.end
    parts.append(text[pos:])
    return "".join(parts)


class OffsetMap:
    """Maps offsets in the edited text back to the input text.

    An offset inside a replacement maps to the start of the replaced input range when it starts
    a span and to its end when it ends one, so a span of the edited text maps to the smallest
    input range that produced it.
    """

    def __init__(self, edits: Sequence[Edit]) -> None:
        self._edits = list(edits)
        self._out_starts: list[int] = []
        self._out_ends: list[int] = []
        shift = 0
        for edit in self._edits:
            out_start = edit.start + shift
            self._out_starts.append(out_start)
            self._out_ends.append(out_start + len(edit.replacement))
            shift += len(edit.replacement) - (edit.end - edit.start)

    def to_input(self, offset: int, *, is_end: bool) -> int:
        """The input offset for an offset in the edited text."""
        i = bisect.bisect_right(self._out_starts, offset) - 1
        if i < 0:
            return offset
        edit = self._edits[i]
        if offset < self._out_ends[i]:
            if offset == self._out_starts[i]:
                return edit.start
            return edit.end if is_end else edit.start
        return edit.end + offset - self._out_ends[i]

    def span_to_input(self, start: int, end: int) -> tuple[int, int]:
        return self.to_input(start, is_end=False), self.to_input(end, is_end=True)


def merge_edits(base: Iterable[Edit], overriding: Iterable[Edit]) -> list[Edit]:
    """Both edit lists in one; an overriding edit drops every base edit it overlaps.

    Used to lay redactions and pronoun rewrites (input offsets) over dialect normalisation: a
    redacted name replaces whatever normalisation did inside it.
    """
    over = sorted(overriding, key=lambda e: (e.start, e.end))
    kept = [
        b for b in base
        if not any((o.start < b.end and b.start < o.end) or (b.start == b.end == o.start)
                   for o in over)
    ]
    merged = sorted([*kept, *over], key=lambda e: (e.start, e.end))
    for a, b in itertools.pairwise(merged):
        if b.start < a.end:
            raise ValueError("overriding edits overlap each other")
    return merged
