"""Informant codes are unique within a project: concurrent uploads to one project get
distinct codes S1..SN (threads on SQLite and PostgreSQL, processes on PostgreSQL), and a code
the researcher gives that the project already has is answered 409 with nothing stored."""

from __future__ import annotations

import multiprocessing
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from api_helpers import API, app_state, assert_nothing_stored, make_settings, upload
from fastapi.testclient import TestClient

from service.config import APISettings, Settings, StorageSettings
from service.datadir import open_vault
from service.db import Database, open_database
from service.jobs import JobStore, NewJob
from service.jobs.models import InformantCodeTaken
from service.projects import ProjectStore

N = 8
PROJECTS = "/api/v1/projects"


@pytest.fixture
def settings(data_dir: Path) -> Settings:
    """Room for N uploads at once."""
    base = make_settings(data_dir)
    return base.model_copy(update={"api": APISettings(max_concurrent_uploads=N)})


def new_job(job_id: str, project_id: str, code: str | None = None) -> NewJob:
    return NewJob(
        id=job_id,
        filename="x.wav",
        audio_object=f"audio-{job_id}",
        size_bytes=1,
        project_id=project_id,
        informant_code=code,
    )


def codes(store: JobStore, project_id: str) -> list[str | None]:
    jobs = store.list_recent(project_ids={project_id})
    return sorted((job.informant_code for job in jobs), key=lambda c: int((c or "S0")[1:]))


def test_threads_creating_jobs_in_one_project_get_distinct_codes(
    db: Database, tmp_path: Path
) -> None:
    vault = open_vault(Settings(storage=StorageSettings(data_dir=tmp_path / "data")))
    store = JobStore(db, vault)
    project = ProjectStore(db).create("Studie", "kari")
    barrier = threading.Barrier(N)

    def create(number: int) -> str | None:
        barrier.wait()
        return store.create(new_job(f"job{number}", project.id)).informant_code

    with ThreadPoolExecutor(N) as pool:
        given = list(pool.map(create, range(N)))
    assert sorted(given, key=lambda c: int((c or "S0")[1:])) == [f"S{n}" for n in range(1, N + 1)]
    assert codes(store, project.id) == [f"S{n}" for n in range(1, N + 1)]


def test_an_explicit_code_the_project_has_is_refused(db: Database, tmp_path: Path) -> None:
    vault = open_vault(Settings(storage=StorageSettings(data_dir=tmp_path / "data")))
    store = JobStore(db, vault)
    projects = ProjectStore(db)
    project, other = projects.create("A", "kari"), projects.create("B", "kari")
    store.create(new_job("j1", project.id, "I03"))
    with pytest.raises(InformantCodeTaken) as taken:
        store.create(new_job("j2", project.id, "I03"))
    assert taken.value.key == "upload.informant_code_taken"
    assert store.get("j2") is None
    store.create(new_job("j3", other.id, "I03"))  # another project's code
    store.create(NewJob(id="j4", filename="y.wav", audio_object="audio-j4", size_bytes=1))
    store.create(NewJob(id="j5", filename="z.wav", audio_object="audio-j5", size_bytes=1))
    assert store.create(new_job("j6", project.id)).informant_code == "S1"


def _create_in_process(
    url: str, data_dir: str, project_id: str, number: int, start: object
) -> None:
    database = open_database(url)
    store = JobStore(database, open_vault(Settings(storage=StorageSettings(data_dir=data_dir))))
    start.wait()  # type: ignore[attr-defined]
    store.create(new_job(f"job{number}", project_id))
    database.dispose()


def test_processes_creating_jobs_in_one_project_get_distinct_codes(
    postgres_url: str, tmp_path: Path
) -> None:
    db = open_database(postgres_url)
    db.upgrade()
    data_dir = tmp_path / "data"
    vault = open_vault(Settings(storage=StorageSettings(data_dir=data_dir)))
    project = ProjectStore(db).create("Studie", "kari")
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(N)
    processes = [
        context.Process(
            target=_create_in_process, args=(postgres_url, str(data_dir), project.id, n, start)
        )
        for n in range(N)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(120)
        assert process.exitcode == 0
    assert codes(JobStore(db, vault), project.id) == [f"S{n}" for n in range(1, N + 1)]
    db.dispose()


def test_concurrent_uploads_to_one_project_get_distinct_codes(
    client: TestClient, auth: dict[str, str]
) -> None:
    project = client.post(PROJECTS, headers=auth, json={"name": "Studie"}).json()["id"]
    barrier = threading.Barrier(N)

    def send(_: int) -> str:
        barrier.wait()
        response = upload(client, auth, project=project)
        assert response.status_code == 202, response.text
        code: str = response.json()["informant_code"]
        return code

    with ThreadPoolExecutor(N) as pool:
        given = list(pool.map(send, range(N)))
    assert sorted(given, key=lambda c: int(c[1:])) == [f"S{n}" for n in range(1, N + 1)]


def test_an_explicit_duplicate_upload_is_409_and_nothing_is_stored(
    client: TestClient, auth: dict[str, str]
) -> None:
    project = client.post(PROJECTS, headers=auth, json={"name": "Studie"}).json()["id"]
    state = app_state(client)
    state.jobs.create(new_job("earlier", project, "I03"))  # no recording of its own

    answer = upload(client, auth, project=project, informant_code="I03")
    assert answer.status_code == 409, answer.text
    assert answer.json()["code"] == "upload.informant_code_taken"
    assert "I03" in answer.json()["message"]
    english = upload(
        client, {**auth, "Accept-Language": "en"}, project=project, informant_code="I03"
    )
    assert english.status_code == 409 and "already" in english.json()["message"]
    assert_nothing_stored(client)
    assert [job.id for job in state.jobs.list_recent()] == ["earlier"]
    later = upload(client, auth, project=project)
    assert later.status_code == 202 and later.json()["informant_code"] == "S1"
    assert client.get(f"{API}/{later.json()['id']}", headers=auth).status_code == 200


def test_numbering_after_the_longest_codes_goes_on_or_says_why(
    client: TestClient, auth: dict[str, str]
) -> None:
    """A researcher typing S + 14 nines must not break the project's numbering (it once
    retried 50 times and answered 500 for every later upload)."""
    project = client.post(PROJECTS, headers=auth, json={"name": "Studie"}).json()["id"]
    assert upload(client, auth, project=project, informant_code="S" + "9" * 14).status_code == 202
    first, second = (upload(client, auth, project=project) for _ in range(2))
    assert first.json()["informant_code"] == "S1" + "0" * 14
    assert second.json()["informant_code"] == "S1" + "0" * 13 + "1"
    assert upload(client, auth, project=project, informant_code="S" + "9" * 15).status_code == 202
    full = upload(client, auth, project=project)
    assert full.status_code == 409, full.text
    assert full.json()["code"] == "upload.informant_codes_exhausted"
    assert upload(client, auth, project=project, informant_code="I04").status_code == 202
    assert len(app_state(client).jobs.list_recent()) == 4 + 1
