"""Accepting, rejecting and adding redactions on transcripts the anonymisation step made."""

from __future__ import annotations

import pytest
from review_helpers import (
    MUNICIPALITY,
    PERSON,
    PHONE,
    anonymised,
    segment,
    tags,
    words,
)

from service.errors import IntervjuError
from service.review import accept_redaction, add_redaction, reject_redaction
from service.review.tags import with_redactions
from service.transcript import Redaction, Transcript, Word
from tests import factories


def interview() -> tuple[Transcript, tuple[str, ...]]:
    """«Jeg ringte [navn 1], og [navn 1]s mor i [kommune 1].» / «Ja, [navn 2] også.»"""
    return anonymised(
        [
            ("Kari Hansen", "[navn 1]", PERSON),
            ("Karis", "[navn 1]s", PERSON),
            ("Bodø", "[kommune 1]", MUNICIPALITY),
            ("Per", "[navn 2]", PERSON),
        ],
        segment(
            (0.0, 0.3, " Jeg"),
            (0.3, 0.6, " ringte"),
            (0.6, 0.9, " Kari"),
            (0.9, 1.2, " Hansen,"),
            (1.2, 1.4, " og"),
            (1.4, 1.7, " Karis"),
            (1.7, 1.9, " mor"),
            (1.9, 2.0, " i"),
            (2.0, 2.4, " Bodø."),
        ),
        segment((3.0, 3.2, " Ja,"), (3.2, 3.5, " Per"), (3.5, 3.9, " også.")),
    )


def redactions(transcript: Transcript) -> tuple[Redaction, ...]:
    assert transcript.anonymization is not None
    return transcript.anonymization.redactions


def test_the_interview_as_the_step_left_it() -> None:
    transcript, originals = interview()
    assert transcript.segments[0].text == "Jeg ringte [navn 1], og [navn 1]s mor i [kommune 1]."
    assert originals == ("Kari Hansen", "Karis", "Bodø", "Per")


def test_accepting_marks_one_redaction_reviewed_and_changes_nothing_else() -> None:
    transcript, originals = interview()
    accepted, kept = accept_redaction(transcript, originals, 2)
    assert [r.reviewed for r in redactions(accepted)] == [False, False, True, False]
    assert accepted.segments == transcript.segments and kept == originals
    again, _ = accept_redaction(accepted, None, 2)  # after verification too
    assert again == accepted


def test_rejecting_puts_back_what_was_said_and_keeps_the_other_numbers() -> None:
    transcript, originals = interview()
    rejected, left = reject_redaction(transcript, originals, 0)
    assert rejected.segments[0].text == "Jeg ringte Kari Hansen, og [navn 1]s mor i [kommune 1]."
    assert words(rejected)[2] == " Kari Hansen,"  # still one word, with the name's time
    assert (rejected.segments[0].words[2].start, rejected.segments[0].words[2].end) == (0.6, 1.2)
    assert tags(rejected) == [("[navn 1]", 0, 4), ("[kommune 1]", 0, 7), ("[navn 2]", 1, 1)]
    assert left == ("Karis", "Bodø", "Per")
    assert rejected.segments[1] == transcript.segments[1]


def test_rejecting_a_genitive_takes_its_s_along() -> None:
    transcript, originals = interview()
    rejected, _ = reject_redaction(transcript, originals, 1)
    assert rejected.segments[0].text == "Jeg ringte [navn 1], og Karis mor i [kommune 1]."


def test_rejecting_every_redaction_gives_back_what_was_said() -> None:
    transcript, originals = interview()
    current: tuple[Transcript, tuple[str, ...]] = (transcript, originals)
    while redactions(current[0]):
        current = reject_redaction(*current, len(redactions(current[0])) - 1)
    restored, left = current
    assert [s.text for s in restored.segments] == [
        "Jeg ringte Kari Hansen, og Karis mor i Bodø.",
        "Ja, Per også.",
    ]
    assert left == ()


def test_the_same_tag_twice_in_a_segment_without_words_is_told_apart_by_order() -> None:
    transcript, originals = anonymised(
        [("Kari Hansen", "[navn 1]", PERSON), ("Kari", "[navn 1]", PERSON)],
        factories.make_segment(0.0, 3.0, "Kari Hansen kom, og Kari ble."),
    )
    assert transcript.segments[0].text == "[navn 1] kom, og [navn 1] ble."
    rejected, left = reject_redaction(transcript, originals, 1)
    assert rejected.segments[0].text == "[navn 1] kom, og Kari ble."
    assert left == ("Kari Hansen",)
    first, _ = reject_redaction(transcript, originals, 0)
    assert first.segments[0].text == "Kari Hansen kom, og [navn 1] ble."


def test_a_name_split_across_segments_comes_back_whole_in_the_first() -> None:
    transcript, originals = anonymised(
        [("Kari\n Hansen", "[navn 1]", PERSON)],
        segment((0.0, 0.3, " Det"), (0.3, 0.6, " var"), (0.6, 0.9, " Kari")),
        segment((1.0, 1.4, " Hansen"), (1.4, 1.7, " som"), (1.7, 2.0, " ringte.")),
    )
    rejected, _ = reject_redaction(transcript, originals, 0)
    assert [s.text for s in rejected.segments] == ["Det var Kari Hansen", "som ringte."]


def test_rejecting_restores_a_verbatim_holding_the_tag_too() -> None:
    word = Word(
        start=0.0, end=0.8, text=" [navn 1] sier", probability=0.9, verbatim=" [navn 1] sei"
    )
    seg = factories.make_segment(0.0, 0.8, "[navn 1] sier", words=(word,))
    transcript = factories.make_transcript([seg])
    transcript, originals = (
        with_redactions(transcript, [Redaction(tag="[navn 1]", label=PERSON, segment=0, word=0)]),
        ("Kari",),
    )
    rejected, _ = reject_redaction(transcript, originals, 0)
    restored = rejected.segments[0].words[0]
    assert (restored.text, restored.verbatim) == (" Kari sier", " Kari sei")


def test_rejecting_needs_the_originals_and_an_existing_redaction() -> None:
    transcript, originals = interview()
    with pytest.raises(IntervjuError) as deleted:
        reject_redaction(transcript, None, 0)
    assert deleted.value.key == "review.originals_deleted"
    for index in (4, -1):
        with pytest.raises(IntervjuError) as unknown:
            reject_redaction(transcript, originals, index)
        assert unknown.value.key == "review.unknown_redaction"
    with pytest.raises(ValueError, match="originals"):
        reject_redaction(transcript, originals[:2], 0)


def test_adding_merges_the_words_into_one_tag_in_text_order() -> None:
    transcript, originals = anonymised(
        [("Kari", "[navn 1]", PERSON), ("Bodø", "[kommune 1]", MUNICIPALITY)],
        segment(
            (0.0, 0.3, " Kari"),
            (0.3, 0.6, " ringte"),
            (0.6, 0.9, " Per"),
            (0.9, 1.2, " Olsen,"),
            (1.2, 1.4, " i"),
            (1.4, 1.8, " Bodø."),
        ),
    )
    text = transcript.segments[0].text
    assert text == "[navn 1] ringte Per Olsen, i [kommune 1]."
    start = text.index("Per")
    added, said = add_redaction(transcript, originals, 0, start, start + len("Per Olsen"), PERSON)
    assert added.segments[0].text == "[navn 1] ringte [navn 2], i [kommune 1]."
    merged = added.segments[0].words[2]
    assert (merged.text, merged.start, merged.end, merged.probability) == (
        " [navn 2],",
        0.6,
        1.2,
        0.9,
    )
    assert tags(added) == [("[navn 1]", 0, 0), ("[navn 2]", 0, 2), ("[kommune 1]", 0, 4)]
    assert said == ("Kari", "Per Olsen", "Bodø")
    new = redactions(added)[1]
    assert (new.label, new.source, new.reviewed) == (PERSON, "manual", True)
    assert redactions(added)[0].source == "auto"
    assert "Olsen" not in added.model_dump_json()


def test_what_is_added_can_be_rejected_again() -> None:
    transcript, originals = interview()
    start = transcript.segments[1].text.index("også")
    added, said = add_redaction(transcript, originals, 1, start, start + 4, MUNICIPALITY)
    assert added.segments[1].text == "Ja, [navn 2] [kommune 2]."
    back, left = reject_redaction(added, said, len(said) - 1)
    assert back.segments[1].text == transcript.segments[1].text and left == originals


def test_the_same_text_under_the_same_label_keeps_its_tag() -> None:
    transcript, originals = anonymised(
        [("Kari", "[navn 1]", PERSON)],
        segment((0.0, 0.3, " Kari"), (0.3, 0.6, " og"), (0.6, 0.9, " Ola.")),
        segment((1.0, 1.3, " Kari"), (1.3, 1.6, " kom.")),
    )
    added, _ = add_redaction(transcript, originals, 1, 0, 4, PERSON)
    assert added.segments[1].text == "[navn 1] kom."
    other, _ = add_redaction(transcript, originals, 1, 0, 4, MUNICIPALITY)
    assert other.segments[1].text == "[kommune 1] kom."
    ola = transcript.segments[0].text.index("Ola")
    third, _ = add_redaction(transcript, originals, 0, ola, ola + 3, PERSON)
    assert third.segments[0].text == "[navn 1] og [navn 2]."


def test_identifiers_get_their_tag_without_a_number() -> None:
    transcript = factories.make_transcript([factories.make_segment(0.0, 2.0, "Ring 912 34 567.")])
    added, said = add_redaction(transcript, None, 0, 5, 15, PHONE)
    assert added.segments[0].text == "Ring [telefonnummer]."
    assert said == ("912 34 567",)
    info = added.anonymization
    assert info is not None and (info.normalized, info.entities) == (False, ())
    assert tags(added) == [("[telefonnummer]", 0, None)]


def test_a_segment_without_words_orders_its_redactions_by_place() -> None:
    transcript, originals = anonymised(
        [("Kari", "[navn 1]", PERSON), ("Bodø", "[kommune 1]", MUNICIPALITY)],
        factories.make_segment(0.0, 3.0, "Kari og Ola bor i Bodø."),
    )
    ola = transcript.segments[0].text.index("Ola")
    added, said = add_redaction(transcript, originals, 0, ola, ola + 3, PERSON)
    assert added.segments[0].text == "[navn 1] og [navn 2] bor i [kommune 1]."
    assert [r.tag for r in redactions(added)] == ["[navn 1]", "[navn 2]", "[kommune 1]"]
    assert said == ("Kari", "Ola", "Bodø")


def test_a_dialect_verbatim_never_keeps_the_added_name() -> None:
    said = (
        Word(start=0.0, end=0.3, text=" Jeg", probability=0.9, verbatim=" Eg"),
        Word(start=0.3, end=0.6, text=" så", probability=0.9),
        Word(start=0.6, end=1.0, text=" Kari.", probability=0.8),
        Word(start=1.0, end=1.4, text=" Anne-Lise", probability=0.7, verbatim=" Anne-Lis"),
    )
    seg = factories.make_segment(0.0, 1.4, "Jeg så Kari. Anne-Lise", words=said)
    transcript = factories.make_transcript([seg])
    added, _ = add_redaction(transcript, None, 0, 7, 11, PERSON)
    assert [(w.text, w.verbatim) for w in added.segments[0].words][1:3] == [
        (" så", None),
        (" [navn 1].", None),
    ]
    dialect, _ = add_redaction(transcript, None, 0, 13, 22, PERSON)
    assert dialect.segments[0].words[3].text == " [navn 1]"
    assert dialect.segments[0].words[3].verbatim is None  # the tag either way
    both, _ = add_redaction(transcript, None, 0, 0, 6, PERSON)
    assert (both.segments[0].words[0].text, both.segments[0].words[0].verbatim) == (
        " [navn 1]",
        None,
    )
    assert "Eg" not in both.model_dump_json()


def test_a_verbatim_saying_the_name_gets_the_tag_where_the_name_was() -> None:
    word = Word(start=0.0, end=0.8, text=" Kari sier", probability=0.9, verbatim=" Kari sei")
    seg = factories.make_segment(0.0, 0.8, "Kari sier", words=(word,))
    added, _ = add_redaction(factories.make_transcript([seg]), None, 0, 0, 4, PERSON)
    merged = added.segments[0].words[0]
    assert (merged.text, merged.verbatim) == (" [navn 1] sier", " [navn 1] sei")


@pytest.mark.parametrize(
    ("start", "end", "key"),
    [
        (5, 8, "review.cuts_word"),  # «ari» of «Kari»
        (4, 7, "review.cuts_word"),  # «Kar»
        (3, 8, "review.bad_range"),  # « Kari»: starts with a space
        (4, 4, "review.bad_range"),
        (4, 99, "review.bad_range"),
        (-1, 3, "review.bad_range"),
        (12, 20, "review.overlaps_tag"),  # «[navn 1]»
        (9, 17, "review.overlaps_tag"),  # «og [navn»
    ],
)
def test_a_stretch_must_be_whole_words_without_a_tag(start: int, end: int, key: str) -> None:
    transcript, originals = anonymised(
        [("Per", "[navn 1]", PERSON)],
        segment((0.0, 0.3, " Hei"), (0.3, 0.6, " Kari"), (0.6, 0.9, " og"), (0.9, 1.2, " Per.")),
    )
    assert transcript.segments[0].text == "Hei Kari og [navn 1]."
    with pytest.raises(IntervjuError) as refused:
        add_redaction(transcript, originals, 0, start, end, PERSON)
    assert refused.value.key == key


def test_a_word_holding_a_tag_cannot_be_merged_into_another() -> None:
    transcript, originals = anonymised(
        [("Per", "[navn 1]", PERSON)],
        segment((0.0, 0.3, " Hei"), (0.3, 0.6, " Per-Kari.")),
    )
    assert transcript.segments[0].text == "Hei [navn 1]-Kari."
    with pytest.raises(IntervjuError) as refused:
        add_redaction(transcript, originals, 0, 13, 17, PERSON)
    assert refused.value.key == "review.overlaps_tag"


def test_adding_is_refused_for_unknown_labels_segments_and_deleted_originals() -> None:
    transcript, originals = interview()
    cases = [
        ((transcript, originals, 0, 0, 3, "NAME"), "review.unknown_label"),
        ((transcript, originals, 7, 0, 3, PERSON), "review.unknown_segment"),
        ((transcript, None, 0, 0, 3, PERSON), "review.originals_deleted"),
    ]
    for args, key in cases:
        with pytest.raises(IntervjuError) as refused:
            add_redaction(*args)
        assert refused.value.key == key


def test_a_segment_whose_text_is_not_its_words_must_be_saved_first() -> None:
    words_ = (Word(start=0.0, end=0.4, text=" Hei.", probability=0.9),)
    odd = factories.make_segment(0.0, 0.4, "Hei, Kari.", words=words_)
    with pytest.raises(IntervjuError) as refused:
        add_redaction(factories.make_transcript([odd]), None, 0, 5, 9, PERSON)
    assert refused.value.key == "review.text_out_of_sync"
