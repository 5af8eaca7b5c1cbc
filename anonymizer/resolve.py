"""From overlapping recognizer results to one span per stretch of text.

Results of one label that overlap or touch («Kari» + «Hansen», NER «Kari Hansen») become one
span with the best score. Between labels, a span that contains another and scores nearly as
well wins («NAV Bodø» over «Bodø», «Storgata 12» over «Storgata»); otherwise the higher score
wins. Identifiers (addresses, numbers, e-mail) are placed before any name.
"""

from __future__ import annotations

from collections.abc import Iterable

from anonymizer import labels
from anonymizer.types import Span

CONTAINS_MARGIN = 0.15
JOINERS = frozenset({" ", "-"})
JOINABLE = frozenset({labels.PERSON, labels.ORGANIZATION})
NAMES = frozenset({labels.PERSON, labels.ORGANIZATION, labels.MUNICIPALITY, labels.LOCATION})
# on equal scores: a person before a workplace before a municipality before another place
PRIORITY = {labels.PERSON: 0, labels.ORGANIZATION: 1, labels.MUNICIPALITY: 2, labels.LOCATION: 3}


def _merge_same_label(spans: list[Span], text: str) -> list[Span]:
    merged: list[Span] = []
    for span in sorted(spans, key=lambda s: (s.start, s.end)):
        if merged:
            last = merged[-1]
            gap = text[last.end:span.start]
            touching = span.start <= last.end or (
                span.label in JOINABLE and len(gap) == 1 and gap in JOINERS
            )
            if touching:
                best = last if last.score >= span.score else span
                merged[-1] = Span(last.start, max(last.end, span.end), last.label,
                                  max(last.score, span.score), best.recognizer)
                continue
        merged.append(span)
    return merged


def _overlaps(a: Span, b: Span) -> bool:
    return a.start < b.end and b.start < a.end


def _contains(a: Span, b: Span) -> bool:
    return a.start <= b.start and b.end <= a.end and (a.end - a.start) > (b.end - b.start)


def _one_label_per_name(spans: list[Span], text: str) -> list[Span]:
    """The same words get the same label throughout a text («Sandnes» is the municipality
    everywhere once the evidence, summed over its mentions, says so)."""
    weight: dict[tuple[str, str], float] = {}
    for span in spans:
        key = (text[span.start:span.end], span.label)
        weight[key] = weight.get(key, 0.0) + span.score
    best: dict[str, str] = {}
    ranked = sorted(weight.items(), key=lambda kv: (-round(kv[1], 6), PRIORITY.get(kv[0][1], 9)))
    for (surface, label), _total in ranked:
        best.setdefault(surface, label)
    return [
        Span(s.start, s.end, best[text[s.start:s.end]], s.score, s.recognizer)
        if s.label in NAMES and best[text[s.start:s.end]] in NAMES else s
        for s in spans
    ]


def resolve(spans: Iterable[Span], text: str) -> list[Span]:
    """Non-overlapping spans, sorted by start."""
    spans = _one_label_per_name(list(spans), text)
    by_label: dict[str, list[Span]] = {}
    for span in spans:
        by_label.setdefault(span.label, []).append(span)
    candidates = [s for group in by_label.values() for s in _merge_same_label(group, text)]
    # identifiers (patterns with checksums or fixed shapes) first: «Storgata 12» is an address
    # even where the NER calls it a place
    candidates.sort(key=lambda s: (
        s.label in NAMES, -s.score, -(s.end - s.start), PRIORITY.get(s.label, 9), s.start
    ))
    accepted: list[Span] = []
    for span in candidates:
        clashes = [a for a in accepted if _overlaps(a, span)]
        if not clashes:
            accepted.append(span)
        elif all(_contains(span, a) and span.score >= a.score - CONTAINS_MARGIN for a in clashes):
            accepted = [a for a in accepted if a not in clashes] + [span]
    return sorted(accepted, key=lambda s: s.start)
