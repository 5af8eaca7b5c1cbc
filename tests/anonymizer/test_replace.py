"""Numbered tags: one tag per person or place in a text, genitive «s» kept."""

from __future__ import annotations

import pytest

from anonymizer import labels
from anonymizer.replace import Tagger

KNOWN = {"Kari", "Hansen", "Bodø", "Sandnes", "Per"}


def tagger() -> Tagger:
    return Tagger(lambda _label, word: word in KNOWN)


@pytest.mark.parametrize(
    ("mentions", "texts"),
    [
        ([(labels.PERSON, "Kari Hansen"), (labels.PERSON, "Kari"), (labels.PERSON, "Hansen")],
         ["[navn 1]", "[navn 1]", "[navn 1]"]),
        ([(labels.PERSON, "Kari"), (labels.PERSON, "Per"), (labels.PERSON, "Kari")],
         ["[navn 1]", "[navn 2]", "[navn 1]"]),
        ([(labels.PERSON, "Karis"), (labels.PERSON, "Kari")], ["[navn 1]s", "[navn 1]"]),
        ([(labels.MUNICIPALITY, "Sandnes kommune"), (labels.MUNICIPALITY, "Sandnes"),
          (labels.MUNICIPALITY, "Bodøs")], ["[kommune 1]", "[kommune 1]", "[kommune 2]s"]),
        ([(labels.MUNICIPALITY, "Sandnes kommunes")], ["[kommune 1]s"]),
        ([(labels.LOCATION, "Mo i Rana"), (labels.ORGANIZATION, "NAV Bodø")],
         ["[sted 1]", "[arbeidsplass 1]"]),
        ([(labels.PHONE, "92 34 56 78"), (labels.PHONE, "22 33 44 55")],
         ["[telefonnummer]", "[telefonnummer]"]),
        ([(labels.FODSELSNUMMER, "15076500565"), (labels.EMAIL, "kari@nav.no"),
          (labels.ADDRESS, "Storgata 12")], ["[fødselsnummer]", "[e-post]", "[adresse]"]),
        # «Hans» is a name in its own right, not the genitive of «Han»
        ([(labels.PERSON, "Hans")], ["[navn 1]"]),
    ],
)
def test_tags(mentions: list[tuple[str, str]], texts: list[str]) -> None:
    t = tagger()
    assert [t.tag(label, surface).text for label, surface in mentions] == texts


def test_two_people_sharing_a_first_name_stay_apart() -> None:
    t = tagger()
    first = t.tag(labels.PERSON, "Kari Hansen").tag
    second = t.tag(labels.PERSON, "Kari Berg").tag
    assert first != second
    # «Kari» alone now fits both: it gets a tag of its own rather than a guess
    assert t.tag(labels.PERSON, "Kari").tag not in (first, second)


def test_originals_are_kept_for_review_only_by_tag() -> None:
    t = tagger()
    t.tag(labels.PERSON, "Kari Hansen")
    t.tag(labels.PERSON, "Kari")
    assert t.originals == {"[navn 1]": ["Kari Hansen", "Kari"]}
