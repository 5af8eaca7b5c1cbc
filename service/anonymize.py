"""The anonymisation step: the whole transcript through the anonymiser, its edits mapped back
onto the words.

All words are joined into one text (each word carries its leading space and punctuation;
segments are joined with a line break), so a name is recognised with the sentences around it as
context, also across segments. The anonymiser's edits (offsets in that text) then go back to the
words they cover:

- an edit inside a word changes that word;
- an edit over several words (a two-word name) goes to the first of them, which keeps its leading
  space, takes the text after the edit in the last of them (a comma) and their time (end
  extended, probability the lowest); the others are merged into it;
- an edit never crosses a segment: a redaction or pronoun rewrite that would is split, its
  replacement in the first segment and what it covers in the next removed (a name is never left
  half there); a dialect edit that would is not applied;
- a word left empty disappears; a segment's text is rebuilt from its words.

A word's ``verbatim`` is the same word with only the redactions and pronoun rewrites applied, set
where dialect normalisation changed it, so it never holds a redacted name. Speakers are not
touched: the speaker table holds roles («Intervjuer», «Informant») or names the researcher gave,
never a name heard in the recording. Logs hold counts and timings only.

``anonymize_with_originals`` also hands back what each tag replaced (``Anonymized.originals``),
for the researcher's review: the job store keeps them apart from the transcript, and deletes
them once the transcript is verified. They are never logged.
"""

from __future__ import annotations

import bisect
import logging
import re
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Protocol

from anonymizer import AnonymizationResult, Edit, Policy, labels
from service.config import Settings
from service.errors import IntervjuError
from service.options import TextChoices
from service.progress import Hook, no_op_hook
from service.transcript import AnonymizationInfo, Redaction, Segment, Transcript, Word

logger = logging.getLogger(__name__)

LANGUAGE = "nb"  # the anonymiser's language: it writes bokmål whatever the dialect
SEGMENT_SEPARATOR = "\n"
STEP = "anonymizing"
_TAG = re.compile(r"\[[^\[\]]+\]")

Range = tuple[int, int]


class TextAnonymizer(Protocol):
    """What the step needs of ``anonymizer.Anonymizer``."""

    @property
    def policy(self) -> Policy: ...

    def anonymize(self, text: str) -> AnonymizationResult: ...


@dataclass(frozen=True)
class Change:
    """An edit clipped to one segment; ``tag`` is set on the piece that carries a redaction."""

    start: int
    end: int
    replacement: str
    reason: str
    label: str | None = None
    tag: str | None = None
    original: str | None = None  # what the redaction replaced (set where ``tag`` is)


@dataclass(frozen=True)
class Anonymized:
    """An anonymised transcript, and ``originals[i]``: the text said that
    ``transcript.anonymization.redactions[i]`` replaced (for the researcher's review only)."""

    transcript: Transcript
    originals: tuple[str, ...]


@dataclass(frozen=True)
class JoinedText:
    """The text the anonymiser reads, and where each segment's words lie in it.

    ``units[i]`` are the ranges of segment ``i``'s words, or of its text when it has no words.
    """

    text: str
    units: tuple[tuple[Range, ...], ...]

    def bounds(self, segment: int) -> Range:
        units = self.units[segment]
        return units[0][0], units[-1][1]


def job_policy(choices: TextChoices) -> Policy | None:
    """The anonymiser's policy for a job's choices; ``None`` when the step does not run."""
    if choices.redact:
        return Policy(normalize=choices.normalize, dates=choices.dates)
    if choices.normalize:
        return Policy(entities=frozenset(), pronouns=False, normalize=True)
    return None


def load_anonymizer(settings: Settings, policy: Policy) -> TextAnonymizer:
    """The anonymiser for ``policy`` with the configured spaCy pipeline (loaded once per process
    and shared by every policy's anonymiser)."""
    from anonymizer import Anonymizer  # heavy: spaCy and Presidio

    started = time.monotonic()
    with unavailable_as_error():
        anonymizer = Anonymizer(LANGUAGE, policy=policy, model=settings.anonymization.model)
    logger.info("anonymiser loaded in %.1f s", time.monotonic() - started)
    return anonymizer


@contextmanager
def unavailable_as_error() -> Iterator[None]:
    """A model, tool or word list the anonymiser needs and cannot find: a readable error.

    Their messages name a path or a package to install, never any text.
    """
    from anonymizer import ResourceMissing

    try:
        yield
    except ResourceMissing as exc:
        raise IntervjuError("anonymization.unavailable", reason=str(exc)) from None


def join_words(transcript: Transcript) -> JoinedText:
    """All words' texts in one text, segments separated by a line break."""
    parts: list[str] = []
    units: list[tuple[Range, ...]] = []
    pos = 0
    for index, segment in enumerate(transcript.segments):
        if index:
            parts.append(SEGMENT_SEPARATOR)
            pos += len(SEGMENT_SEPARATOR)
        texts = [word.text for word in segment.words] if segment.words else [segment.text]
        ranges = []
        for text in texts:
            ranges.append((pos, pos + len(text)))
            parts.append(text)
            pos += len(text)
        units.append(tuple(ranges))
    return JoinedText("".join(parts), tuple(units))


def anonymize_transcript(
    anonymizer: TextAnonymizer, transcript: Transcript, hook: Hook = no_op_hook
) -> Transcript:
    """``transcript`` anonymised as ``anonymizer``'s policy says, with ``anonymization`` set."""
    return anonymize_with_originals(anonymizer, transcript, hook).transcript


def anonymize_with_originals(
    anonymizer: TextAnonymizer, transcript: Transcript, hook: Hook = no_op_hook
) -> Anonymized:
    """``transcript`` anonymised, with the text each of its redactions replaced."""
    started = time.monotonic()
    hook(STEP, completed=0.0, total=1.0)
    joined = join_words(transcript)
    with unavailable_as_error():
        result = anonymizer.anonymize(joined.text) if joined.text.strip() else None
    edits = result.edits if result is not None else []
    tags = {(r.start, r.end): r.tag for r in result.replacements} if result is not None else {}
    per_segment, crossing = split_by_segment(edits, joined, tags)
    segments: list[Segment] = []
    redactions: list[Redaction] = []
    originals: list[str] = []
    for index, segment in enumerate(transcript.segments):
        rewritten, found = rewrite_segment(
            segment, joined.text, joined.units[index], per_segment[index]
        )
        segments.append(rewritten)
        redactions += [redaction for redaction, _ in found]
        originals += [original for _, original in found]
    seconds = time.monotonic() - started
    policy = anonymizer.policy
    info = AnonymizationInfo(
        normalized=policy.normalize,
        pronouns=policy.pronouns,
        entities=tuple(label for label in labels.ALL if policy.redacts(label)),
        redactions=tuple(redactions),
        seconds=round(seconds, 3),
    )
    hook(STEP, completed=1.0, total=1.0)
    logger.info(
        "anonymised %d segments: %d edits (%d dialect, %d pronoun), %d redactions, "
        "%d edits across segments; %.2f s",
        len(segments),
        len(edits),
        sum(edit.reason == "dialect" for edit in edits),
        sum(edit.reason == "pronoun" for edit in edits),
        len(redactions),
        crossing,
        seconds,
    )
    anonymized = transcript.model_copy(update={"segments": tuple(segments), "anonymization": info})
    return Anonymized(anonymized, tuple(originals))


def split_by_segment(
    edits: Sequence[Edit], joined: JoinedText, tags: dict[Range, str]
) -> tuple[list[list[Change]], int]:
    """Each segment's changes, and how many edits crossed a segment boundary.

    An edit over several segments keeps its replacement in the first and removes what it covers
    in the others; a dialect edit over several segments is dropped (the text stays as said).
    """
    per_segment: list[list[Change]] = [[] for _ in joined.units]
    bounds = [joined.bounds(i) for i in range(len(joined.units))]
    starts = [start for start, _ in bounds]
    crossing, previous_end = 0, 0
    for edit in edits:
        if edit.start < previous_end or edit.end > len(joined.text):
            raise ValueError("the anonymiser's edits overlap or lie outside the text")
        previous_end = edit.end
        pieces = _pieces(edit, bounds, starts)
        if len(pieces) > 1:
            crossing += 1
            if edit.reason == "dialect":
                continue
        tag = _tag(edit, tags) if edit.reason == "entity" else None
        original = joined.text[edit.start : edit.end] if tag is not None else None
        for number, (index, start, end) in enumerate(pieces):
            if number == 0:
                change = Change(
                    start, end, edit.replacement, edit.reason, edit.label, tag, original
                )
            else:
                change = Change(start, end, "", edit.reason, edit.label)
            per_segment[index].append(change)
    return per_segment, crossing


def _pieces(
    edit: Edit, bounds: Sequence[Range], starts: Sequence[int]
) -> list[tuple[int, int, int]]:
    """``(segment, start, end)``: the part of ``edit`` in each segment it touches."""
    first = max(bisect.bisect_right(starts, edit.start) - 1, 0)
    if edit.start == edit.end:  # an insertion: the segment it lies in or at the end of
        return [(i, edit.start, edit.end) for i in (first,) if bounds[i][1] >= edit.start]
    pieces = []
    for index in range(first, len(bounds)):
        a, b = bounds[index]
        if a >= edit.end:
            break
        start, end = max(edit.start, a), min(edit.end, b)
        if start < end:
            pieces.append((index, start, end))
    return pieces


def rewrite_segment(
    segment: Segment, text: str, units: Sequence[Range], changes: Sequence[Change]
) -> tuple[Segment, list[tuple[Redaction, str]]]:
    """``segment`` with ``changes`` (offsets in ``text``) applied, and the tags put into it,
    each with the text it replaced.

    A segment with words always gets the text of its words: the words are what was read.
    """
    if not changes:
        said = "".join(word.text for word in segment.words).strip()
        if not segment.words or said == segment.text:
            return segment, []
        return segment.model_copy(update={"text": said}), []
    if not segment.words:
        start, end = units[0]
        new_text = _apply(text, start, end, changes).strip()
        found = [_redaction(change, segment.id, None) for change in changes if change.tag]
        return segment.model_copy(update={"text": new_text}), found
    words: list[Word] = []
    redactions: list[tuple[Redaction, str]] = []
    for (first, last), group in _clusters(units, changes):
        start, end = units[first][0], units[last][1]
        new_text = _apply(text, start, end, group)
        if not new_text.strip():
            continue  # a word left empty disappears
        verbatim = _apply(text, start, end, [c for c in group if c.reason != "dialect"])
        merged = segment.words[first : last + 1]
        words.append(
            merged[0].model_copy(
                update={
                    "text": new_text,
                    "end": max(word.end for word in merged),
                    "probability": min(word.probability for word in merged),
                    "verbatim": None if verbatim == new_text else verbatim,
                }
            )
        )
        redactions += [_redaction(c, segment.id, len(words) - 1) for c in group if c.tag]
    new_text = "".join(word.text for word in words).strip()
    return segment.model_copy(update={"words": tuple(words), "text": new_text}), redactions


def _clusters(
    units: Sequence[Range], changes: Sequence[Change]
) -> list[tuple[Range, list[Change]]]:
    """Runs of words ``(first, last)`` that changes join, each with its changes."""
    starts = [start for start, _ in units]

    def unit_at(pos: int) -> int:
        return min(max(bisect.bisect_right(starts, pos) - 1, 0), len(units) - 1)

    joined = [False] * len(units)  # joined[k]: word k is merged into the word before it
    for change in changes:
        if change.start < change.end:
            for k in range(unit_at(change.start) + 1, unit_at(change.end - 1) + 1):
                joined[k] = True
    runs: list[Range] = []
    for k in range(len(units)):
        if joined[k] and runs:
            runs[-1] = (runs[-1][0], k)
        else:
            runs.append((k, k))
    owner = [0] * len(units)
    for number, (first, last) in enumerate(runs):
        owner[first : last + 1] = [number] * (last - first + 1)
    grouped: list[list[Change]] = [[] for _ in runs]
    for change in changes:
        grouped[owner[unit_at(change.start)]].append(change)
    return list(zip(runs, grouped, strict=True))


def _apply(text: str, start: int, end: int, changes: Sequence[Change]) -> str:
    """``text[start:end]`` with ``changes`` (sorted, inside the range) applied."""
    parts: list[str] = []
    pos = start
    for change in changes:
        parts += [text[pos : change.start], change.replacement]
        pos = change.end
    parts.append(text[pos:end])
    return "".join(parts)


def _tag(edit: Edit, tags: dict[Range, str]) -> str:
    """The numbered tag an entity edit put in («[navn 1]», also for «[navn 1]s»)."""
    tag = tags.get((edit.start, edit.end))
    if tag is not None:
        return tag
    match = _TAG.search(edit.replacement)
    return match.group(0) if match else edit.replacement


def _redaction(change: Change, segment: int, word: int | None) -> tuple[Redaction, str]:
    redaction = Redaction(
        tag=change.tag or "", label=change.label or "", segment=segment, word=word
    )
    return redaction, change.original or ""
