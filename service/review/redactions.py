"""Accepting, rejecting and adding redactions.

Rejecting puts what was said back where the tag stands: in the segment text, the word's text
and the word's ``verbatim`` when that holds the tag. A genitive «s» the anonymiser left after a
tag («[navn 1]s» for «Karis») goes with it. A name the anonymiser split across two segments is
put back whole in the first, as one word.

Adding replaces a stretch of a segment's text by a tag: the stretch must start and end at word
boundaries and hold no tag. The words it touches become one word (the first one's start and
leading space, the last one's end and trailing punctuation, the lowest probability). The same
text already redacted under the same label gets the same tag; otherwise the label's next number
(«[navn 3]» after «[navn 2]»); identifiers get their unnumbered tag («[telefonnummer]»).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from service.errors import IntervjuError
from service.review.tags import (
    TAG,
    Originals,
    check_originals,
    holder_text,
    occurrence,
    redaction_at,
    redactions_of,
    require_originals,
    segment_index,
    tag_span,
    with_redactions,
    words_text,
)
from service.transcript import Redaction, Segment, Transcript, Word

# How ``service.anonymize`` joins segments for the anonymiser (not imported from there: that
# module, like ``anonymizer.labels``, pulls in Presidio, which the review does not need).
SEGMENT_SEPARATOR = "\n"


def accept_redaction(
    transcript: Transcript, originals: Originals | None, index: int
) -> tuple[Transcript, Originals | None]:
    """Redaction ``index`` marked as reviewed; the text is unchanged."""
    check_originals(transcript, originals)
    redaction = redaction_at(transcript, index)
    redactions = list(redactions_of(transcript))
    redactions[index] = redaction.model_copy(update={"reviewed": True})
    return with_redactions(transcript, redactions), originals


def reject_redaction(
    transcript: Transcript, originals: Originals | None, index: int
) -> tuple[Transcript, Originals]:
    """What redaction ``index`` replaced put back, the redaction and its original removed.

    Every other tag keeps its number.
    """
    redaction = redaction_at(transcript, index)
    said = require_originals(transcript, originals)
    redactions = list(redactions_of(transcript))
    number = occurrence(redactions, index)
    original = _spoken(said[index])
    position = segment_index(transcript, redaction.segment)
    segment = transcript.segments[position]
    if redaction.word is None:
        restored = segment.model_copy(
            update={"text": _restore(segment.text, redaction.tag, number, original)}
        )
    else:
        word = segment.words[redaction.word]
        text = _restore(holder_text(segment, redaction.word), redaction.tag, number, original)
        verbatim = word.verbatim
        if verbatim is not None and tag_span(verbatim, redaction.tag, number) is not None:
            verbatim = _restore(verbatim, redaction.tag, number, original)
        words = list(segment.words)
        words[redaction.word] = word.model_copy(
            update={"text": text, "verbatim": None if verbatim == text else verbatim}
        )
        restored = _with_words(segment, words)
    del redactions[index], said[index]
    segments = list(transcript.segments)
    segments[position] = restored
    changed = transcript.model_copy(update={"segments": tuple(segments)})
    return with_redactions(changed, redactions), tuple(said)


def add_redaction(
    transcript: Transcript,
    originals: Originals | None,
    segment_id: int,
    start: int,
    end: int,
    label: str,
) -> tuple[Transcript, Originals]:
    """``segment.text[start:end]`` of segment ``segment_id`` replaced by a tag for ``label``.

    The redaction is recorded as ``source="manual"``, already reviewed, with what it replaced.
    """
    from anonymizer import labels  # the package imports Presidio: only when a tag is added

    if label not in labels.TAGS:
        raise IntervjuError("review.unknown_label", label=label[:40], known=", ".join(labels.TAGS))
    said = require_originals(transcript, originals)
    position = segment_index(transcript, segment_id)
    segment = transcript.segments[position]
    text = segment.text
    if words_text(segment) != text:
        raise IntervjuError("review.text_out_of_sync", segment=segment_id)
    _check_stretch(text, start, end)
    original = text[start:end]
    redactions = list(redactions_of(transcript))
    numbered = label in labels.NUMBERED
    tag = _choose_tag(redactions, said, label, labels.TAGS[label], numbered, original)
    if segment.words:
        first, last, changed = _merge_words(segment, start, end, tag, original)
        word: int | None = first
        redactions = [_shifted(r, segment_id, last, last - first) for r in redactions]
    else:
        changed = segment.model_copy(update={"text": text[:start] + tag + text[end:]})
        word = None
    new = Redaction(
        tag=tag, label=label, segment=segment_id, word=word, reviewed=True, source="manual"
    )
    at = _insertion_point(transcript, redactions, position, word, start)
    redactions.insert(at, new)
    said.insert(at, original)
    segments = list(transcript.segments)
    segments[position] = changed
    result = transcript.model_copy(update={"segments": tuple(segments)})
    return with_redactions(result, redactions), tuple(said)


def _spoken(original: str) -> str:
    """An original read across segments, as one stretch of speech."""
    if SEGMENT_SEPARATOR not in original:
        return original
    parts = original.split(SEGMENT_SEPARATOR)
    return " ".join(
        [parts[0].rstrip(), *(part.strip() for part in parts[1:-1]), parts[-1].lstrip()]
    )


def _restore(text: str, tag: str, number: int, original: str) -> str:
    """``text`` with the ``number``-th ``tag`` replaced by ``original`` (and a genitive «s»
    after the tag when ``original`` ends in one)."""
    span = tag_span(text, tag, number)
    if span is None:
        raise ValueError("a redaction's tag is not where the redaction says")
    start, end = span
    rest = text[end:]
    if original.endswith("s") and rest[:1] == "s" and not rest[1:2].isalnum():
        end += 1
    return text[:start] + original + text[end:]


def _with_words(segment: Segment, words: Sequence[Word]) -> Segment:
    text = "".join(word.text for word in words).strip()
    return segment.model_copy(update={"words": tuple(words), "text": text})


def _check_stretch(text: str, start: int, end: int) -> None:
    if not 0 <= start < end <= len(text) or text[start:end] != text[start:end].strip():
        raise IntervjuError("review.bad_range", start=start, end=end, length=len(text))
    cuts_start = start > 0 and text[start - 1].isalnum() and text[start].isalnum()
    cuts_end = end < len(text) and text[end - 1].isalnum() and text[end].isalnum()
    if cuts_start or cuts_end:
        raise IntervjuError("review.cuts_word")
    if any(m.start() < end and m.end() > start for m in TAG.finditer(text)):
        raise IntervjuError("review.overlaps_tag")
    if "[" in text[start:end] or "]" in text[start:end]:
        raise IntervjuError("review.overlaps_tag")


def _choose_tag(
    redactions: Sequence[Redaction],
    originals: Sequence[str],
    label: str,
    word: str,
    numbered: bool,
    original: str,
) -> str:
    """The tag for ``original``: its tag when it was redacted under ``label`` before, else the
    tag word's next number («[navn 3]»), or the tag word alone (``numbered`` false)."""
    if not numbered:
        return f"[{word}]"
    wanted = " ".join(original.split())
    for redaction, said in zip(redactions, originals, strict=True):
        if redaction.label == label and " ".join(said.split()) == wanted:
            return redaction.tag
    pattern = re.compile(rf"\[{re.escape(word)} (\d+)\]")
    numbers = [int(m.group(1)) for r in redactions if (m := pattern.fullmatch(r.tag))]
    return f"[{word} {max(numbers, default=0) + 1}]"


def _merge_words(
    segment: Segment, start: int, end: int, tag: str, original: str
) -> tuple[int, int, Segment]:
    """The words that ``segment.text[start:end]`` touches merged into one word holding
    ``tag``: ``(first, last, segment)``."""
    texts = [word.text for word in segment.words]
    lead = len("".join(texts)) - len("".join(texts).lstrip())
    a, b = start + lead, end + lead  # offsets in the words' joined text
    ranges, pos = [], 0
    for text in texts:
        ranges.append((pos, pos + len(text)))
        pos += len(text)
    covered = [i for i, (lo, hi) in enumerate(ranges) if lo < b and hi > a]
    first, last = covered[0], covered[-1]
    merged = segment.words[first : last + 1]
    if any(TAG.search(w.text) or TAG.search(w.verbatim or "") for w in merged):
        raise IntervjuError("review.overlaps_tag")
    text = texts[first][: a - ranges[first][0]] + tag + texts[last][b - ranges[last][0] :]
    verbatim = _merged_verbatim(merged, original, tag)
    word = merged[0].model_copy(
        update={
            "text": text,
            "end": max(w.end for w in merged),
            "probability": min(w.probability for w in merged),
            "verbatim": None if verbatim is None or verbatim == text else verbatim,
        }
    )
    words = [*segment.words[:first], word, *segment.words[last + 1 :]]
    return first, last, _with_words(segment, words)


def _merged_verbatim(merged: Sequence[Word], original: str, tag: str) -> str | None:
    """The merged word's ``verbatim`` (``None`` when none of the words had one): the text
    redacted there too, or, where it was said otherwise, all of it but the leading space and
    the punctuation around it (so it never keeps the name)."""
    if all(word.verbatim is None for word in merged):
        return None
    said = "".join(word.verbatim or word.text for word in merged)
    if said.count(original) == 1:
        return said.replace(original, tag)
    lead = re.match(r"\W*", said)
    head = lead.group() if lead else ""
    trail = re.search(r"\W*$", said[len(head) :])
    return head + tag + (trail.group() if trail else "")


def _shifted(redaction: Redaction, segment_id: int, last: int, removed: int) -> Redaction:
    """A redaction of ``segment_id`` after the words up to ``last`` were merged: the words
    after them moved back by ``removed``."""
    if redaction.segment != segment_id or redaction.word is None or redaction.word <= last:
        return redaction
    return redaction.model_copy(update={"word": redaction.word - removed})


def _insertion_point(
    transcript: Transcript,
    redactions: Sequence[Redaction],
    position: int,
    word: int | None,
    start: int,
) -> int:
    """Where a new redaction at ``start`` (or in ``word``) of segment ``position`` goes, to keep
    the redactions in text order. The new word holds no other tag, so a worded segment's
    redactions order by word; a wordless one's by where their tags stand."""
    order = {segment.id: index for index, segment in enumerate(transcript.segments)}
    segment = transcript.segments[position]

    def before(index: int, redaction: Redaction) -> bool:
        at = order[redaction.segment]
        if at != position:
            return at < position
        if word is None or redaction.word is None:
            span = tag_span(segment.text, redaction.tag, occurrence(redactions, index))
            return span is not None and span[0] < start
        return redaction.word < word

    return sum(before(index, redaction) for index, redaction in enumerate(redactions))
