"""No Docker engine runs here, so the Dockerfile is kept honest by hadolint and by checks that
it copies what exists and runs the real entry point."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
DOCKERFILE = REPO / "Dockerfile"


def test_hadolint_passes() -> None:
    beside = Path(sys.executable).parent / "hadolint"
    hadolint = str(beside) if beside.is_file() else shutil.which("hadolint")
    if hadolint is None:
        pytest.fail("hadolint is missing: `make test` installs it with the dev extras")
    result = subprocess.run(
        [hadolint, "--failure-threshold", "info", str(DOCKERFILE)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_copies_only_what_exists_and_starts_the_service() -> None:
    text = DOCKERFILE.read_text()
    for source in re.findall(r"^COPY (.+) \S+$", text, re.MULTILINE):
        for name in source.split():
            assert (REPO / name).exists(), f"COPY of missing {name}"
    assert 'CMD ["intervju", "serve"]' in text
    assert "HF_HUB_OFFLINE=1" in text and "PYANNOTE_METRICS_ENABLED=0" in text


def test_copies_every_package_the_project_installs() -> None:
    """The image installs the project from what was copied: a package left out (the anonymiser
    once was) installs without error and fails at the first job."""
    config = tomllib.loads((REPO / "pyproject.toml").read_text())
    packages = [p.rstrip("*") for p in config["tool"]["setuptools"]["packages"]["find"]["include"]]
    copied = re.findall(r"^COPY (\S+) \./(\S+)$", DOCKERFILE.read_text(), re.MULTILINE)
    assert packages and set(packages) <= {src for src, _ in copied}
