"""Replacement tags: «[navn 1]», «[kommune 2]», «[telefonnummer]», numbered per transcript.

The same person or place gets the same tag everywhere: «Kari Hansen», «Kari», «Hansen» and
«Karis» are one person when the text names only one Kari Hansen; «Sandnes», «Sandnes kommune»
and «Sandnes'» are one municipality. A genitive «s» stays after the tag («[navn 1]s»).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from anonymizer import labels
from anonymizer.lexicon import genitive_base

KOMMUNE_SUFFIXES = (" kommune", " kommunes", " kommunen", " kommunens")


@dataclass(frozen=True)
class Tagged:
    tag: str  # «[navn 1]»
    genitive: bool  # the surface ended in a genitive «s» that stays after the tag

    @property
    def text(self) -> str:
        return self.tag + ("s" if self.genitive else "")


def _strip_kommune(surface: str) -> tuple[str, bool]:
    for suffix in KOMMUNE_SUFFIXES:
        if surface.endswith(suffix):
            return surface[: -len(suffix)], suffix.endswith("s")
    return surface, False


@dataclass
class Tagger:
    """Hands out tags for one transcript; ``is_known(label, base)`` says whether a base form
    (the surface without a final «s») is a name or place in its own right."""

    is_known: Callable[[str, str], bool]
    _keys: dict[str, list[tuple[tuple[str, ...], str]]] = field(default_factory=dict)
    originals: dict[str, list[str]] = field(default_factory=dict)

    def tag(self, label: str, surface: str) -> Tagged:
        surface = " ".join(surface.split())
        if label not in labels.NUMBERED:
            return Tagged(f"[{labels.TAGS[label]}]", genitive=False)
        base, genitive = _strip_kommune(surface) if label == labels.MUNICIPALITY else (
            surface, False)
        stem = genitive_base(base)
        known = stem != base and (self._seen(label, stem) or self.is_known(label, stem.split()[-1]))
        if not genitive and known:
            base, genitive = stem, True
        tag = self._tag_for(label, tuple(base.split()))
        self.originals.setdefault(tag, [])
        if surface not in self.originals[tag]:
            self.originals[tag].append(surface)
        return Tagged(tag, genitive)

    def _seen(self, label: str, base: str) -> bool:
        words = tuple(base.split())
        return any(words == key for key, _ in self._keys.get(label, []))

    def _tag_for(self, label: str, words: tuple[str, ...]) -> str:
        known = self._keys.setdefault(label, [])
        for key, tag in known:
            if key == words:
                return tag
        if label == labels.PERSON:
            # «Kari» after «Kari Hansen»: the same person when only one known name fits
            fits = {tag for key, tag in known if set(words) <= set(key) or set(key) <= set(words)}
            if len(fits) == 1:
                tag = fits.pop()
                known.append((words, tag))
                return tag
        tag = f"[{labels.TAGS[label]} {len({t for _, t in known}) + 1}]"
        known.append((words, tag))
        return tag
