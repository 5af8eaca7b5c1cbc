"""Shared fixtures: settings on a temporary data dir, the bundled model prepared once."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from service.offline import enforce_offline

enforce_offline()

from bench.synth import INTERVIEW, Turn, conversation  # noqa: E402
from service.asr.models import prepare_bundled  # noqa: E402
from service.config import Settings  # noqa: E402
from service.db import Database, open_database  # noqa: E402
from tests import pg_cluster  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "samples"
SHARED_AUDIO = REPO.parent / "shared" / "data" / "audio"


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test sees only the INTERVJU_ settings it sets itself."""
    for name in list(os.environ):
        if name.startswith("INTERVJU_"):
            monkeypatch.delenv(name)


@pytest.fixture(scope="session")
def models_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A models directory with the bundled base model joined and verified (once per run)."""
    path = tmp_path_factory.mktemp("models")
    prepare_bundled(path)
    return path


@pytest.fixture
def settings(tmp_path: Path, models_dir: Path) -> Settings:
    return Settings(storage={"data_dir": tmp_path / "data", "models_dir": models_dir})


@pytest.fixture(scope="session")
def postgres() -> Iterator[pg_cluster.Cluster]:
    """A throwaway PostgreSQL cluster, started once per run (skips where none is installed)."""
    reason = pg_cluster.available()
    if reason is not None:
        pytest.skip(reason)
    cluster = pg_cluster.Cluster()
    cluster.start()
    yield cluster
    cluster.stop()


@pytest.fixture
def postgres_url(postgres: pg_cluster.Cluster) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test."""
    url = postgres.create_database()
    yield url
    postgres.drop_database(url)


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database on each backend: SQLite in the test's folder, then PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'intervju.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    """An empty database at the newest schema, on each backend (a file may define its own)."""
    database = open_database(db_url)
    database.upgrade()
    yield database
    database.dispose()


@pytest.fixture(scope="session")
def interview() -> tuple[npt.NDArray[np.float32], list[Turn]]:
    """A synthesised two-voice Norwegian interview with exact turn times."""
    return conversation(INTERVIEW)


def cc0_clip(name: str) -> Path:
    """A CC0 Stortinget clip: from shared data when present, else the copy in samples/."""
    for folder in (SHARED_AUDIO, SAMPLES):
        if (folder / name).is_file():
            return folder / name
    raise FileNotFoundError(name)


def references() -> dict[str, str]:
    rows = (SAMPLES / "references.tsv").read_text(encoding="utf-8").splitlines()[1:]
    return {r.split("\t")[0]: r.split("\t")[3] for r in rows if r.strip()}
