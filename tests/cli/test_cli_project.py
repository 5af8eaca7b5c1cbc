"""`intervju project create/list/show/update` on the service's real database."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from click.testing import CliRunner, Result

from service.cli.project import project
from service.db import open_database
from service.projects import ProjectRecord, ProjectStore

SOON = date.today() + timedelta(days=20)


def invoke(*args: str) -> Result:
    return CliRunner().invoke(project, list(args), catch_exceptions=False)


def stored(data_dir: Path, project_id: str) -> ProjectRecord:
    db = open_database(f"sqlite:///{data_dir / 'intervju.db'}")
    try:
        record = ProjectStore(db).get(project_id)
    finally:
        db.dispose()
    assert record is not None
    return record


def test_create_show_list_update(cli_env: Path) -> None:
    created = invoke(
        "create",
        "Rusomsorg 2025",
        "--owner",
        "kari",
        "--end-date",
        SOON.isoformat(),
        "--keep-audio-after-verify",
        "--anonymize-dates",
    )
    assert created.exit_code == 0, created.output
    project_id = created.stdout.strip()
    assert len(project_id) == 32
    assert "«Rusomsorg 2025» er opprettet for «kari»" in created.stderr

    record = stored(cli_env, project_id)
    assert record.delete_audio_after_verify is False
    assert record.anonymize_dates is True
    assert record.end_date == SOON

    shown = invoke("show", project_id).stdout
    assert "Rusomsorg 2025" in shown and "kari" in shown
    assert SOON.isoformat() in shown and "beholdes til sluttdatoen" in shown

    invoke("create", "Skole", "--owner", "ola")
    lines = invoke("list").stdout.splitlines()
    assert lines[0].split() == ["ID", "EIER", "SLUTTDATO", "NAVN"]
    assert lines[1].split() == [project_id, "kari", SOON.isoformat(), "Rusomsorg", "2025"]
    assert lines[2].split()[1:] == ["ola", "–", "Skole"]

    updated = invoke(
        "update", project_id, "--name", "Rus", "--no-end-date", "--delete-audio-after-verify"
    )
    assert updated.exit_code == 0, updated.output
    assert "«Rus»" in updated.stdout and "endret" in updated.stdout
    record = stored(cli_env, project_id)
    assert record.name == "Rus"
    assert record.end_date is None
    assert record.delete_audio_after_verify is True
    assert record.anonymize_dates is True  # not given: unchanged


def test_list_when_empty() -> None:
    assert "Ingen prosjekter" in invoke("list").stdout


def test_errors_are_in_norwegian() -> None:
    runner = CliRunner()
    missing = runner.invoke(project, ["show", "0" * 32])
    assert missing.exit_code == 1
    assert "Fant ikke prosjektet" in missing.stderr
    unknown = runner.invoke(project, ["update", "0" * 32, "--name", "X"])
    assert unknown.exit_code == 1
    assert "Fant ikke prosjektet" in unknown.stderr

    past = runner.invoke(project, ["create", "P", "--owner", "kari", "--end-date", "2001-01-01"])
    assert past.exit_code == 1
    assert "Sluttdatoen 2001-01-01 er passert" in past.stderr
    bad_name = runner.invoke(project, ["create", " ", "--owner", "kari"])
    assert bad_name.exit_code == 1
    assert "Prosjektnavnet må ha 1–200 tegn" in bad_name.stderr
    no_owner = runner.invoke(project, ["create", "P"])
    assert no_owner.exit_code == 2
    assert "--owner" in no_owner.stderr

    project_id = runner.invoke(project, ["create", "P", "--owner", "kari"]).stdout.strip()
    nothing = runner.invoke(project, ["update", project_id])
    assert nothing.exit_code == 2
    assert "Ingenting å endre" in nothing.stderr
    both = runner.invoke(
        project, ["update", project_id, "--end-date", SOON.isoformat(), "--no-end-date"]
    )
    assert both.exit_code == 2
    assert "kan ikke brukes sammen" in both.stderr
