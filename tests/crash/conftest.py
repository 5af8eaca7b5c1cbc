"""The crash and tamper tests build their settings in code: no INTERVJU_ setting of the
environment may change them (the servers they start get an environment without any)."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("INTERVJU_"):
            monkeypatch.delenv(name)
