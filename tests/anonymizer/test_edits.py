"""Edits against the input text: applying them, and mapping output offsets back."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anonymizer.edits import Edit, OffsetMap, apply_edits, merge_edits


def test_apply_and_map_back() -> None:
    text = "Eg veit ikkje kva ho meiner"
    edits = [Edit(0, 2, "Jeg", "dialect"), Edit(3, 7, "vet", "dialect"),
             Edit(8, 13, "ikke", "dialect"), Edit(14, 17, "hva", "dialect"),
             Edit(18, 20, "hun", "dialect")]
    out = apply_edits(text, edits)
    assert out == "Jeg vet ikke hva hun meiner"
    back = OffsetMap(edits)
    start = out.index("hun")
    assert back.span_to_input(start, start + 3) == (18, 20)
    start = out.index("meiner")
    assert back.span_to_input(start, start + 6) == (21, 27)
    assert back.span_to_input(1, 2) == (0, 2)  # inside a replacement: the whole of it


def test_overriding_edits_drop_the_dialect_edits_they_cover() -> None:
    dialect = [Edit(0, 2, "Jeg", "dialect"), Edit(10, 12, "hun", "dialect")]
    entity = [Edit(10, 16, "[navn 1]", "entity", "PERSON")]
    merged = merge_edits(dialect, entity)
    assert [e.reason for e in merged] == ["dialect", "entity"]


def test_overlapping_edits_are_refused() -> None:
    with pytest.raises(ValueError):
        apply_edits("abcdef", [Edit(0, 3, "x", "entity"), Edit(2, 4, "y", "entity")])


@st.composite
def texts_with_edits(draw: st.DrawFn) -> tuple[str, list[Edit]]:
    text = draw(st.text(alphabet="abc æø.", min_size=0, max_size=40))
    cuts = sorted(draw(st.lists(st.integers(0, len(text)), max_size=8)))
    edits = []
    for a, b in zip(cuts[::2], cuts[1::2], strict=False):
        edits.append(Edit(a, b, draw(st.text(alphabet="XYZ", max_size=5)), "dialect"))
    return text, edits


@given(texts_with_edits())
def test_every_output_span_maps_inside_the_input(case: tuple[str, list[Edit]]) -> None:
    text, edits = case
    out = apply_edits(text, edits)
    back = OffsetMap(edits)
    for start in range(len(out) + 1):
        for end in range(start, len(out) + 1):
            a, b = back.span_to_input(start, end)
            assert 0 <= a <= b <= len(text)
    # text outside every edit maps to itself
    shift = 0
    pos = 0
    for edit in edits:
        for k in range(pos, edit.start):
            assert back.to_input(k + shift, is_end=False) == k
        shift += len(edit.replacement) - (edit.end - edit.start)
        pos = edit.end
