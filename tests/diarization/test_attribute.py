"""Words get the right speaker at turn boundaries, backchannels and overlaps."""

from __future__ import annotations

from pyannote.core import Annotation
from pyannote.core import Segment as Turn

from service.diarization import attribute_speakers
from service.transcript import SegmentFlag, Transcript
from tests.factories import make_transcript, segment_of_words


def turns(*spans: tuple[float, float, str]) -> Annotation:
    annotation = Annotation(uri="test")
    for start, end, speaker in spans:
        annotation[Turn(start, end)] = speaker
    return annotation


def transcript(*segments: list[tuple[float, float, str]]) -> Transcript:
    return make_transcript(segment_of_words(words) for words in segments)


def speakers(result: Transcript) -> list[tuple[str | None, str]]:
    return [(s.speaker, s.text) for s in result.segments]


def test_a_segment_is_split_where_the_speaker_changes() -> None:
    # Whisper often runs the answer into the question's segment.
    t = transcript(
        [
            (0.0, 0.4, "Hvordan"),
            (0.5, 0.8, "var"),
            (0.9, 1.3, "det?"),
            (1.6, 1.9, "Det"),
            (2.0, 2.3, "var"),
            (2.4, 2.9, "fint."),
        ]
    )
    result = attribute_speakers(t, turns((0.0, 1.4, "A"), (1.5, 3.0, "B")))
    assert speakers(result) == [("A", "Hvordan var det?"), ("B", "Det var fint.")]
    assert [s.id for s in result.segments] == [0, 1]
    assert result.segments[1].start == 1.6 and result.segments[1].words[0].speaker == "B"


def test_a_word_straddling_a_boundary_goes_to_the_speaker_covering_most_of_it() -> None:
    t = transcript([(0.0, 0.5, "ja"), (0.9, 1.5, "altså"), (1.6, 2.0, "nei")])
    result = attribute_speakers(t, turns((0.0, 1.3, "A"), (1.3, 2.5, "B")))
    assert speakers(result) == [("A", "ja altså"), ("B", "nei")]


def test_a_short_backchannel_keeps_its_own_speaker() -> None:
    t = transcript(
        [
            (0.0, 0.5, "Vi"),
            (0.6, 1.0, "begynte"),
            (1.2, 1.4, "mm"),
            (1.6, 2.0, "tidlig"),
            (2.1, 2.5, "den"),
            (2.6, 3.0, "dagen."),
        ]
    )
    result = attribute_speakers(t, turns((0.0, 1.15, "A"), (1.15, 1.45, "B"), (1.45, 3.2, "A")))
    assert speakers(result) == [("A", "Vi begynte"), ("B", "mm"), ("A", "tidlig den dagen.")]


def test_words_in_a_pause_snap_to_the_nearest_turn_or_stay_with_the_speaker() -> None:
    t = transcript([(0.0, 0.5, "ja"), (1.2, 1.5, "eh")], [(10.0, 10.5, "så"), (14.0, 14.3, "ok")])
    result = attribute_speakers(t, turns((0.0, 0.6, "A"), (10.0, 10.6, "B")))
    # «eh» is 0.6 s after A's turn; «ok» is 3.4 s from any turn and stays with B
    assert speakers(result) == [("A", "ja eh"), ("B", "så ok")]


def test_overlapping_speech_is_marked_not_lost() -> None:
    t = transcript([(4.2, 4.8, "nettopp"), (5.0, 5.4, "ja")])
    result = attribute_speakers(t, turns((0.0, 5.0, "A"), (4.1, 6.0, "B")))
    words = [w.text.strip() for s in result.segments for w in s.words]
    assert words == ["nettopp", "ja"]
    assert SegmentFlag.OVERLAPPING_SPEECH in result.segments[0].flags


def test_segments_without_word_times_get_a_speaker_as_a_whole() -> None:
    t = transcript([(0.0, 1.0, "hei")])
    bare = t.model_copy(update={"segments": (t.segments[0].model_copy(update={"words": ()}),)})
    result = attribute_speakers(bare, turns((0.0, 0.2, "A"), (0.2, 2.0, "B")))
    assert speakers(result) == [("B", "hei")]


def test_no_turns_leaves_speakers_unknown() -> None:
    t = transcript([(0.0, 1.0, "hei")])
    assert speakers(attribute_speakers(t, Annotation())) == [(None, "hei")]
