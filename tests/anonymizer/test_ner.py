"""The NER recognizer alone: NorNE labels mapped, guesses on ordinary words dropped."""

from __future__ import annotations

import pytest

from anonymizer import Anonymizer, Policy, labels
from anonymizer.recognizers.ner import NerRecognizer


@pytest.fixture(scope="module")
def ner_only() -> Anonymizer:
    return Anonymizer("nb", Policy(normalize=False, pronouns=False),
                      recognizers=[NerRecognizer()])


def spans(ner_only: Anonymizer, text: str) -> list[tuple[str, str]]:
    return [(text[s.start:s.end], s.label) for s in ner_only.analyze(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Jeg snakket med Kari Hansen i går.", [("Kari Hansen", labels.PERSON)]),
        ("Hun jobbet for Statoil i mange år.", [("Statoil", labels.ORGANIZATION)]),
        ("Vi reiste til Sverige og Danmark.",
         [("Sverige", labels.LOCATION), ("Danmark", labels.LOCATION)]),
    ],
)
def test_norne_entities_map_to_presidio_labels(
    ner_only: Anonymizer, text: str, expected: list[tuple[str, str]]
) -> None:
    assert spans(ner_only, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Spørsmålet er om hun får hjelp.",  # an ordinary noun at a sentence start
        "Mai og juni var de verste månedene.",  # a month
        "Jeg har vært på NAV mange ganger.",  # a public service everyone meets
    ],
)
def test_guesses_on_ordinary_words_are_dropped(ner_only: Anonymizer, text: str) -> None:
    assert spans(ner_only, text) == []


def test_person_spans_end_at_the_name(ner_only: Anonymizer) -> None:
    text = "Da kom Bjørn og Stein inn samtidig."
    assert all(not surface.endswith(" inn") for surface, _ in spans(ner_only, text))
