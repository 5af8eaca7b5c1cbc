"""EmailRecognizer: valid, invalid and regression cases."""

from __future__ import annotations

import pytest
import regex as re

from anonymizer import labels
from anonymizer.recognizers.email import EmailRecognizer
from tests.anonymizer.helpers import matches

RECOGNIZER = EmailRecognizer()


def found(text: str, flags: int | None = None) -> list[str]:
    return matches(RECOGNIZER, labels.EMAIL, text, flags)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Send det til ola.nordmann@nav.no.", ["ola.nordmann@nav.no"]),
        ("Skriv til kari+intervju@blåbær.no, takk", ["kari+intervju@blåbær.no"]),
        ("OLA_NORDMANN@UIO.NO eller per-arne@post.example.com",
         ["OLA_NORDMANN@UIO.NO", "per-arne@post.example.com"]),
        ("e-posten er ola krøll nordmann punktum no.", ["ola krøll nordmann punktum no"]),
        ("ola at nav punktum no", ["ola at nav punktum no"]),
        ("Ola punktum Nordmann krøllalfa gmail punktum com er best",
         ["Ola punktum Nordmann krøllalfa gmail punktum com"]),
        ("kari bindestrek hansen alfakrøll uio punktum no",
         ["kari bindestrek hansen alfakrøll uio punktum no"]),
        ("send til ola krøll nav.no", ["ola krøll nav.no"]),
        ("per krøll student punktum uio punktum no punktum",
         ["per krøll student punktum uio punktum no"]),
    ],
)
def test_finds_addresses(text: str, expected: list[str]) -> None:
    assert found(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Jeg sa at nav punktum no var nede.",  # «at» the conjunction
        "Hun mente at det var greit.",
        "Han tror at vi kommer punktum",
        "ola krøll nordmann",  # no top-level domain
        "ola krøll nordmann punktum xyz",
        "@nav.no",
        "ola@nav",
        "Vi bruker nav.no og sa punktum no",
    ],
)
def test_ignores_non_addresses(text: str) -> None:
    assert found(text) == []


def test_written_scores_higher_than_spoken() -> None:
    text = "ola@nav.no eller ola krøll nav punktum no"
    results = sorted(RECOGNIZER.analyze(text, [labels.EMAIL]), key=lambda r: r.start)
    assert [r.score for r in results] == [0.9, 0.6]


def test_contract() -> None:
    assert RECOGNIZER.supported_language == "nb"
    assert RECOGNIZER.supported_entities == [labels.EMAIL]
    assert not RECOGNIZER.global_regex_flags & re.IGNORECASE
    assert "e-post" in RECOGNIZER.context


def test_no_presidio_email_recognizer_or_tldextract() -> None:
    import anonymizer.recognizers.email as module

    assert "tldextract" not in vars(module)
    assert not hasattr(module, "PresidioEmailRecognizer")
