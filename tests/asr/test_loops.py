import pytest

from service.asr.loops import compression_ratio, find_repeat, is_loop, words_of

CASES = [
    # (text, is a loop) -- verbatim speech repeats, loops repeat more
    ("hatt en mime mønner hatt en mime mønner hatt en mime mønner", True),
    ("Stortingets møte er lovlig satt.", False),
    ("nei, nei, nei, det tror jeg ikke", False),
    ("ja ja", False),
    ("ja ja ja ja ja ja ja", True),
    ("og så og så og så og så gikk vi hjem", True),
    ("jeg tror, jeg tror at det var i fjor", False),
    ("Det var det. Det var det. Det var det.", True),
    ("", False),
    ("Takk. " * 2, False),
    ("Takk. " * 8, True),
    ("og så var det sånn at vi gikk til legen og så var det sånn at hun sa nei", False),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_is_loop(text: str, expected: bool) -> None:
    assert is_loop(text) is expected


def test_find_repeat_reports_phrase_and_count() -> None:
    assert find_repeat(words_of("a b c a b c a b c x")) == (3, 3)
    assert find_repeat(words_of("a b c d")) is None


def test_compression_ratio_grows_with_repetition() -> None:
    varied = "Hun fortalte om en vanlig arbeidsdag med mange ulike oppgaver og møter."
    assert compression_ratio(varied) < 2.0 < compression_ratio("mønner " * 40)
    assert compression_ratio("") == 0.0
