"""Every informant is «hun»: gendered pronouns by role, with spoken word order."""

from __future__ import annotations

from pathlib import Path

import pytest

from anonymizer import Anonymizer, Policy

CASES = Path(__file__).resolve().parents[2] / "bench" / "data" / "pronouns.tsv"


@pytest.fixture(scope="module")
def pronouns_only() -> Anonymizer:
    return Anonymizer("nb", Policy(entities=frozenset(), normalize=False))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Han sa at han var sliten.", "Hun sa at hun var sliten."),
        ("Jeg ringte han i går.", "Jeg ringte henne i går."),  # spoken object «han»
        ("I går ringte han meg.", "I går ringte hun meg."),  # fronted adverbial: subject
        ("Jeg har aldri sett han så glad.", "Jeg har aldri sett henne så glad."),
        ("Vi møtte ham på kontoret.", "Vi møtte henne på kontoret."),
        ("Det var hans idé.", "Det var hennes idé."),
        ("HAN ringte.", "HUN ringte."),
        ("Snakket du med han?", "Snakket du med henne?"),
        ("Han tok med seg sin egen sekk.", "Hun tok med seg sin egen sekk."),  # sin/seg stay
        ("Hun ringte han med en gang.", "Hun ringte henne med en gang."),
        ("Jeg så'n i går.", "Jeg så'a i går."),
    ],
)
def test_pronouns_take_the_feminine_form_of_their_role(
    pronouns_only: Anonymizer, text: str, expected: str
) -> None:
    assert pronouns_only.anonymize(text).text == expected


def test_rewriting_can_be_switched_off() -> None:
    off = Anonymizer("nb", Policy(entities=frozenset(), normalize=False, pronouns=False))
    assert off.anonymize("Jeg ringte han i går.").text == "Jeg ringte han i går."


def test_dialect_forms_become_bokmal_feminine(anonymizer: Anonymizer) -> None:
    assert anonymizer.anonymize("Ho sa at ho ikkje hadde tid.").text == (
        "Hun sa at hun ikke hadde tid."
    )


def test_labelled_set_reaches_the_target(anonymizer: Anonymizer) -> None:
    """The bench's hand-labelled set: at least 98 % of the pronouns right (the issue's bar)."""
    rows = [line.split("\t") for line in CASES.read_text(encoding="utf-8").splitlines()
            if line and not line.startswith("#")]
    right = total = 0
    for source, expected in rows:
        got = anonymizer.anonymize(source).text.split()
        for k, want in enumerate(expected.split()):
            if want.strip(".,?!").lower() in {"hun", "henne", "hennes"}:
                total += 1
                right += k < len(got) and got[k] == want
    assert total >= 60
    assert right / total >= 0.98
