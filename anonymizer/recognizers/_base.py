"""The contract every Norwegian pattern recognizer shares.

A subclass names its entity (``ENTITY``), its ``PATTERNS`` and Norwegian ``CONTEXT`` words, and
may check a match in ``validate_result`` (True: certain, False: dropped) or drop it in
``invalidate_result``. Matching is case-sensitive whatever flags the caller passes: Presidio's
default ``re.IGNORECASE`` would make «Mai», «Storgata» and «mars» match everywhere. Patterns that
should ignore case (spoken number words) say so themselves with ``(?i:…)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import regex as re
from presidio_analyzer import Pattern, PatternRecognizer, RecognizerResult

LANGUAGE = "nb"
FLAGS = re.DOTALL | re.MULTILINE


class NorwegianPatternRecognizer(PatternRecognizer):
    """A case-sensitive Presidio ``PatternRecognizer`` for Norwegian bokmål (``nb``)."""

    COUNTRY_CODE: ClassVar[str | None] = "no"
    ENTITY: ClassVar[str]
    PATTERNS: ClassVar[Sequence[Pattern]]
    CONTEXT: ClassVar[Sequence[str]]

    def __init__(
        self,
        patterns: Sequence[Pattern] | None = None,
        context: Sequence[str] | None = None,
        supported_language: str = LANGUAGE,
        name: str | None = None,
    ) -> None:
        super().__init__(
            supported_entity=self.ENTITY,
            name=name or type(self).__name__,
            supported_language=supported_language,
            patterns=list(self.default_patterns() if patterns is None else patterns),
            context=list(self.CONTEXT if context is None else context),
            global_regex_flags=FLAGS,
        )

    @classmethod
    def default_patterns(cls) -> Sequence[Pattern]:
        """The patterns used when none are given: ``PATTERNS`` (built here if they need data)."""
        return cls.PATTERNS

    def analyze(
        self,
        text: str,
        entities: list[str],
        nlp_artifacts: Any = None,
        regex_flags: int | None = None,
    ) -> list[RecognizerResult]:
        """Presidio's pattern matching, never case-insensitive (see the module docstring)."""
        flags = (regex_flags or self.global_regex_flags or FLAGS) & ~re.IGNORECASE
        results: list[RecognizerResult] = super().analyze(text, entities, nlp_artifacts, flags)
        return results
