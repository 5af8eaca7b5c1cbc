"""Fixtures for the export tests."""

from __future__ import annotations

import pytest

from service.transcript import Transcript
from tests.exporters.interview import anonymised_interview


@pytest.fixture
def interview() -> Transcript:
    return anonymised_interview()
