"""normalize(): Apertium nno-nob plus the dialect tables, as edits of the input."""

from __future__ import annotations

import shutil

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from anonymizer.edits import Edit, apply_edits
from anonymizer.normalize import Normalizer, NormalizerMissing, normalize
from anonymizer.normalize import apertium as apertium_module
from anonymizer.normalize.apertium import Apertium, BokmalDictionary, read_marked, split_spans
from anonymizer.normalize.tokens import tokenize

pytestmark = pytest.mark.skipif(
    shutil.which("apertium") is None,
    reason="Apertium is not installed (apt-get install apertium apertium-nno-nob hunspell-no)",
)


def bokmal(text: str) -> str:
    edits = normalize(text)
    check_edits(text, edits)
    return apply_edits(text, edits)


def check_edits(text: str, edits: list[Edit]) -> None:
    """Sorted, non-overlapping, in bounds, whole words only, each a change."""
    words = tokenize(text)
    starts, ends = {t.start for t in words}, {t.end for t in words}
    previous_end = 0
    for edit in edits:
        assert previous_end <= edit.start < edit.end <= len(text)
        assert edit.start in starts and edit.end in ends
        assert edit.reason == "dialect" and edit.replacement != text[edit.start:edit.end]
        previous_end = edit.end


@pytest.mark.parametrize(("text", "expected"), [
    ("Eg veit ikkje kva ho meiner", "Jeg vet ikke hva hun mener"),
    ("Kva tid kom du heim?", "Når kom du hjem?"),
    ("Eg har budd her sidan i fjor, og ho har òg vore her.",
     "Jeg har bodd her siden i fjor, og hun har også vært her."),
    ("Dei gjekk på kino medan eg las.", "De gikk på kino mens jeg leste."),
    ("Då eg var femten år, flytta eg til byen for å gå på skule.",
     "Da jeg var femten år, flyttet jeg til byen for å gå på skole."),
    ("Alt var mindre enn eg hugsa, og mange av dei eg kjende hadde flytta.",
     "Alt var mindre enn jeg husket, og mange av dem jeg kjente hadde flyttet."),
    ("Kva meiner du om det? Eg trur han kjem i morgon.",
     "Hva mener du om det? Jeg tror han kommer i morgen."),
    ("Vi har fått fleire oppgåver dei siste åra.", "Vi har fått flere oppgaver de siste årene."),
])
def test_nynorsk(text: str, expected: str) -> None:
    assert bokmal(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("Æ veit itj ka æ skal si", "Jeg vet ikke hva jeg skal si"),
    ("Ho sa at ho ikkje hadde tid", "Hun sa at hun ikke hadde tid"),
    ("Dæm kom hjæm i går, og æ e så glad.", "De kom hjem i går, og jeg er så glad."),
    ("Kor e du fra? Dokker må komme te oss.", "Hvor er du fra? Dere må komme te oss."),
    ("Jeg veit ikkje, men hun sa det.", "Jeg vet ikke, men hun sa det."),
])
def test_dialect(text: str, expected: str) -> None:
    assert bokmal(text) == expected


@pytest.mark.parametrize("text", [
    "Jeg har jobbet som sykepleier i tjue år, og det har vært mye stress.",
    "Hun sa at de ikke hadde tid til å hjelpe meg.",
    "Vi flyttet til Bodø da jeg var liten.",
    "Boka ligger på bordet. Han ga meg noen råd, men jeg fulgte dem ikke.",
    "Per Hansen bor i Bodø.",
    "Jenta kastet ballen, og det var flere som syntes det var vanskelig.",
    "Hva mener du egentlig? Jeg vet ikke hvem hun er.",
    "Vi var på hytta i helga med Kari og Ola fra NAV.",
    "I 2019 begynte jeg å jobbe på sykehuset i Tromsø.",
])
def test_bokmal_is_unchanged(text: str) -> None:
    assert normalize(text) == []


@pytest.mark.parametrize(("text", "names"), [
    ("Eg møtte Ola Nordmann i Førde i fjor.", ["Ola", "Nordmann", "Førde"]),
    ("Ho budde i Nord-Noreg med Kari Heim.", ["Nord-Noreg", "Kari", "Heim"]),
    ("Kva sa Ho til deg?", ["Ho"]),
    ("Eg jobba 30 år på E6.", ["30", "E6"]),
])
def test_names_and_numbers_are_not_touched(text: str, names: list[str]) -> None:
    edits = normalize(text)
    check_edits(text, edits)
    touched = {text[e.start:e.end] for e in edits}
    assert not touched & set(names)
    assert all(name in apply_edits(text, edits) for name in names)


@pytest.mark.parametrize(("text", "expected"), [
    ("Eg veit.", "Jeg vet."),
    ("eg veit.", "jeg vet."),
    ("Ja. Kva? Ikkje no!", "Ja. Hva? Ikke nå!"),
])
def test_capitalisation_follows_the_original(text: str, expected: str) -> None:
    assert bokmal(text) == expected


def test_offsets_point_into_the_input() -> None:
    text = "«Eg veit ikkje», sa ho.\nKva tid kom du heim?"
    edits = normalize(text)
    assert [(text[e.start:e.end], e.replacement) for e in edits] == [
        ("Eg", "Jeg"), ("veit", "vet"), ("ikkje", "ikke"), ("ho", "hun"), ("Kva tid", "Når"),
        ("heim", "hjem"),
    ]


def test_marks_that_do_not_come_back_cleanly_are_dropped() -> None:
    output = (
        "[[w0]]Jeg[[/]] [[w1]]vet[[/]] "         # fine
        "[[w2]]i[[/]] [[w3]]i fjor[[/]] "        # a multiword inside one mark
        "[[w4]]Nord-[[/]][[w4]]Norge[[/]] "       # one word split in two
        "[[w6]]hun[[/]] [[w5]]sa[[/]] "           # reordered
        "[[w7]]at[[/]] ekstra [[w8]]de[[/]]"      # a word outside any mark
    )
    assert read_marked(output, 9) == {0: "Jeg", 1: "vet", 2: "i"}


def test_split_spans_groups_whole_sentences_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(apertium_module, "MIN_PIECE_WORDS", 10)
    spans = [range(0, 8), range(8, 20), range(20, 25), range(25, 40)]
    groups = split_spans(spans, workers=3)
    assert 1 < len(groups) <= 3
    assert [span for group in groups for span in group] == spans
    assert split_spans(spans, workers=1) == [spans]
    assert split_spans([], workers=4) == []


def test_parallel_pieces_give_the_same_edits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(apertium_module, "MIN_PIECE_WORDS", 10)
    text = "Eg veit ikkje kva ho meiner. Kva tid kom du heim? Dei gjekk på kino medan eg las. " * 4
    one = Normalizer()
    one._apertium = Apertium(workers=1)
    three = Normalizer()
    three._apertium = Apertium(workers=3)
    assert one.normalize(text) == three.normalize(text)


def test_bokmal_dictionary_uses_the_inflection_rules() -> None:
    dictionary = BokmalDictionary()
    for word in ("flyttet", "boka", "gikk", "husker", "vanskelig", "Bodø", "hjemme"):
        assert dictionary.knows(word), word
    for word in ("ikkje", "eg", "kva", "noko", "mykje", "itj"):
        assert not dictionary.knows(word), word


def test_missing_apertium_says_how_to_install() -> None:
    with pytest.raises(NormalizerMissing, match="apertium-nno-nob"):
        Apertium(executable="no-such-apertium-binary")
    with pytest.raises(NormalizerMissing, match="no xxx-yyy pair"):
        Apertium("xxx-yyy")


VOCABULARY = [
    "Eg", "eg", "veit", "ikkje", "kva", "Kva", "tid", "ho", "Ho", "heim", "æ", "itj", "ka",
    "dæm", "me", "dei", "boka", "mi", "jeg", "ikke", "hun", "de", "ga", "Per", "Hansen", "i",
    "fjor", "til", "dømes", "Nord-Noreg", "30", "NAV", "flyttet", "fleire", "kor",
]
PUNCTUATION = [" ", " ", " ", ", ", ". ", "? ", "\n", " – ", " «", "» ", "[", "]", "^", "$", "/"]


@st.composite
def transcripts(draw: st.DrawFn) -> str:
    words = draw(st.lists(st.sampled_from(VOCABULARY), max_size=40))
    gaps = draw(st.lists(st.sampled_from(PUNCTUATION), min_size=len(words) + 1,
                         max_size=len(words) + 1))
    return "".join(g + w for g, w in zip(gaps, [*words, ""], strict=True))


@settings(max_examples=12, deadline=None)
@given(transcripts())
def test_edits_are_well_formed_for_any_text(text: str) -> None:
    edits = normalize(text)
    check_edits(text, edits)
    apply_edits(text, edits)
