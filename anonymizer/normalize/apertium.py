"""Apertium's nynorsk → bokmål translation, one word at a time but with sentence context.

The whole text goes through ``apertium nno-nob`` in one run. Every word travels inside an Apertium
*word-bound blank* (``[[w17]]kjem[[/]]``): Apertium carries that mark onto whatever it makes of the
word, so the output says which input word each translated word came from. A word whose mark comes
back twice (Apertium split it), out of order (reordered), with more than one word inside (a
multiword expression), or next to letters outside any mark (inserted words) is left as it was.

Apertium also "translates" words that are already correct bokmål (boka → boken, ga → gav,
de → dere) and sometimes picks an unrelated word for one it half knows (flyttet → bevegelsen,
dæm → skinn). :class:`BokmalDictionary` (the hunspell bokmål list with its inflection rules) tells
the caller which words are bokmål already, and :func:`is_respelling` keeps a change only when the
translation is a spelling of the same word.
"""

from __future__ import annotations

import difflib
import logging
import os
import re
import shutil
import subprocess
from collections import defaultdict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

from anonymizer.errors import ResourceMissing
from anonymizer.lexicon import HUNSPELL_NB, hunspell_stems
from anonymizer.normalize.tokens import Token

logger = logging.getLogger(__name__)

INSTALL_HINT = "install the Debian packages apertium apertium-nno-nob hunspell-no (setup does it)"
MIN_PIECE_WORDS = 1000
MIN_SIMILARITY = 0.34  # eg→jeg .8, ho→hun .4, kva→hvilken .4; dæm→skinn 0, fleire→gjentatte .27

_MARKED = re.compile(r"\[\[w(\d+)\]\](.*?)\[\[/\]\]", re.DOTALL)
_ONE_WORD = re.compile(r"\w+(?:['’\-]\w+)*")
_STREAM_SPECIAL = re.compile(r"[\[\]^$/<>@\\{}*#+~|\x00]")


class NormalizerMissing(ResourceMissing):
    """A system tool or word list that normalisation needs is not installed."""


@dataclass(frozen=True)
class _Affix:
    flag: str
    strip: str
    add: str
    condition: re.Pattern[str]
    cross: bool


class BokmalDictionary:
    """Is a word form bokmål? The hunspell ``nb_NO`` stems with their prefix and suffix rules.

    Compounds the dictionary does not list are not recognised (hunspell would build them).
    """

    def __init__(self, base: Path = HUNSPELL_NB) -> None:
        dic, aff = base.with_suffix(".dic"), base.with_suffix(".aff")
        if not dic.is_file() or not aff.is_file():
            raise NormalizerMissing(f"{dic} is missing: {INSTALL_HINT}")
        self._stems = hunspell_stems(base)  # shared, read-only
        self._suffixes: dict[str, list[_Affix]] = defaultdict(list)
        self._prefixes: dict[str, list[_Affix]] = defaultdict(list)
        self._read_affixes(aff)

    def _read_affixes(self, aff: Path) -> None:
        cross: dict[tuple[str, str], bool] = {}
        for line in aff.read_text(encoding="iso-8859-1").splitlines():
            fields = line.split()
            if len(fields) < 4 or fields[0] not in ("SFX", "PFX"):
                continue
            kind, flag = fields[0], fields[1]
            if len(fields) == 4:  # block header: SFX flag cross_product count
                cross[kind, flag] = fields[2] == "Y"
                continue
            strip = "" if fields[2] == "0" else fields[2]
            add = "" if fields[3].startswith("0") else fields[3].split("/", 1)[0]
            condition = fields[4] if len(fields) > 4 else "."
            if kind == "SFX":
                pattern = re.compile(f"(?:{condition})$")
                self._suffixes[add].append(_Affix(flag, strip, add, pattern, cross[kind, flag]))
            else:
                pattern = re.compile(f"^(?:{condition})")
                self._prefixes[add].append(_Affix(flag, strip, add, pattern, cross[kind, flag]))

    def knows(self, word: str) -> bool:
        """True when ``word`` (or its lower-case form) is a bokmål word form."""
        return any(self._known(form) for form in {word, word.lower()})

    def _known(self, word: str) -> bool:
        if word in self._stems or self._with_suffix(word, needs=""):
            return True
        for k in range(1, len(word)):
            for affix in self._prefixes.get(word[:k], ()):
                stem = affix.strip + word[k:]
                if not affix.condition.search(stem):
                    continue
                if affix.flag in self._stems.get(stem, ""):
                    return True
                if affix.cross and self._with_suffix(stem, needs=affix.flag):
                    return True
        return False

    def _with_suffix(self, word: str, *, needs: str) -> bool:
        """``word`` is a stem plus one of the stem's suffixes (the stem also flagged ``needs``)."""
        for k in range(1, len(word) + 1):
            for affix in self._suffixes.get(word[k:], ()):
                if needs and not affix.cross:
                    continue
                stem = word[:k] + affix.strip
                flags = self._stems.get(stem)
                if flags and affix.flag in flags and needs in flags \
                        and affix.condition.search(stem):
                    return True
        return False


class Apertium:
    """Runs ``apertium <pair>`` on marked-up words; see the module docstring.

    Apertium's disambiguator takes about half a millisecond a word, so a long text is cut into
    ``workers`` pieces (at sentence ends) that run side by side.
    """

    def __init__(self, pair: str = "nno-nob", *, executable: str = "apertium",
                 workers: int | None = None) -> None:
        found = shutil.which(executable)
        if found is None:
            raise NormalizerMissing(f"Apertium is not installed: {INSTALL_HINT}")
        listed = subprocess.run([found, "-l"], capture_output=True, text=True, check=False)
        if pair not in listed.stdout.split():
            raise NormalizerMissing(f"Apertium has no {pair} pair: {INSTALL_HINT}")
        self.pair = pair
        self.workers = workers or min(4, os.cpu_count() or 1)
        self._executable = found

    def translate(self, text: str, tokens: Sequence[Token],
                  spans: Sequence[range]) -> dict[int, str]:
        """Apertium's translation of each token in ``spans`` that came back as exactly one word.

        ``spans`` are index ranges of ``tokens`` (sentences), in order. The result maps a token
        index to its translation, changed or not.
        """
        groups = split_spans(spans, self.workers)
        streams = ["\n".join(_marked_span(text, tokens, span) for span in piece) + "\n"
                   for piece in groups]
        if len(streams) <= 1:
            outputs = [self._run(stream) for stream in streams]
        else:
            with ThreadPoolExecutor(max_workers=len(streams)) as pool:
                outputs = list(pool.map(self._run, streams))
        translations: dict[int, str] = {}
        for output in outputs:
            translations.update(read_marked(output, len(tokens)))
        return translations

    def _run(self, stream: str) -> str:
        result = subprocess.run(
            [self._executable, "-u", "-f", "none", self.pair],
            input=stream, capture_output=True, text=True, check=False,
            env={**os.environ, "LC_ALL": "C.UTF-8"},
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"apertium {self.pair} failed with exit code {result.returncode}: "
                f"{result.stderr.strip()[:500]}"
            )
        return result.stdout


def split_spans(spans: Sequence[range], workers: int) -> list[list[range]]:
    """``spans`` in at most ``workers`` consecutive groups of about equal word counts, none
    under ``MIN_PIECE_WORDS`` (starting Apertium costs about as much as that many words)."""
    words = sum(len(span) for span in spans)
    if not words:
        return []
    count = max(1, min(workers, words // MIN_PIECE_WORDS))
    target = words / count
    pieces: list[list[range]] = [[]]
    done = 0
    for span in spans:
        if done >= target * len(pieces) and len(pieces) < count:
            pieces.append([])
        pieces[-1].append(span)
        done += len(span)
    return pieces


def _marked_span(text: str, tokens: Sequence[Token], span: range) -> str:
    parts: list[str] = []
    for i in span:
        token = tokens[i]
        if i != span.start:
            parts.append(_gap(text, tokens, i))
        parts.append(f"[[w{i}]]{token.text}[[/]]")
    last = tokens[span[-1]]
    following = tokens[span[-1] + 1].start if span[-1] + 1 < len(tokens) else len(text)
    parts.append(_STREAM_SPECIAL.sub(" ", text[last.end:following]).replace("\n", " "))
    return "".join(parts)


def _gap(text: str, tokens: Sequence[Token], i: int) -> str:
    """The input between token ``i - 1`` and token ``i``, with Apertium's markup characters
    blanked out (they only matter as separators here)."""
    return _STREAM_SPECIAL.sub(" ", text[tokens[i - 1].end:tokens[i].start])


def _has_letters(s: str) -> bool:
    return any(c.isalnum() for c in s)


def read_marked(output: str, count: int) -> dict[int, str]:
    """Token index → translation, for the marks that came back once, in order, as one word."""
    found = [(int(m.group(1)), m.group(2), m.start(), m.end()) for m in _MARKED.finditer(output)]
    seen: dict[int, int] = defaultdict(int)
    for index, *_ in found:
        seen[index] += 1
    bad = {index for index, times in seen.items() if times > 1 or index >= count}
    if found and _has_letters(output[:found[0][2]]):
        bad.add(found[0][0])
    if found and _has_letters(output[found[-1][3]:]):
        bad.add(found[-1][0])
    for (a, _, _, a_end), (b, _, b_start, _) in pairwise(found):
        # every letter of the input is inside some mark: letters between marks were inserted
        if a >= b or _has_letters(output[a_end:b_start]):
            bad.update((a, b))
    translations = {index: word for index, word, *_ in found
                    if index not in bad and _ONE_WORD.fullmatch(word)}
    if bad:
        logger.debug("apertium: %d words came back unaligned and are kept as they were", len(bad))
    return translations


def is_respelling(original: str, translated: str) -> bool:
    """Whether Apertium's ``translated`` differs from ``original`` but is a spelling of the same
    word (eg → jeg, ho → hun), not another word it picked (dæm → skinn, fleire → gjentatte)."""
    if translated.lower() == original.lower():
        return False
    ratio = difflib.SequenceMatcher(None, original.lower(), translated.lower()).ratio()
    return ratio >= MIN_SIMILARITY
