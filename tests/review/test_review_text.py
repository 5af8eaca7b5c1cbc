"""Correcting a segment's text: words re-aligned, timings kept where words are unchanged, tags
kept exactly."""

from __future__ import annotations

import pytest
from review_helpers import MUNICIPALITY, PERSON, anonymised, segment, tags, words

from service.errors import IntervjuError
from service.review import edit_text, reject_redaction
from service.transcript import Transcript, Word
from tests import factories


def timings(transcript: Transcript, index: int = 0) -> list[tuple[str, float, float]]:
    return [(w.text, w.start, w.end) for w in transcript.segments[index].words]


def plain() -> Transcript:
    return factories.make_transcript(
        [
            segment(
                (0.0, 0.4, " Jeg"),
                (0.5, 0.9, " jobba"),
                (1.0, 1.2, " på"),
                (1.2, 1.8, " sjukehuset."),
                speaker="SPEAKER_01",
            ),
            segment((2.0, 2.5, " Ja.")),
        ]
    )


def test_unchanged_words_keep_their_time_and_a_corrected_word_takes_the_old_ones() -> None:
    edited, originals = edit_text(plain(), None, 0, "Jeg jobbet på sykehuset.")
    assert originals is None
    assert edited.segments[0].text == "Jeg jobbet på sykehuset."
    assert timings(edited) == [
        (" Jeg", 0.0, 0.4),
        (" jobbet", 0.4, 1.0),  # the time between «Jeg» and «på»
        (" på", 1.0, 1.2),
        (" sykehuset.", 1.2, 1.8),  # to the segment's end
    ]
    typed = edited.segments[0].words[1]
    assert (typed.probability, typed.speaker, typed.verbatim) == (1.0, "SPEAKER_01", None)
    assert edited.segments[0].words[0] == plain().segments[0].words[0]
    assert edited.segments[1] == plain().segments[1]


def test_inserted_and_removed_words_share_the_time_between_the_kept_ones_evenly() -> None:
    edited, _ = edit_text(plain(), None, 0, "Jeg har jobba der på sjukehuset.")
    assert timings(edited) == [
        (" Jeg", 0.0, 0.4),
        (" har", 0.4, 0.5),  # the pause before «jobba»
        (" jobba", 0.5, 0.9),
        (" der", 0.9, 1.0),
        (" på", 1.0, 1.2),
        (" sjukehuset.", 1.2, 1.8),
    ]
    shorter, _ = edit_text(plain(), None, 0, "Jeg var der.")
    assert timings(shorter) == [(" Jeg", 0.0, 0.4), (" var", 0.4, 1.1), (" der.", 1.1, 1.8)]


def test_white_space_is_normalised_and_an_empty_text_leaves_no_words() -> None:
    edited, _ = edit_text(plain(), None, 0, "  Jeg\tjobba\n på  sjukehuset. ")
    assert edited.segments[0] == plain().segments[0]
    emptied, _ = edit_text(plain(), None, 0, "")
    assert (emptied.segments[0].text, emptied.segments[0].words) == ("", ())


def test_words_said_without_a_space_between_them_are_kept_together() -> None:
    seg = factories.make_segment(
        0.0,
        1.0,
        "Kari-Anne hva du",
        words=(
            Word(start=0.0, end=0.3, text=" Kari", probability=0.8),
            Word(start=0.3, end=0.5, text="-Anne", probability=0.7),
            Word(start=0.5, end=1.0, text=" hva du", probability=0.9, verbatim=" ka du"),
        ),
    )
    transcript = factories.make_transcript([seg])
    edited, _ = edit_text(transcript, None, 0, "Kari-Anne, hva du")
    assert timings(edited) == [(" Kari-Anne,", 0.0, 0.5), (" hva du", 0.5, 1.0)]
    assert edited.segments[0].words[1].verbatim == " ka du"
    kept, _ = edit_text(transcript, None, 0, "Kari-Anne hva du sa")
    assert kept.segments[0].words[:3] == seg.words


def test_a_segment_without_words_just_gets_the_text() -> None:
    transcript = factories.make_transcript([factories.make_segment(0.0, 2.0, "Takk for sist.")])
    edited, _ = edit_text(transcript, None, 0, "Takk for sist, ja.")
    assert edited.segments[0].text == "Takk for sist, ja." and edited.segments[0].words == ()


def interview() -> tuple[Transcript, tuple[str, ...]]:
    return anonymised(
        [
            ("Kari", "[navn 1]", PERSON),
            ("Ola", "[navn 2]", PERSON),
            ("Bodø", "[kommune 1]", MUNICIPALITY),
        ],
        segment((0.0, 0.3, " Kari"), (0.3, 0.5, " og"), (0.5, 0.8, " Ola"), (0.8, 1.0, " kom.")),
        segment((1.0, 1.3, " Fra"), (1.3, 1.7, " Bodø.")),
    )


def test_tags_may_move_and_their_redactions_follow_them() -> None:
    transcript, originals = interview()
    assert transcript.segments[0].text == "[navn 1] og [navn 2] kom."
    edited, moved = edit_text(transcript, originals, 0, "Først kom [navn 2], så [navn 1].")
    assert tags(edited) == [("[navn 2]", 0, 2), ("[navn 1]", 0, 4), ("[kommune 1]", 1, 1)]
    assert moved == ("Ola", "Kari", "Bodø")
    back, left = reject_redaction(edited, moved, 0)
    assert back.segments[0].text == "Først kom Ola, så [navn 1]."
    assert left == ("Kari", "Bodø")


def test_a_tag_that_stays_keeps_its_word() -> None:
    transcript, originals = interview()
    edited, same = edit_text(transcript, originals, 0, "[navn 1] og [navn 2] kom hit.")
    assert edited.segments[0].words[:3] == transcript.segments[0].words[:3]
    assert tags(edited) == tags(transcript) and same == originals
    assert edited.anonymization is not None and transcript.anonymization is not None
    assert edited.anonymization.redactions == transcript.anonymization.redactions


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("[navn 1] og Ola kom.", "review.tag_removed"),  # un-redacting by editing
        ("[navn 1] kom.", "review.tag_removed"),
        ("[navn 1] og [navn 2] og [navn 2] kom.", "review.tag_added"),
        ("[navn 1] og [navn 2] kom fra [kommune 1].", "review.tag_added"),
        ("[navn 1] og [navn 2] kom [latter].", "review.tag_added"),
        ("[navn 1] og [navn 2] kom [.", "review.tag_added"),
        ("[navn 1] og [navn 2]\x00 kom.", "review.bad_text"),
    ],
)
def test_tags_are_neither_removed_nor_added_by_editing(text: str, key: str) -> None:
    transcript, originals = interview()
    with pytest.raises(IntervjuError) as refused:
        edit_text(transcript, originals, 0, text)
    assert refused.value.key == key


def test_an_unknown_segment_is_refused_and_a_stale_one_can_be_saved() -> None:
    with pytest.raises(IntervjuError) as refused:
        edit_text(plain(), None, 5, "Hei.")
    assert refused.value.key == "review.unknown_segment"
    said = (Word(start=0.0, end=0.4, text=" Hei.", probability=0.9),)
    stale = factories.make_transcript([factories.make_segment(0.0, 0.4, "Hei, du.", words=said)])
    saved, _ = edit_text(stale, None, 0, "Hei.")
    assert saved.segments[0].text == "Hei." and words(saved) == [" Hei."]


def test_errors_never_echo_what_was_typed_between_brackets() -> None:
    transcript, originals = interview()
    with pytest.raises(IntervjuError) as added:
        edit_text(transcript, originals, 0, "[navn 1] og [navn 2] kom med [Kari Nordmann].")
    assert added.value.params == {} and "Nordmann" not in str(added.value)
    with pytest.raises(IntervjuError) as removed:
        edit_text(transcript, originals, 0, "[navn 1] og Ola kom.")
    assert removed.value.params == {"tag": "[navn 2]"}
    bracketed = factories.make_transcript([factories.make_segment(0.0, 1.0, "Hei [Kari].")])
    with pytest.raises(IntervjuError) as unknown:
        edit_text(bracketed, None, 0, "Hei.")
    assert unknown.value.params == {"tag": "[…]"}
