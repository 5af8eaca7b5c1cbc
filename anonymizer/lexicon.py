"""Word lists the recognizers consult: names, common words, and Apertium's proper-noun tags.

- First names and surnames: Statistics Norway's lists as shipped (CC BY 4.0) in the PyPI
  package ``norwegian-fake-data`` (read as data; the package's code is not used).
- Common words: the bokmål hunspell dictionary (Debian ``hunspell-no``). A capitalised word whose
  lower-case form is a common word («Per», «Liv», «Dag», «Hans») needs context to be a name.
- Apertium's bokmål analyser (Debian ``apertium-nno-nob``) tags proper nouns as first names
  (``<np><ant>``), surnames (``<np><cog>``), places (``<np><top>``) and organisations
  (``<np><org>``); one ``lt-proc`` run analyses all capitalised words of a text.
"""

from __future__ import annotations

import gzip
import json
import re
import shutil
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path

from anonymizer.errors import ResourceMissing

HUNSPELL_NB = Path("/usr/share/hunspell/nb_NO")  # .dic and .aff
APERTIUM_NOB = Path("/usr/share/apertium/apertium-nno-nob/nob-nno.automorf.bin")
_ANALYSIS = re.compile(r"\^([^/$]*)((?:/[^/$]*)*)\$")
_PROPER_TAG = re.compile(r"<np><(ant|cog|top|org|al)>")


class LexiconMissing(ResourceMissing):
    """A system word list is not installed."""


@cache
def _ssb_names() -> tuple[frozenset[str], frozenset[str]]:
    resource = files("norwegian_fake_data").joinpath("data/names.json.gz")
    data = json.loads(gzip.decompress(resource.read_bytes()))
    first = {name for rows in data["first_names"].values() for name, _weight in rows}
    sur = {name for rows in data["surnames"].values() for name, _weight in rows}
    # SSB lists compound first names («Anne Marie», «Kari-Anne»): keep the parts too
    parts = {p for name in first for p in re.split(r"[ -]", name) if len(p) > 1}
    return frozenset(first | parts), frozenset(sur)


def first_names() -> frozenset[str]:
    return _ssb_names()[0]


def surnames() -> frozenset[str]:
    return _ssb_names()[1]


@cache
def hunspell_stems(base: Path = HUNSPELL_NB) -> dict[str, str]:
    """The hunspell dictionary ``<base>.dic`` as stem → affix flags, read once per process
    (the normaliser's bokmål check and the common-word lists share it)."""
    dic = base.with_suffix(".dic")
    if not dic.exists():
        raise LexiconMissing(
            f"{dic} is missing: install the Debian package hunspell-no (setup does it)"
        )
    stems: dict[str, str] = {}
    for line in dic.read_text(encoding="iso-8859-1").splitlines()[1:]:
        stem, _, flags = line.strip().partition("/")
        if stem:
            stems[stem] = stems.get(stem, "") + flags
    return stems


@cache
def common_words() -> frozenset[str]:
    """Lower-case bokmål words (hunspell stems; inflected forms are not expanded)."""
    return frozenset(w for w in hunspell_stems() if not w[0].isupper())


def is_common_word(word: str) -> bool:
    """True when the lower-case form is an ordinary bokmål word in the dictionary."""
    return word.lower() in common_words()


def genitive_base(text: str) -> str:
    """«Karis» → «Kari», «Bodøs» → «Bodø»; other words unchanged («Moss», «Hans» stay)."""
    if len(text) > 3 and text.endswith("s") and not text.endswith("ss"):
        return text[:-1]
    return text


@dataclass(frozen=True)
class Analysis:
    """Apertium's readings of one word form."""

    proper: frozenset[str]  # ant (first name), cog (surname), top (place), org, al (other)
    common: bool  # some reading is an ordinary word (noun, verb, preposition…)
    known: bool  # Apertium knows the form at all


def analyse(words: Iterable[str]) -> dict[str, Analysis]:
    """Apertium's bokmål analysis of each distinct word form, in one ``lt-proc`` run."""
    unique = sorted({w for w in words if w and "\n" not in w})
    if not unique:
        return {}
    lt_proc = shutil.which("lt-proc")
    if lt_proc is None or not APERTIUM_NOB.exists():
        raise LexiconMissing(
            "Apertium's bokmål analyser is missing: install the Debian packages lttoolbox and "
            "apertium-nno-nob (setup does it)"
        )
    result = subprocess.run(
        [lt_proc, "-w", str(APERTIUM_NOB)],
        input="\n".join(unique) + "\n",
        capture_output=True,
        text=True,
        check=True,
    )
    out: dict[str, Analysis] = {}
    for match in _ANALYSIS.finditer(result.stdout):
        surface, readings = match.group(1), match.group(2)
        parts = [r for r in readings.split("/") if r]
        known = not (len(parts) == 1 and parts[0].startswith("*"))
        common = any("<np>" not in r and not r.startswith("*") for r in parts)
        out[surface] = Analysis(frozenset(_PROPER_TAG.findall(readings)), common, known)
    return out
