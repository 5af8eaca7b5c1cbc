"""SRT and VTT read back by their own parsers: cues short enough, in time order, inside the
recording, the speaker as a voice tag (VTT) or before the text (SRT)."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from io import StringIO
from itertools import pairwise

import pytest
import srt
import webvtt
from hypothesis import given, settings

from service.exporters import ExportContext, get_exporter
from service.exporters.cues import MAX_LINE, MAX_SECONDS, cues, wrap
from service.transcript import Speaker, SpeakerRole, Transcript
from tests import factories
from tests.exporters.interview import ANSWER, DURATION, ORIGINALS
from tests.exporters.strategies import anonymised

WORD = re.compile(r"\[[^\]]*\]\S*|\S+")


def seconds(timestamp: str) -> float:
    """``00:01:02.500`` -> ``62.5`` (webvtt-py's own ``*_in_seconds`` drop the fraction)."""
    hours, minutes, rest = timestamp.split(":")
    return int(hours) * 3600 + int(minutes) * 60 + float(rest)


def render(name: str, transcript: Transcript) -> str:
    return get_exporter(name).render(transcript, ExportContext()).decode("utf-8")


def test_srt_parses_with_short_cues_in_order_within_the_audio(interview: Transcript) -> None:
    subtitles = list(srt.parse(render("srt", interview)))
    assert [s.index for s in subtitles] == list(range(1, len(subtitles) + 1))
    assert len(subtitles) > len(interview.segments), "the long answer is split"
    starts = [s.start for s in subtitles]
    assert starts == sorted(starts)
    for previous, cue in pairwise(subtitles):
        assert cue.start >= previous.end
    for cue in subtitles:
        assert timedelta(0) <= cue.start < cue.end <= timedelta(seconds=DURATION)
        assert cue.end - cue.start <= timedelta(seconds=MAX_SECONDS)
        assert len(cue.content.splitlines()) <= 2
    assert subtitles[0].content == "Intervjuer: Hvor jobber du nå?"
    assert subtitles[1].content.startswith("Informant: Jeg jobber")
    assert not subtitles[2].content.startswith("Informant:"), "only when the speaker changes"


def test_vtt_parses_with_voice_tags(interview: Transcript) -> None:
    text = render("vtt", interview)
    captions = webvtt.from_buffer(StringIO(text)).captions
    assert len(captions) == len(list(srt.parse(render("srt", interview))))
    starts = [seconds(c.start) for c in captions]
    assert starts == sorted(starts)
    assert all(0 <= seconds(c.start) < seconds(c.end) <= DURATION for c in captions)
    assert captions[0].raw_text == "<v Intervjuer>Hvor jobber du nå?</v>"
    assert captions[0].text == "Hvor jobber du nå?"
    voices = [c.raw_text.split(">")[0] for c in captions]
    assert set(voices) == {"<v Intervjuer", "<v Informant"}


def test_the_words_survive_the_split(interview: Transcript) -> None:
    """Every word of the transcript is in the cues, once, in order."""
    joined = " ".join(" ".join(cue.lines) for cue in cues(interview))
    assert joined == " ".join(s.text for s in interview.segments)
    assert ANSWER in joined


def test_cues_split_at_the_words_times(interview: Transcript) -> None:
    answer = interview.segments[1]
    answer_cues = [c for c in cues(interview) if answer.start <= c.start < answer.end]
    word_starts = {round(w.start, 3) for w in answer.words}
    word_ends = {round(w.end, 3) for w in answer.words}
    assert len(answer_cues) >= 2
    assert all(
        round(c.start, 3) in word_starts and round(c.end, 3) in word_ends for c in answer_cues
    )
    assert all(len(line) <= MAX_LINE for c in answer_cues for line in c.lines)


def test_a_long_segment_without_words_is_split_by_characters() -> None:
    text = " ".join(["ord"] * 60)
    transcript = factories.make_transcript([factories.make_segment(0.0, 40.0, text)], duration=40.0)
    result = cues(transcript)
    assert len(result) >= 6
    assert " ".join(" ".join(c.lines) for c in result) == text
    assert all(c.end - c.start <= MAX_SECONDS + 1e-9 for c in result)
    assert result[-1].end == pytest.approx(40.0)


def test_times_outside_the_recording_are_clipped() -> None:
    transcript = factories.make_transcript(
        [
            factories.make_segment(0.0, 2.0, "Først."),
            factories.make_segment(1.0, 6.0, "Overlapper og går forbi slutten."),
        ],
        duration=4.0,
    )
    subtitles = list(srt.parse(render("srt", transcript)))
    assert subtitles[1].start >= subtitles[0].end
    assert subtitles[-1].end <= timedelta(seconds=4.0)


def test_wrap_breaks_at_the_space_nearest_the_middle() -> None:
    assert wrap("kort") == ("kort",)
    a, b, c = "a" * 20, "b" * 20, "c" * 20
    assert wrap(f"{a} {b} {c}") == (f"{a} {b}", c)


def test_vtt_escapes_markup_in_text_and_names() -> None:
    transcript = factories.make_transcript(
        [factories.make_segment(0.0, 2.0, "a < b & c --> d", speaker="S")], duration=2.0
    )
    speaker = Speaker(id="S", name="Ola <Nord>", role=SpeakerRole.INFORMANT, seconds=2.0)
    named = transcript.model_copy(update={"speakers": (speaker,)})
    text = render("vtt", named)
    assert "<v Ola &lt;Nord&gt;>a &lt; b &amp; c --&gt; d</v>" in text
    caption = webvtt.from_buffer(StringIO(text)).captions[0]
    assert html.unescape(caption.text) == "a < b & c --> d"


def test_no_original_in_subtitles(interview: Transcript) -> None:
    for name in ("srt", "vtt"):
        assert not any(original in render(name, interview) for original in ORIGINALS)


def test_tags_are_never_broken_and_no_word_is_left_alone(interview: Transcript) -> None:
    lines = [line for cue in cues(interview) for line in cue.lines]
    assert all(line.count("[") == line.count("]") for line in lines)
    assert wrap("[arbeidssted 12] " * 4) == ("[arbeidssted 12] [arbeidssted 12]",) * 2
    answer = interview.segments[1]
    last = [c for c in cues(interview) if answer.start <= c.start < answer.end][-1]
    assert len(" ".join(last.lines).split()) > 3


def test_words_longer_than_a_cue_still_make_cues() -> None:
    """Found by the property test: two words of 7.5 s each."""
    words = factories.make_words([(0.0, 7.5, "jeg"), (7.5, 15.0, "jeg")])
    segment = factories.make_segment(0.0, 15.0, "jeg jeg", words=words)
    result = cues(factories.make_transcript([segment], duration=16.0))
    assert [(c.start, c.end, c.lines) for c in result] == [
        (0.0, 7.5, ("jeg",)),
        (7.5, 15.0, ("jeg",)),
    ]


@settings(max_examples=40, deadline=None)
@given(case=anonymised())
def test_cues_are_ordered_short_and_inside_the_recording(
    case: tuple[Transcript, dict[str, str]],
) -> None:
    transcript, _ = case
    result = cues(transcript)
    duration = transcript.source.duration
    for previous, cue in pairwise(result):
        assert cue.start >= previous.end
    for cue in result:
        assert 0 <= cue.start < cue.end <= duration
        assert 1 <= len(cue.lines) <= 2
        several = len(WORD.findall(" ".join(cue.lines))) > 1  # a tag is one word
        assert not several or cue.end - cue.start <= MAX_SECONDS + 1e-6
    assert " ".join(" ".join(c.lines) for c in result) == " ".join(
        s.text for s in transcript.segments
    )
