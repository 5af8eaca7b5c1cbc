"""ProjectStore on a real SQLite database: visibility, defaults, informant codes, end dates."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest

from service.auth import TokenInfo
from service.db import Database, Job, utcnow
from service.errors import IntervjuError
from service.projects import DEFAULT_PROJECT_NAME, NAME_MAX, ProjectStore

TODAY = date.today()


@pytest.fixture
def projects(db: Database) -> ProjectStore:
    return ProjectStore(db)


def token(user: str, admin: bool = False) -> TokenInfo:
    return TokenInfo(
        id=1,
        name=f"{user}-laptop",
        user=user,
        admin=admin,
        created_at=utcnow(),
        revoked_at=None,
        last_used_at=None,
    )


def add_job(db: Database, project_id: str | None, code: str | None) -> None:
    now = utcnow()
    with db.sessions.begin() as session:
        session.add(
            Job(
                id=uuid.uuid4().hex,
                status="queued",
                original_filename="sealed",
                upload_path="vault/object",
                size_bytes=1,
                attempts=0,
                progress=0.0,
                created_at=now,
                updated_at=now,
                project_id=project_id,
                informant_code=code,
            )
        )


def test_create_get_and_defaults(projects: ProjectStore) -> None:
    made = projects.create("  Rusomsorg 2025 ", "kari")
    assert made.name == "Rusomsorg 2025"
    assert made.owner == "kari"
    assert made.delete_audio_after_verify is True
    assert made.anonymize_dates is False
    assert made.end_date is None and made.end_warned_at is None
    assert not made.is_default
    assert len(made.id) == 32 and int(made.id, 16) >= 0
    assert projects.get(made.id) == made
    assert projects.get("0" * 32) is None

    kept = projects.create(
        "Skole", "kari", delete_audio_after_verify=False, end_date=TODAY, anonymize_dates=True
    )
    assert (kept.delete_audio_after_verify, kept.end_date, kept.anonymize_dates) == (
        False,
        TODAY,
        True,
    )


@pytest.mark.parametrize("name", ["", "   ", "x" * (NAME_MAX + 1), "Ny\nlinje", "a\u202eb"])
def test_bad_names_are_refused(projects: ProjectStore, name: str) -> None:
    with pytest.raises(IntervjuError) as refused:
        projects.create(name, "kari")
    assert refused.value.key == "project.bad_name"
    assert projects.list_all() == []


def test_bad_owner_and_past_end_date_are_refused(projects: ProjectStore) -> None:
    with pytest.raises(IntervjuError) as owner:
        projects.create("P", " ")
    assert owner.value.key == "auth.bad_user"
    with pytest.raises(IntervjuError) as past:
        projects.create("P", "kari", end_date=TODAY - timedelta(days=1))
    assert past.value.key == "project.end_date_past"
    assert past.value.params == {"end_date": (TODAY - timedelta(days=1)).isoformat()}
    assert "passert" in past.value.message("nb")
    assert projects.list_all() == []
    assert projects.create("P", "x" * 100).owner == "x" * 100


def test_a_user_sees_only_own_projects_and_an_admin_sees_all(projects: ProjectStore) -> None:
    karis = projects.create("Karis", "kari")
    olas = projects.create("Olas", "ola")
    assert projects.list(visible_to=token("kari")) == [karis]
    assert projects.list(visible_to=token("ola")) == [olas]
    assert projects.list(visible_to=token("per")) == []
    assert projects.list(visible_to=token("per", admin=True)) == [karis, olas]
    assert projects.list_all() == [karis, olas]

    assert projects.can_access(token("kari"), karis)
    assert not projects.can_access(token("kari"), olas)
    assert projects.can_access(token("admin", admin=True), olas)


def test_update_changes_only_what_is_given(projects: ProjectStore) -> None:
    made = projects.create("Før", "kari", end_date=TODAY + timedelta(days=30))
    renamed = projects.update(made.id, name=" Etter ")
    assert renamed.name == "Etter"
    assert renamed.end_date == made.end_date
    assert renamed.delete_audio_after_verify and not renamed.anonymize_dates

    flags = projects.update(made.id, delete_audio_after_verify=False, anonymize_dates=True)
    assert (flags.delete_audio_after_verify, flags.anonymize_dates) == (False, True)
    assert projects.update(made.id, end_date=None).end_date is None
    assert projects.get(made.id) == projects.update(made.id)  # nothing given, nothing changed

    with pytest.raises(IntervjuError) as bad:
        projects.update(made.id, name="")
    assert bad.value.key == "project.bad_name"
    with pytest.raises(IntervjuError) as past:
        projects.update(made.id, end_date=TODAY - timedelta(days=3))
    assert past.value.key == "project.end_date_past"
    with pytest.raises(IntervjuError) as missing:
        projects.update("f" * 32, name="X")
    assert missing.value.key == "project.not_found"
    with pytest.raises(TypeError):
        projects.update(made.id, owner="ola")
    assert projects.get(made.id) == replace(flags, end_date=None)


def test_default_project_is_made_once_per_user(projects: ProjectStore) -> None:
    first = projects.default_for("kari")
    assert first.name == DEFAULT_PROJECT_NAME == "Standardprosjekt"
    assert first.owner == "kari" and first.is_default
    assert projects.default_for(" kari ") == first  # the same, not a second one
    renamed = projects.update(first.id, name="Mine intervjuer")
    assert projects.default_for("kari") == renamed  # found again after a rename

    olas = projects.default_for("ola")
    assert olas.id != first.id and olas.owner == "ola"
    assert [p.id for p in projects.list_all()] == [first.id, olas.id]
    assert not projects.create(DEFAULT_PROJECT_NAME, "kari").is_default


def test_informant_codes_count_up_per_project(db: Database, projects: ProjectStore) -> None:
    first = projects.create("A", "kari")
    other = projects.create("B", "kari")
    assert projects.next_informant_code(first.id) == "S1"

    add_job(db, first.id, "S1")
    add_job(db, first.id, "S2")
    assert projects.next_informant_code(first.id) == "S3"

    add_job(db, first.id, "S9")  # after a deleted job or a hand-set code: the highest counts
    add_job(db, first.id, "X12")  # not an S-code: ignored
    add_job(db, first.id, None)
    add_job(db, other.id, "S40")
    add_job(db, None, "S70")
    assert projects.next_informant_code(first.id) == "S10"
    assert projects.next_informant_code(other.id) == "S41"

    with db.sessions() as session:  # inside the caller's transaction
        assert projects.next_informant_code(first.id, session=session) == "S10"


def test_end_dates_due_for_warning_and_deletion(projects: ProjectStore) -> None:
    soon = projects.create("Snart", "kari", end_date=TODAY + timedelta(days=3))
    later = projects.create("Senere", "kari", end_date=TODAY + timedelta(days=30))
    projects.create("Uten", "kari")

    assert projects.due_for_deletion(TODAY) == []
    assert projects.due_for_deletion(TODAY + timedelta(days=3)) == []  # the last day itself
    assert projects.due_for_deletion(TODAY + timedelta(days=4)) == [soon]
    assert projects.due_for_deletion(TODAY + timedelta(days=31)) == [soon, later]

    assert projects.due_for_warning(TODAY, warn_days=2) == []
    assert projects.due_for_warning(TODAY, warn_days=3) == [soon]
    assert projects.due_for_warning(TODAY + timedelta(days=3), warn_days=0) == [soon]
    assert projects.due_for_warning(TODAY + timedelta(days=4), warn_days=30) == [later]  # gone
    assert projects.due_for_warning(TODAY, warn_days=30) == [soon, later]

    projects.mark_warned(soon.id)
    warned = projects.get(soon.id)
    assert warned is not None and isinstance(warned.end_warned_at, datetime)
    assert projects.due_for_warning(TODAY, warn_days=30) == [later]

    same = projects.update(soon.id, end_date=soon.end_date)  # not a change: still warned
    assert same.end_warned_at == warned.end_warned_at
    moved = projects.update(soon.id, end_date=TODAY + timedelta(days=10))
    assert moved.end_warned_at is None  # a new end date is warned about again
    assert projects.due_for_warning(TODAY, warn_days=30) == [moved, later]

    with pytest.raises(IntervjuError) as missing:
        projects.mark_warned("e" * 32)
    assert missing.value.key == "project.not_found"
