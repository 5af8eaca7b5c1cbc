"""Whole interview passages: what a researcher's transcript must come out as."""

from __future__ import annotations

import re

import pytest

from anonymizer import Anonymizer, Policy, apply_edits, labels

FNR = "15076500565"  # a valid fødselsnummer (stdnum-checked test number)


def test_a_passage_with_everything(anonymizer: Anonymizer) -> None:
    text = (
        "Jeg heter Kari Nilsen og jobber på NAV Bodø. Før det var jeg på Solhaug sykehjem i "
        "Sandnes. Du kan ringe meg på 92 34 56 78 eller skrive til kari.nilsen@nav.no. "
        f"Fødselsnummeret mitt er {FNR}. Han Per, kollegaen min, sa at hans mor bor i "
        "Storgata 12, 8006 Bodø."
    )
    result = anonymizer.anonymize(text)
    assert result.text == (
        "Jeg heter [navn 1] og jobber på [arbeidsplass 1]. Før det var jeg på "
        "[arbeidsplass 2] i [kommune 1]. Du kan ringe meg på [telefonnummer] eller skrive til "
        "[e-post]. Fødselsnummeret mitt er [fødselsnummer]. [navn 2], kollegaen min, sa at "
        "hennes mor bor i [adresse], [adresse]."
    )
    for secret in ("Kari", "Nilsen", "Bodø", "Solhaug", "Sandnes", "92 34", FNR, "Per"):
        assert secret not in result.text
    # every edit is against the input, and applying them gives the output
    assert apply_edits(text, result.edits) == result.text
    assert result.originals["[navn 1]"] == ["Kari Nilsen"]


def test_dialect_is_written_as_bokmal_before_detection(anonymizer: Anonymizer) -> None:
    text = "Æ veit itj ka ho Kari meinte, men ho bur i Bodø no."
    result = anonymizer.anonymize(text)
    assert "Kari" not in result.text and "Bodø" not in result.text
    assert result.text.startswith("Jeg vet ikke hva ")
    assert "[navn 1]" in result.text and "[kommune 1]" in result.text
    # the span offsets point into the input as it was said
    person = next(s for s in result.spans if s.label == labels.PERSON)
    assert text[person.start:person.end].endswith("Kari")


@pytest.mark.parametrize(
    "text",
    [
        "Per i dag er det vanskelig å få hjelp fra kommunen.",
        "Mai og juni var de verste månedene.",
        "Hans mor var syk den vinteren, og det var tungt.",
        "Jeg har vært på NAV mange ganger, og det tok en time hver gang.",
        "Liv og helse er det viktigste, sa legen.",
    ],
)
def test_traps_come_through_with_only_pronouns_changed(anonymizer: Anonymizer, text: str
                                                       ) -> None:
    result = anonymizer.anonymize(text)
    assert [e for e in result.edits if e.reason == "entity"] == []
    assert re.sub(r"\b(Hennes|hennes)\b", "Hans", result.text) == text.replace("hans", "Hans")


def test_dates_and_ages_only_when_the_policy_says(detector: Anonymizer) -> None:
    text = "Hun var 34 år gammel da hun flyttet 12. mars 2019."
    assert [s.label for s in detector.analyze(text)] == []
    dated = Anonymizer("nb", Policy(normalize=False, pronouns=False, dates=True))
    assert [text[s.start:s.end] for s in dated.analyze(text)] == ["34 år gammel", "12. mars 2019"]


def test_spans_carry_label_score_and_recognizer(detector: Anonymizer) -> None:
    text = "Jeg ringte Kari Hansen på 92 34 56 78."
    spans = detector.analyze(text)
    assert [(text[s.start:s.end], s.label) for s in spans] == [
        ("Kari Hansen", labels.PERSON), ("92 34 56 78", labels.PHONE)
    ]
    assert all(0 < s.score <= 1 and s.recognizer for s in spans)


def test_a_language_must_be_named() -> None:
    with pytest.raises(ValueError, match="not supported"):
        Anonymizer("en")
