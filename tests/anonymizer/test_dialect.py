"""The dialect tables and word layer, without Apertium: Normalizer(apertium=False)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from anonymizer.edits import Edit, apply_edits
from anonymizer.normalize import Normalizer
from anonymizer.normalize.apertium import HUNSPELL_NB, BokmalDictionary
from anonymizer.normalize.dialect import DIALECT, MULTIWORD, NYNORSK, Entry, When
from anonymizer.normalize.tokens import match_case, tokenize

LEXICON = Normalizer(apertium=False)


def bokmal(text: str) -> str:
    return apply_edits(text, LEXICON.normalize(text))


@pytest.mark.parametrize(("text", "expected"), [
    # Trøndersk / Nordnorsk
    ("Æ veit itj ka æ skal si.", "Jeg vet ikke hva jeg skal si."),
    ("Dæm kom hjæm i går, og æ e så glad.", "De kom hjem i går, og jeg er så glad."),
    ("Kor e du fra?", "Hvor er du fra?"),
    ("Kæm va det som ringte?", "Hvem var det som ringte?"),
    ("Æ har bærre vært der en gang, men dokker må komme.",
     "Jeg har bare vært der en gang, men dere må komme."),
    ("Oss hadde det fint, og æ såg dæm.", "Vi hadde det fint, og jeg såg dem."),
    ("Hu sa det sjæl, at ho itj ville.", "Hun sa det selv, at hun ikke ville."),
    # Vestlandsk / nynorsk
    ("Eg veit ikkje kva ho meiner.", "Jeg vet ikke hva hun mener."),
    ("Kva tid kom du heim?", "Når kom du hjem?"),
    ("Me hadde ikkje noko å gjere.", "Vi hadde ikke noe å gjere."),
    ("Eg bur i Bergen. Kor bur du?", "Jeg bor i Bergen. Hvor bor du?"),
    ("Til dømes var det mykje arbeid.", "For eksempel var det mye arbeid."),
    # Østlandsk
    ("I veit itte koss det gikk.", "Jeg vet ikke hvordan det gikk."),
    ("Je har itte sett nåen.", "Jeg har ikke sett noen."),
])
def test_dialect_sentences(text: str, expected: str) -> None:
    assert bokmal(text) == expected


@pytest.mark.parametrize("text", [
    "Jeg har jobbet som sykepleier i tjue år, og det har vært mye stress.",
    "Hun sa at de ikke hadde tid til å hjelpe meg.",
    "Per Hansen bor i Bodø.",
    "I går var det fint, og i morgen skal vi til Tromsø.",
    "Han synger i kor, og det er et stort kor.",
    "Vi drakk te og spiste på kafé i sentrum.",
    "Det var ikke så lett å si hva hun mente, men da gikk vi.",
    "Boka mi ligger på bordet, og de har dem med seg.",
])
def test_bokmal_passes_unchanged(text: str) -> None:
    assert LEXICON.normalize(text) == []


@pytest.mark.parametrize(("text", "expected"), [
    ("me hadde det fint", "vi hadde det fint"),          # subject before a verb
    ("han ga me boka", "han ga me boka"),                # «me» not a subject: untouched
    ("for oss er det viktig", "for oss er det viktig"),  # after a preposition
    ("at dem kom seint", "at de kom seint"),
    ("han såg dæm i går", "han såg dem i går"),
    ("i går var det fint", "i går var det fint"),        # «i» the preposition
    ("e har gjort det, og det e fint", "jeg har gjort det, og det er fint"),
    ("Va det fint? Det va fint.", "Va det fint? Det var fint."),
    ("kor gamal er du", "hvor gamal er du"),
    ("han syng i kor", "han synger i kor"),               # «kor» = choir after «i»
    ("det er eit bur her", "det er et bur her"),          # «bur» = cage
])
def test_conditional_entries(text: str, expected: str) -> None:
    assert bokmal(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("Æ veit", "Jeg vet"),
    ("æ veit", "jeg vet"),
    ("ÆÆ", "ÆÆ"),
    ("KVA TID", "KVA TID"),  # all capitals: taken for an acronym, left alone
    ("Kva tid", "Når"),
])
def test_capitalisation_is_kept(text: str, expected: str) -> None:
    assert bokmal(text) == expected


@pytest.mark.parametrize("text", [
    "Da sa Ho at hun kom.",       # capitalised inside a sentence: a name
    "Vi møtte Kor og Eg i går.",
    "Hun bor i Nord-Noreg.",
    "Ka3 og e6 er koder.",         # words with digits
])
def test_names_and_codes_are_not_touched(text: str) -> None:
    edits = LEXICON.normalize(text)
    touched = {text[e.start:e.end] for e in edits}
    assert not touched & {"Ho", "Kor", "Eg", "Nord-Noreg", "Ka3", "e6"}


@pytest.mark.parametrize(("original", "replacement", "expected"), [
    ("Eg", "jeg", "Jeg"), ("eg", "jeg", "jeg"), ("EG", "jeg", "JEG"), ("Æ", "jeg", "Jeg"),
    ("kva", "Hva", "hva"), ("Til", "for eksempel", "For eksempel"),
])
def test_match_case(original: str, replacement: str, expected: str) -> None:
    assert match_case(original, replacement) == expected


def test_tokens_mark_sentence_and_clause_starts() -> None:
    tokens = tokenize("Ja. Eg veit, men ho\nkjem «no» – sant?")
    starts = {t.text: (t.sentence_start, t.clause_start) for t in tokens}
    assert starts["Ja"] == (True, True)
    assert starts["Eg"] == (True, True)
    assert starts["veit"] == (False, False)
    assert starts["men"] == (False, True)
    assert starts["kjem"] == (True, True)
    assert starts["no"] == (False, True)
    assert starts["sant"] == (False, True)


def test_edits_replace_whole_words_with_reason_dialect() -> None:
    text = "Æ veit itj, sa ho."
    edits = LEXICON.normalize(text)
    assert edits == [
        Edit(0, 1, "Jeg", "dialect"), Edit(2, 6, "vet", "dialect"), Edit(7, 10, "ikke", "dialect"),
        Edit(15, 17, "hun", "dialect"),
    ]


def test_tables_are_lower_case_and_change_something() -> None:
    for table in (DIALECT, NYNORSK):
        for key, value in table.items():
            assert key == key.lower()
            entries = value if isinstance(value, tuple) else (value,)
            for entry in entries:
                replacement = entry.replacement if isinstance(entry, Entry) else entry
                assert replacement != key, key
    for words, replacement in MULTIWORD.items():
        assert all(w == w.lower() for w in words) and replacement != " ".join(words)


# unconditional keys the hunspell bokmål list accepts (rare bokmål words, side forms, or forms its
# inflection rules build: «kven» as kve + n): none is a word a bokmål transcript would use
HOMOGRAPHS = frozenset({
    "ho", "veit", "heim", "heime", "berre", "trur", "kjem", "meiner", "gjekk", "fekk", "budde",
    "budd", "seier", "tykte", "sjå", "skule", "frå", "sjøl", "dokker", "dokk", "dokkas", "ente",
    "koss", "kossen", "kolles", "korfor", "kven", "hinnes", "heima", "nåe", "nåen", "nokken",
    "sjæl", "ætte", "ette", "nu", "ska", "sku", "då", "òg", "framleis", "åssen",
})


@pytest.mark.skipif(not Path(f"{HUNSPELL_NB}.dic").exists(), reason="hunspell-no not installed")
def test_unconditional_keys_are_not_common_bokmal_words() -> None:
    dictionary = BokmalDictionary()
    for table in (DIALECT, NYNORSK):
        for key, value in table.items():
            unconditional = isinstance(value, str) or (
                isinstance(value, Entry) and value.when is When.ALWAYS)
            if unconditional and dictionary.knows(key):
                assert key in HOMOGRAPHS, f"{key!r} is a bokmål word: add a condition or drop it"


VOCABULARY = [
    "æ", "Æ", "eg", "Eg", "i", "I", "me", "Me", "e", "va", "kva", "Kva", "ka", "tid", "kor", "Kor",
    "itj", "ikkje", "ho", "Ho", "dæm", "dem", "oss", "veit", "bur", "til", "dømes", "jeg", "ikke",
    "hun", "Per", "Bodø", "EG", "NAV", "30", "e6", "ætte", "kvart", "hjæm", "Nord-Noreg", "kan't",
]
PUNCTUATION = [" ", " ", " ", ", ", ". ", "? ", "! ", "\n", " – ", " «", "» ", "...", ": ", ""]


@st.composite
def transcripts(draw: st.DrawFn) -> str:
    words = draw(st.lists(st.sampled_from(VOCABULARY), max_size=30))
    gaps = draw(st.lists(st.sampled_from(PUNCTUATION), min_size=len(words) + 1,
                         max_size=len(words) + 1))
    return "".join(g + w for g, w in zip(gaps, [*words, ""], strict=True))


def check_edits(text: str, edits: list[Edit]) -> None:
    """Sorted, non-overlapping, in bounds, whole words only, and applicable."""
    words = {(t.start, t.end) for t in tokenize(text)}
    starts, ends = {s for s, _ in words}, {e for _, e in words}
    previous_end = 0
    for edit in edits:
        assert previous_end <= edit.start < edit.end <= len(text)
        assert edit.start in starts and edit.end in ends
        assert edit.reason == "dialect" and edit.replacement != text[edit.start:edit.end]
        previous_end = edit.end
    apply_edits(text, edits)


@settings(max_examples=300, deadline=None)
@given(transcripts())
def test_edits_are_well_formed_for_any_text(text: str) -> None:
    check_edits(text, LEXICON.normalize(text))
