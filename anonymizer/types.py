"""The anonymiser's records: what was found, the policy, and the result."""

from __future__ import annotations

from dataclasses import dataclass, field

from anonymizer import labels
from anonymizer.edits import Edit


@dataclass(frozen=True)
class Span:
    """A detected entity: ``text[start:end]`` of the input text is a ``label``."""

    start: int
    end: int
    label: str
    score: float
    recognizer: str

    def __post_init__(self) -> None:
        if not 0 <= self.start < self.end:
            raise ValueError(f"bad span range {self.start}..{self.end}")


@dataclass(frozen=True)
class Policy:
    """What the anonymiser changes.

    ``entities``: labels that are redacted (``labels.DEFAULT``: everything but dates and ages).
    ``dates``: also redact dates and ages (a project's consent settings decide).
    ``pronouns``: rewrite gendered third-person pronouns to «hun/henne/hennes».
    ``normalize``: translate nynorsk and dialect to bokmål before detection.
    ``min_score``: spans scoring below this are not redacted.
    """

    entities: frozenset[str] = labels.DEFAULT
    dates: bool = False
    pronouns: bool = True
    normalize: bool = True
    min_score: float = 0.4

    def redacts(self, label: str) -> bool:
        if label in (labels.DATE, labels.AGE):
            return self.dates
        return label in self.entities


@dataclass(frozen=True)
class Replacement:
    """One redaction: input ``start:end`` became ``tag`` (e.g. «[navn 1]»)."""

    start: int
    end: int
    label: str
    tag: str


@dataclass(frozen=True)
class AnonymizationResult:
    """The anonymised text and how it came from the input.

    ``edits`` (input offsets) turn the input into ``text``; ``normalized`` is the input with only
    the dialect edits applied (the bokmål a reviewer compares against); ``originals`` maps each
    numbered tag to the input strings it replaced, for the researcher's review only.
    """

    text: str
    spans: list[Span]
    replacements: list[Replacement]
    edits: list[Edit]
    normalized: str
    originals: dict[str, list[str]] = field(default_factory=dict)
