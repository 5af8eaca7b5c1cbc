"""Fixtures for the HTTP API, job queue, token and CLI tests (helpers: ``api_helpers``)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from api_helpers import (
    AppFactory,
    FakePipeline,
    PipelineLog,
    WriteAudit,
    bearer,
    make_settings,
    new_token,
    running,
)
from fastapi.testclient import TestClient

from service.config import Settings


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def settings(data_dir: Path) -> Settings:
    return make_settings(data_dir)


@pytest.fixture
def pipeline_log() -> PipelineLog:
    return PipelineLog()


@pytest.fixture
def start_app(settings: Settings, pipeline_log: PipelineLog) -> Iterator[AppFactory]:
    """``start_app(pipeline=FakePipeline, worker=True, app_settings=None)``: a started app's
    client, shut down at the end of the test."""
    with ExitStack() as stack:

        def start(
            pipeline: type[FakePipeline] = FakePipeline,
            worker: bool = True,
            app_settings: Settings | None = None,
        ) -> TestClient:
            app_running = running(app_settings or settings, pipeline_log, pipeline, worker)
            return stack.enter_context(app_running)

        yield start


@pytest.fixture
def client(start_app: AppFactory) -> TestClient:
    return start_app()


@pytest.fixture
def auth(client: TestClient) -> dict[str, str]:
    return bearer(new_token(client))


_AUDIT = WriteAudit()
sys.addaudithook(_AUDIT)  # audit hooks cannot be removed: one for the session, gated


@pytest.fixture
def write_audit() -> Iterator[WriteAudit]:
    _AUDIT.paths = []
    _AUDIT.active = True
    try:
        yield _AUDIT
    finally:
        _AUDIT.active = False
