"""`intervju token create/list/revoke` and `intervju serve`'s first-start token."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from api_helpers import API, bearer
from click.testing import CliRunner, Result
from fastapi.testclient import TestClient

from service.api import create_app
from service.auth import TOKEN_PREFIX, TokenStore
from service.cli.serve import ensure_first_token, serve
from service.cli.token import token
from service.config import Settings
from service.db import open_database


@pytest.fixture
def runner(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("INTERVJU_STORAGE__DATA_DIR", str(data_dir))
    return CliRunner()


def invoke(runner: CliRunner, *args: str) -> Result:
    return runner.invoke(token, list(args), catch_exceptions=False)


def test_token_create_list_revoke(runner: CliRunner, data_dir: Path) -> None:
    created = invoke(runner, "create", "--name", "laptop")
    assert created.exit_code == 0, created.output
    plaintext = created.stdout.strip()
    assert plaintext.startswith(TOKEN_PREFIX)
    assert "vises bare" in created.stderr and "laptop" in created.stderr
    assert plaintext not in created.stderr

    unnamed = invoke(runner, "create")
    assert unnamed.exit_code == 0

    listed = invoke(runner, "list")
    assert listed.exit_code == 0
    assert "laptop" in listed.stdout and "token-" in listed.stdout
    assert listed.stdout.count("aktiv") == 2
    assert plaintext not in listed.stdout

    revoked = invoke(runner, "revoke", "laptop")
    assert revoked.exit_code == 0
    assert "tilbakekalt" in revoked.stdout
    assert "tilbakekalt" in invoke(runner, "list").stdout

    db = open_database(f"sqlite:///{data_dir / 'intervju.db'}")
    assert TokenStore(db).verify(plaintext) is None
    db.dispose()


def test_token_create_for_a_user_and_an_admin(runner: CliRunner, data_dir: Path) -> None:
    ipad = invoke(runner, "create", "--name", "ipad", "--user", "kari")
    assert ipad.exit_code == 0, ipad.output
    assert "bruker «kari»" in ipad.stderr
    root = invoke(runner, "create", "--name", "root", "--user", "sjef", "--admin")
    assert root.exit_code == 0, root.output
    assert "administrator" in root.stderr
    plain = invoke(runner, "create", "--name", "laptop")
    assert "bruker «laptop»" in plain.stderr

    lines = invoke(runner, "list").stdout.splitlines()
    assert "BRUKER" in lines[0] and "ADMIN" in lines[0]
    assert lines[1].split()[1:4] == ["ipad", "kari", "nei"]
    assert lines[2].split()[1:4] == ["root", "sjef", "ja"]
    assert lines[3].split()[1:4] == ["laptop", "laptop", "nei"]

    db = open_database(f"sqlite:///{data_dir / 'intervju.db'}")
    info = TokenStore(db).verify(root.stdout.strip())
    assert info is not None and (info.user, info.admin) == ("sjef", True)
    db.dispose()

    bad = runner.invoke(token, ["create", "--user", " "])
    assert bad.exit_code == 1
    assert "Brukernavnet må ha 1–100 tegn" in bad.stderr


def test_token_revoke_by_id_and_unknown(runner: CliRunner) -> None:
    invoke(runner, "create", "--name", "a")
    assert invoke(runner, "revoke", "1").exit_code == 0
    again = runner.invoke(token, ["revoke", "1"])
    assert again.exit_code == 1
    assert "Fant ingen aktiv tilgangsnøkkel" in again.stderr


def test_token_name_must_be_free(runner: CliRunner) -> None:
    invoke(runner, "create", "--name", "a")
    taken = runner.invoke(token, ["create", "--name", "a"])
    assert taken.exit_code == 1
    assert "finnes allerede" in taken.stderr


def test_token_list_when_empty(runner: CliRunner) -> None:
    assert "Ingen tilgangsnøkler" in invoke(runner, "list").stdout


def test_first_start_creates_one_working_token(settings: Settings) -> None:
    plaintext = ensure_first_token(settings)
    assert plaintext is not None and plaintext.startswith(TOKEN_PREFIX)
    assert ensure_first_token(settings) is None  # only on the first start
    with TestClient(create_app(settings, start_worker=False)) as client:
        assert client.get(API, headers=bearer(plaintext)).status_code == 200


def test_serve_prints_the_first_token_once(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr("uvicorn.run", lambda app, **kwargs: calls.append(kwargs))

    first = runner.invoke(serve, ["--port", "8123"], catch_exceptions=False)
    assert first.exit_code == 0, first.output
    assert "Tilgangsnøkkel (vises bare én gang) / Access token (shown once): ivj_" in first.stderr
    assert first.stdout == ""
    assert calls == [{"host": "127.0.0.1", "port": 8123, "timeout_graceful_shutdown": 5}]

    second = runner.invoke(serve, [], catch_exceptions=False)
    assert TOKEN_PREFIX not in second.output
    assert calls[-1] == {"host": "127.0.0.1", "port": 8000, "timeout_graceful_shutdown": 5}


def test_serve_refuses_a_public_host(runner: CliRunner) -> None:
    result = runner.invoke(serve, ["--host", "0.0.0.0"])
    assert result.exit_code == 2
    assert "Ugyldig --host/--port" in result.stderr
