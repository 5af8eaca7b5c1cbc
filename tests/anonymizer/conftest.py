"""One loaded anonymiser per test session: the bundled pipeline takes a second to load."""

from __future__ import annotations

import pytest

from anonymizer import Anonymizer, Policy


@pytest.fixture(scope="session")
def anonymizer() -> Anonymizer:
    """The default: dialect → bokmål, everything but dates redacted, pronouns → «hun»."""
    return Anonymizer("nb")


@pytest.fixture(scope="session")
def detector() -> Anonymizer:
    """Detection only, on the text as given."""
    return Anonymizer("nb", Policy(normalize=False, pronouns=False))
