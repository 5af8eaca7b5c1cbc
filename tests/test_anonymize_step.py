"""The anonymisation step: the anonymiser's edits (offsets in the joined text) back onto words.

The anonymiser's results here are hand-built inputs (``Scripted``): each test states which
stretches of the joined text the anonymiser changed and how, and checks the words that come out.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

import pytest

from anonymizer import AnonymizationResult, Edit, Policy, Replacement, apply_edits, labels
from service.anonymize import (
    Anonymized,
    anonymize_transcript,
    anonymize_with_originals,
    job_policy,
    join_words,
)
from service.diarization.roles import label_roles
from service.options import JobOptions, TextChoices, text_choices
from service.transcript import Segment, Transcript, Word
from tests import factories

Rule = tuple[str, str, str, str | None]  # (old text, replacement, reason, label)


def edits_for(text: str, rules: Sequence[Rule]) -> list[Edit]:
    """An edit per rule, at the first occurrence of its text after the previous rule's."""
    edits, pos = [], 0
    for old, new, reason, label in rules:
        start = text.index(old, pos)
        edits.append(Edit(start, start + len(old), new, reason, label))  # type: ignore[arg-type]
        pos = start + len(old)
    return edits


@dataclass
class Scripted:
    """Answers with the edits of ``rules`` on whatever text it reads; records the texts."""

    rules: Sequence[Rule] = ()
    policy: Policy = field(default_factory=Policy)
    texts: list[str] = field(default_factory=list)

    def anonymize(self, text: str) -> AnonymizationResult:
        self.texts.append(text)
        edits = edits_for(text, self.rules)
        replacements = [
            Replacement(e.start, e.end, e.label or "", e.replacement.removesuffix("s"))
            for e in edits
            if e.reason == "entity"
        ]
        return AnonymizationResult(
            text=apply_edits(text, edits),
            spans=[],
            replacements=replacements,
            edits=edits,
            normalized=apply_edits(text, [e for e in edits if e.reason == "dialect"]),
        )


def words(*items: tuple[float, float, str, float]) -> tuple[Word, ...]:
    return tuple(Word(start=s, end=e, text=t, probability=p) for s, e, t, p in items)


def segment(*items: tuple[float, float, str, float], speaker: str | None = None) -> Segment:
    ws = words(*items)
    text = "".join(w.text for w in ws).strip()
    return factories.make_segment(ws[0].start, ws[-1].end, text, words=ws, speaker=speaker)


def run(rules: Sequence[Rule], *segments: Segment) -> tuple[Transcript, Scripted]:
    anonymizer = Scripted(rules)
    transcript = factories.make_transcript(segments)
    return anonymize_transcript(anonymizer, transcript), anonymizer


def texts(transcript: Transcript) -> list[list[str]]:
    return [[w.text for w in s.words] for s in transcript.segments]


def test_words_are_joined_with_their_spaces_and_segments_by_line_breaks() -> None:
    transcript = factories.make_transcript(
        [
            segment((0.0, 0.3, " Hei,", 0.9), (0.3, 0.6, " Kari.", 0.9)),
            factories.make_segment(1.0, 2.0, "Takk for sist."),
            segment((2.0, 2.4, " Ja.", 0.9)),
        ]
    )
    joined = join_words(transcript)
    assert joined.text == " Hei, Kari.\nTakk for sist.\n Ja."
    assert joined.units == (((0, 5), (5, 11)), ((12, 26),), ((27, 31),))


def test_a_name_in_one_word_becomes_its_tag() -> None:
    result, anonymizer = run(
        [("Kari", "[navn 1]", "entity", labels.PERSON)],
        segment((0.0, 0.3, " Hei,", 0.9), (0.3, 0.6, " Kari.", 0.8)),
    )
    assert anonymizer.texts == [" Hei, Kari."]
    [seg] = result.segments
    assert [w.text for w in seg.words] == [" Hei,", " [navn 1]."]
    assert seg.text == "Hei, [navn 1]."
    assert (seg.words[1].start, seg.words[1].end, seg.words[1].verbatim) == (0.3, 0.6, None)
    assert result.anonymization is not None
    [redaction] = result.anonymization.redactions
    assert (redaction.tag, redaction.label, redaction.segment, redaction.word) == (
        "[navn 1]",
        labels.PERSON,
        0,
        1,
    )


def test_a_two_word_name_goes_to_the_first_word_with_the_last_ones_comma() -> None:
    result, _ = run(
        [("Kari Hansen", "[navn 1]", "entity", labels.PERSON)],
        segment(
            (0.0, 0.4, " Jeg", 0.9),
            (0.4, 0.7, " ringte", 0.95),
            (0.8, 1.1, " Kari", 0.7),
            (1.1, 1.6, " Hansen,", 0.6),
            (1.7, 2.0, " og", 0.9),
        ),
    )
    [seg] = result.segments
    assert [w.text for w in seg.words] == [" Jeg", " ringte", " [navn 1],", " og"]
    merged = seg.words[2]
    assert (merged.start, merged.end, merged.probability) == (0.8, 1.6, 0.6)
    assert seg.text == "Jeg ringte [navn 1], og"
    assert result.anonymization is not None
    assert [r.word for r in result.anonymization.redactions] == [2]


def test_a_genitive_keeps_its_s_and_the_tag_is_recorded_without_it() -> None:
    result, _ = run(
        [("Karis", "[navn 1]s", "entity", labels.PERSON)],
        segment((0.0, 0.4, " Karis", 0.9), (0.4, 0.8, " mor.", 0.9)),
    )
    assert texts(result) == [[" [navn 1]s", " mor."]]
    assert result.anonymization is not None
    assert [r.tag for r in result.anonymization.redactions] == ["[navn 1]"]


def test_a_pronoun_rewrite_is_in_text_and_verbatim_alike() -> None:
    result, _ = run(
        [("han", "hun", "pronoun", None)],
        segment((0.0, 0.3, " Så", 0.9), (0.3, 0.5, " sa", 0.9), (0.5, 0.7, " han", 0.9)),
    )
    assert texts(result) == [[" Så", " sa", " hun"]]
    assert all(w.verbatim is None for w in result.segments[0].words)
    assert result.anonymization is not None and result.anonymization.redactions == ()


def test_dialect_words_keep_what_was_said_in_verbatim_but_never_a_name() -> None:
    result, _ = run(
        [
            ("Eg", "Jeg", "dialect", None),
            ("ikkje", "ikke", "dialect", None),
            ("Kari", "[navn 1]", "entity", labels.PERSON),
            ("Kari", "[navn 1]", "entity", labels.PERSON),
            ("ho", "hun", "pronoun", None),
            ("sei", "sier", "dialect", None),
        ],
        segment(
            (0.0, 0.2, " Eg", 0.9),
            (0.2, 0.5, " veit", 0.9),
            (0.5, 0.8, " ikkje", 0.9),
            (0.8, 1.0, " om", 0.9),
            (1.0, 1.3, " Kari", 0.9),
            (1.3, 1.4, " kjem.", 0.9),
        ),
        segment((2.0, 2.3, " Karis", 0.9), (2.3, 2.5, " ho", 0.9), (2.5, 2.7, " sei.", 0.9)),
    )
    first, second = result.segments
    assert [(w.text, w.verbatim) for w in first.words] == [
        (" Jeg", " Eg"),
        (" veit", None),
        (" ikke", " ikkje"),
        (" om", None),
        (" [navn 1]", None),
        (" kjem.", None),
    ]
    assert [(w.text, w.verbatim) for w in second.words] == [
        (" [navn 1]s", None),
        (" hun", None),
        (" sier.", " sei."),
    ]
    assert first.text == "Jeg veit ikke om [navn 1] kjem."
    assert "Kari" not in result.model_dump_json()
    assert result.anonymization is not None and result.anonymization.normalized


def test_a_dialect_phrase_over_two_words_merges_them_and_keeps_both_in_verbatim() -> None:
    result, _ = run(
        [("ka du", "hva du", "dialect", None)],
        segment((0.0, 0.2, " ka", 0.8), (0.2, 0.4, " du", 0.9), (0.4, 0.6, " tenke?", 0.9)),
    )
    [seg] = result.segments
    assert [(w.text, w.verbatim, w.end) for w in seg.words] == [
        (" hva du", " ka du", 0.4),
        (" tenke?", None, 0.6),
    ]


def test_a_name_across_a_segment_boundary_is_split_and_never_left_half() -> None:
    result, _ = run(
        [("Kari\n Hansen", "[navn 1]", "entity", labels.PERSON)],
        segment((0.0, 0.3, " Det", 0.9), (0.3, 0.6, " var", 0.9), (0.6, 0.9, " Kari", 0.9)),
        segment((1.0, 1.4, " Hansen", 0.9), (1.4, 1.7, " som", 0.9), (1.7, 2.0, " ringte.", 0.9)),
    )
    assert texts(result) == [[" Det", " var", " [navn 1]"], [" som", " ringte."]]
    assert [s.text for s in result.segments] == ["Det var [navn 1]", "som ringte."]
    assert "Hansen" not in result.model_dump_json()
    assert result.anonymization is not None
    assert [(r.segment, r.word) for r in result.anonymization.redactions] == [(0, 2)]


def test_a_dialect_edit_across_a_segment_boundary_is_not_applied() -> None:
    result, _ = run(
        [("no\n ja", "nå ja", "dialect", None)],
        segment((0.0, 0.3, " Ja", 0.9), (0.3, 0.6, " no", 0.9)),
        segment((1.0, 1.4, " ja", 0.9)),
    )
    assert texts(result) == [[" Ja", " no"], [" ja"]]


def test_a_word_left_empty_disappears() -> None:
    result, _ = run(
        [(" eh", "", "dialect", None)],
        segment((0.0, 0.3, " Jeg", 0.9), (0.3, 0.6, " eh", 0.9), (0.6, 0.9, " jobber.", 0.9)),
    )
    assert texts(result) == [[" Jeg", " jobber."]]
    assert result.segments[0].text == "Jeg jobber."


def test_a_segment_without_words_is_anonymised_through_its_text() -> None:
    result, anonymizer = run(
        [("Bodø", "[kommune 1]", "entity", labels.MUNICIPALITY)],
        segment((0.0, 0.4, " Hei.", 0.9)),
        factories.make_segment(1.0, 3.0, "Jeg bor i Bodø."),
    )
    assert anonymizer.texts == [" Hei.\nJeg bor i Bodø."]
    assert result.segments[1].text == "Jeg bor i [kommune 1]."
    assert result.anonymization is not None
    [redaction] = result.anonymization.redactions
    assert (redaction.segment, redaction.word) == (1, None)


def test_an_insertion_lands_in_the_word_it_precedes_or_ends() -> None:
    result, _ = run(
        [("", " ikke", "dialect", None)],
        segment((0.0, 0.3, " Det", 0.9), (0.3, 0.6, " går.", 0.9)),
    )
    assert texts(result) == [[" ikke Det", " går."]]


def test_untouched_segments_and_the_speakers_stay_as_they_were() -> None:
    transcript = label_roles(
        factories.make_transcript(
            [
                segment(
                    (0.0, 0.5, " Hvor", 0.9),
                    (0.5, 0.9, " bor", 0.9),
                    (0.9, 1.2, " du?", 0.9),
                    speaker="SPEAKER_00",
                ),
                segment((2.0, 2.5, " I", 0.9), (2.5, 3.0, " Bodø.", 0.9), speaker="SPEAKER_01"),
            ]
        ),
        renames={"Intervjuer": "Ola"},
    )
    rules = [("Bodø", "[kommune 1]", "entity", labels.MUNICIPALITY)]
    result = anonymize_transcript(Scripted(rules), transcript)
    assert result.segments[0] is transcript.segments[0]
    assert result.speakers == transcript.speakers
    assert [s.name for s in result.speakers] == ["Ola", "Informant"]


def test_automatic_speaker_labels_are_roles_never_names_heard() -> None:
    """Names spoken in the recording never become speaker labels: only roles, or the names the
    researcher typed in."""
    transcript = label_roles(
        factories.make_transcript(
            [
                factories.make_segment(
                    0.0, 2.0, "Hei Kari, hvordan går det?", speaker="SPEAKER_00"
                ),
                factories.make_segment(2.0, 4.0, "Jeg heter Kari Hansen.", speaker="SPEAKER_01"),
            ]
        )
    )
    rules = [
        ("Kari", "[navn 1]", "entity", labels.PERSON),
        ("Kari Hansen", "[navn 1]", "entity", labels.PERSON),
    ]
    result = anonymize_transcript(Scripted(rules), transcript)
    assert [s.name for s in result.speakers] == ["Intervjuer", "Informant"]
    assert "Kari" not in result.model_dump_json()


def test_a_segment_text_is_always_its_words() -> None:
    """The anonymiser reads the words; a segment text that says more never survives."""
    words = (Word(start=0.0, end=0.4, text=" Hei.", probability=0.9),)
    odd = factories.make_segment(0.0, 0.4, "Hei, Kari.", words=words)
    result, _ = run([], odd)
    assert result.segments[0].text == "Hei."


def test_an_empty_transcript_is_not_sent() -> None:
    anonymizer = Scripted()
    result = anonymize_transcript(anonymizer, factories.make_transcript([]))
    assert anonymizer.texts == []
    assert result.anonymization is not None and result.anonymization.redactions == ()


def test_overlapping_edits_are_refused() -> None:
    class Overlapping(Scripted):
        def anonymize(self, text: str) -> AnonymizationResult:
            result = super().anonymize(text)
            start = text.index("ari")
            result.edits.append(Edit(start, start + 3, "x", "dialect"))
            return result

    transcript = factories.make_transcript([segment((0.0, 0.4, " Kari", 0.9))])
    with pytest.raises(ValueError, match="overlap"):
        anonymize_transcript(
            Overlapping([("Kari", "[navn 1]", "entity", labels.PERSON)]), transcript
        )


def test_info_records_the_policy_and_the_hook_hears_the_step() -> None:
    calls: list[tuple[str, float | None]] = []

    def hook(step: str, *, completed: float | None = None, total: float | None = None) -> None:
        calls.append((step, completed))

    policy = Policy(dates=True, pronouns=False, normalize=False)
    transcript = factories.make_transcript([segment((0.0, 0.4, " Hei.", 0.9))])
    result = anonymize_transcript(Scripted(policy=policy), transcript, hook)
    info = result.anonymization
    assert info is not None
    assert (info.normalized, info.pronouns) == (False, False)
    assert set(info.entities) == set(labels.ALL)
    assert info.seconds >= 0.0
    assert calls == [("anonymizing", 0.0), ("anonymizing", 1.0)]
    default = anonymize_transcript(Scripted(), transcript).anonymization
    assert default is not None and set(default.entities) == labels.DEFAULT


def test_logs_hold_counts_only(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    run(
        [("Kari", "[navn 1]", "entity", labels.PERSON), ("ikkje", "ikke", "dialect", None)],
        segment((0.0, 0.4, " Kari", 0.9), (0.4, 0.8, " kjem", 0.9), (0.8, 1.0, " ikkje.", 0.9)),
    )
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert "1 redactions" in logged
    for secret in ("Kari", "kjem", "ikkje", "ikke", "navn"):
        assert secret not in logged


def with_originals(rules: Sequence[Rule], *segments: Segment) -> Anonymized:
    return anonymize_with_originals(Scripted(rules), factories.make_transcript(segments))


def test_each_redaction_keeps_the_text_it_replaced() -> None:
    result = with_originals(
        [
            ("Eg", "Jeg", "dialect", None),
            ("Kari Hansen", "[navn 1]", "entity", labels.PERSON),
            ("Karis", "[navn 1]s", "entity", labels.PERSON),
            ("han", "hun", "pronoun", None),
            ("Bodø", "[kommune 1]", "entity", labels.MUNICIPALITY),
        ],
        segment(
            (0.0, 0.2, " Eg", 0.9),
            (0.2, 0.5, " ringte", 0.9),
            (0.5, 0.8, " Kari", 0.9),
            (0.8, 1.0, " Hansen,", 0.9),
            (1.0, 1.3, " Karis", 0.9),
            (1.3, 1.4, " mann.", 0.9),
        ),
        factories.make_segment(2.0, 3.0, "Så flyttet han til Bodø."),
    )
    info = result.transcript.anonymization
    assert info is not None
    assert [(r.tag, r.segment, r.word) for r in info.redactions] == [
        ("[navn 1]", 0, 2),
        ("[navn 1]", 0, 3),
        ("[kommune 1]", 1, None),
    ]
    assert result.originals == ("Kari Hansen", "Karis", "Bodø")


def test_a_name_across_segments_keeps_all_it_replaced() -> None:
    result = with_originals(
        [("Kari\n Hansen", "[navn 1]", "entity", labels.PERSON)],
        segment((0.0, 0.3, " Det", 0.9), (0.3, 0.6, " var", 0.9), (0.6, 0.9, " Kari", 0.9)),
        segment((1.0, 1.4, " Hansen", 0.9), (1.4, 1.7, " som", 0.9)),
    )
    assert result.originals == ("Kari\n Hansen",)
    assert "Hansen" not in result.transcript.model_dump_json()


def test_without_redactions_there_are_no_originals() -> None:
    result = with_originals(
        [("han", "hun", "pronoun", None), ("ikkje", "ikke", "dialect", None)],
        segment((0.0, 0.3, " han", 0.9), (0.3, 0.6, " kjem", 0.9), (0.6, 0.9, " ikkje.", 0.9)),
    )
    assert result.originals == ()
    empty = anonymize_with_originals(Scripted(), factories.make_transcript([]))
    assert empty.originals == ()


def test_anonymize_transcript_is_the_transcript_of_anonymize_with_originals() -> None:
    rules: list[Rule] = [("Kari", "[navn 1]", "entity", labels.PERSON)]
    seg = segment((0.0, 0.3, " Hei,", 0.9), (0.3, 0.6, " Kari.", 0.8))
    plain, _ = run(rules, seg)
    both = with_originals(rules, seg)
    assert both.transcript.segments == plain.segments
    assert plain.anonymization is not None and both.transcript.anonymization is not None
    assert both.transcript.anonymization.redactions == plain.anonymization.redactions
    assert both.originals == ("Kari",)


def test_originals_are_never_logged(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    result = with_originals(
        [("Kari Nordmann", "[navn 1]", "entity", labels.PERSON)],
        segment((0.0, 0.4, " Kari", 0.9), (0.4, 0.8, " Nordmann", 0.9), (0.8, 1.0, " kom.", 0.9)),
    )
    assert result.originals == ("Kari Nordmann",)
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert "Kari" not in logged and "Nordmann" not in logged


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (JobOptions(), TextChoices(redact=True, normalize=True, dates=False)),
        (JobOptions(anonymize_dates=True), TextChoices(True, True, True)),
        (JobOptions(keep_dialect=True), TextChoices(True, False, False)),
        (JobOptions(anonymize=False), TextChoices(False, True, False)),
        (JobOptions(anonymize=False, anonymize_dates=True), TextChoices(False, True, False)),
        (JobOptions(anonymize=False, keep_dialect=True), TextChoices(False, False, False)),
        (JobOptions(language="nn"), TextChoices(True, True, False)),  # nynorsk → bokmål too
    ],
)
def test_job_choices(options: JobOptions, expected: TextChoices) -> None:
    assert text_choices(options, anonymize=True) == expected


def test_the_service_setting_decides_when_the_job_does_not_say() -> None:
    assert not text_choices(JobOptions(), anonymize=False).redact
    assert text_choices(JobOptions(anonymize=True), anonymize=False).redact


def test_job_policy() -> None:
    assert job_policy(TextChoices(True, True, False)) == Policy()
    assert job_policy(TextChoices(True, False, True)) == Policy(normalize=False, dates=True)
    normalise_only = job_policy(TextChoices(False, True, False))
    assert normalise_only == Policy(entities=frozenset(), pronouns=False, normalize=True)
    assert not any(normalise_only.redacts(label) for label in labels.ALL)
    assert job_policy(TextChoices(False, False, False)) is None
