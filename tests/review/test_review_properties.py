"""Properties of the review operations on arbitrary segments: adding a redaction and rejecting
it gives back what was said; a segment's text is always its words; editing a segment back to
its own text changes nothing."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from service.review import add_redaction, edit_text, reject_redaction
from service.transcript import Transcript, Word
from tests import factories

TOKENS = st.sampled_from(["Kari", "Hansen,", "og", "Bodø.", "(Per)", "sa:", "jobba", "-Anne"])


@st.composite
def transcripts(draw: st.DrawFn) -> Transcript:
    """One segment of 1-8 words, some said without a space before them."""
    tokens = draw(st.lists(TOKENS, min_size=1, max_size=8))
    words = []
    for index, token in enumerate(tokens):
        glued = index > 0 and draw(st.booleans()) and token.startswith("-")
        text = token if glued else f" {token}"
        words.append(Word(start=index * 0.5, end=index * 0.5 + 0.4, text=text, probability=0.9))
    text = "".join(w.text for w in words).strip()
    segment = factories.make_segment(0.0, len(words) * 0.5, text, words=tuple(words))
    return factories.make_transcript([segment])


def whole_words(text: str) -> list[tuple[int, int]]:
    """Every stretch from the start of one space-separated token to the end of another."""
    starts, ends, pos = [], [], 0
    for token in text.split(" "):
        starts.append(pos)
        ends.append(pos + len(token))
        pos += len(token) + 1
    return [(a, b) for a in starts for b in ends if a < b]


@settings(deadline=None)  # the first call imports the anonymiser's label table
@given(transcripts(), st.data())
def test_adding_then_rejecting_gives_back_the_text(
    transcript: Transcript, data: st.DataObject
) -> None:
    text = transcript.segments[0].text
    start, end = data.draw(st.sampled_from(whole_words(text)))
    added, originals = add_redaction(transcript, None, 0, start, end, "PERSON")
    segment = added.segments[0]
    assert segment.text == "".join(w.text for w in segment.words).strip()
    assert originals == (text[start:end],)
    assert added.anonymization is not None
    [redaction] = added.anonymization.redactions
    assert redaction.word is not None and segment.words[redaction.word].text == " [navn 1]"
    back, left = reject_redaction(added, originals, 0)
    assert back.segments[0].text == text and left == ()
    assert back.anonymization is not None and back.anonymization.redactions == ()


@given(transcripts())
def test_editing_a_segment_to_its_own_text_keeps_every_word(transcript: Transcript) -> None:
    edited, _ = edit_text(transcript, None, 0, transcript.segments[0].text)
    assert edited == transcript
