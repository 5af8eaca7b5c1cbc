"""`intervju db current/upgrade` on SQLite and PostgreSQL; a password in the URL is masked."""

from __future__ import annotations

import pytest
from click.testing import CliRunner, Result

from service import migrations
from service.cli.db import db_group


def invoke(*args: str) -> Result:
    return CliRunner().invoke(db_group, list(args), catch_exceptions=False)


@pytest.mark.usefixtures("cli_env")
def test_current_then_upgrade(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # Trust authentication ignores the password; it must never be shown.
    url = db_url.replace("postgres@", "postgres:hemmelig@")
    monkeypatch.setenv("INTERVJU_DATABASE_URL", url)
    head = migrations.head()

    before = invoke("current")
    assert before.exit_code == 0
    assert f": - (head {head}, needs `intervju db upgrade`)" in before.output

    upgraded = invoke("upgrade")
    assert upgraded.exit_code == 0 and upgraded.output.endswith(f": - -> {head}\n")

    after = invoke("current")
    assert f": {head} (head {head}, up to date)" in after.output
    again = invoke("upgrade")
    assert again.output.endswith(f": {head} -> {head}\n")
    for result in (before, upgraded, after, again):
        assert "hemmelig" not in result.output
