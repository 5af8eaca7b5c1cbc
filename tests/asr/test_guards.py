"""The loop and gap guards, with the slow decoder replaced by a table of answers."""

from __future__ import annotations

import numpy as np

from service.asr.transcribe import WindowResult, _flag, _WindowDecoder
from service.asr.windows import Span, Window
from service.audio import Audio
from service.config import ASRSettings
from service.transcript import Segment, SegmentFlag
from tests.factories import make_segment, make_words

LOOP = "hatt en mime mønner hatt en mime mønner hatt en mime mønner hatt en mime mønner"


def seg(start: float, end: float, text: str, probability: float = 0.9) -> Segment:
    """A segment whose words follow each other every 0.3 s from ``start``."""
    spans = [(start + i * 0.3, start + i * 0.3 + 0.25, w) for i, w in enumerate(text.split())]
    return make_segment(start, end, text, words=make_words(spans, probability))


class StubDecoder(_WindowDecoder):
    def __init__(self, speech: list[Span], answers: list[list[Segment]]) -> None:
        super().__init__(
            None, Audio(np.zeros(16000 * 60, dtype=np.float32)), "no", ASRSettings(), speech
        )  # type: ignore[arg-type]
        self.answers = answers
        self.calls: list[Span] = []

    def _decode_alone(self, span: Span) -> list[Segment]:
        self.calls.append(span)
        return self.answers.pop(0)


def test_a_loop_is_decoded_again_and_marked() -> None:
    clip = Span(0, 20)
    decoder = StubDecoder([clip], [[seg(0, 8, "og så gikk vi hjem til henne")]])
    out = decoder._guard_loops(clip, [seg(0, 20, LOOP)])
    assert decoder.calls == [clip]
    assert [s.text for s in out] == ["og så gikk vi hjem til henne"]
    assert out[0].flags == (SegmentFlag.REDECODED,)


def test_a_loop_that_survives_is_flagged_for_review() -> None:
    clip = Span(0, 20)
    decoder = StubDecoder([clip], [[seg(0, 20, LOOP)]])
    out = decoder._guard_loops(clip, [seg(0, 20, LOOP)])
    assert out[0].flags == (SegmentFlag.REPETITION_LOOP,)


def test_normal_speech_is_not_decoded_twice() -> None:
    decoder = StubDecoder([Span(0, 5)], [])
    segments = [seg(0, 5, "nei, nei, nei, det tror jeg ikke")]
    assert decoder._guard_loops(Span(0, 5), segments) == segments
    assert decoder.calls == []


def test_speech_without_words_is_retried_then_reported_as_a_gap() -> None:
    speech = [Span(0, 4), Span(10, 14), Span(20, 24), Span(30, 30.5)]
    window = Window((Span(0, 24),))
    decoder = StubDecoder(speech, [[seg(10.2, 13, "ja det stemmer")], []])
    result = WindowResult(window, segments=[seg(0.1, 3.9, "hei og velkommen")])
    decoder._fill_gaps(result)
    assert decoder.calls == [Span(10, 14), Span(20, 24)]  # the 0.5 s blip is not retried
    assert [s.text for s in result.segments] == ["hei og velkommen", "ja det stemmer"]
    assert result.segments[1].flags == (SegmentFlag.REDECODED,)
    assert [(g.start, g.end) for g in result.gaps] == [(20, 24)]


def test_weak_words_and_subtitle_credits_are_flagged() -> None:
    assert _flag(seg(0, 2, "eh kanskje", probability=0.2)).flags == (SegmentFlag.LOW_CONFIDENCE,)
    credit = _flag(seg(0, 2, "Teksting av Nicolai Winther"))
    assert SegmentFlag.POSSIBLE_HALLUCINATION in credit.flags
    assert _flag(seg(0, 2, "Vi snakket om tekst og bilder")).flags == ()
