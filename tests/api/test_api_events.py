"""The server-sent events feed ``GET /api/v1/events``: order, access, resuming, keepalives and
its end (client gone, token revoked, app stopping)."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from typing import Any

import pytest
from api_helpers import API, AppFactory, app_state, bearer, upload, wait_for, wait_status
from fastapi import FastAPI
from fastapi.testclient import TestClient

from service.config import EventSettings, Settings
from service.db import open_database
from service.jobs import JobStore, NewJob
from service.projects import ProjectStore

EVENTS = "/api/v1/events"
LIFECYCLE = ["uploaded", "queued", "decoding", "transcribing", "ready_for_review"]


@dataclass(frozen=True)
class Sse:
    id: int
    data: dict[str, Any]


@pytest.fixture
def fast(settings: Settings) -> Settings:
    events = EventSettings(poll_seconds=0.02, keepalive_seconds=0.2)
    return settings.model_copy(update={"events": events})


@pytest.fixture
def feed(start_app: AppFactory, fast: Settings) -> TestClient:
    return start_app(app_settings=fast)


def login(client: TestClient, user: str, admin: bool = False) -> dict[str, str]:
    _, plaintext = app_state(client).tokens.create(f"{user}-token", user=user, admin=admin)
    return bearer(plaintext)


def read(
    client: TestClient,
    auth: dict[str, str],
    until: Any,
    query: str = "?after=0",
    headers: dict[str, str] | None = None,
    timeout: float = 10.0,
) -> tuple[list[Sse], list[str]]:
    """Read the stream until ``until(events)`` is true: the events and the comment lines."""
    events: list[Sse] = []
    comments: list[str] = []
    deadline = time.monotonic() + timeout
    with client.stream("GET", EVENTS + query, headers={**auth, **(headers or {})}) as response:
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"].startswith("text/event-stream")
        fields: dict[str, str] = {}
        for line in response.iter_lines():
            if line.startswith(":"):
                comments.append(line)
            elif line:
                name, _, value = line.partition(": ")
                fields[name] = value
            elif fields:
                assert fields.pop("event") == "job"
                events.append(Sse(int(fields["id"]), json.loads(fields["data"])))
                fields = {}
            if until(events) or time.monotonic() > deadline:
                break
    return events, comments


def statuses(events: list[Sse], job_id: str) -> list[str]:
    seen: list[str] = []
    for event in events:
        if event.data["id"] == job_id and (not seen or seen[-1] != event.data["status"]):
            seen.append(event.data["status"])
    return seen


def has_status(job_id: str, status: str) -> Any:
    return lambda events: status in statuses(events, job_id)


def test_the_stream_shows_a_whole_job_in_order(feed: TestClient) -> None:
    auth = login(feed, "kari")
    job_id = upload(feed, auth).json()["id"]
    wait_status(feed, auth, job_id, "ready_for_review")
    assert feed.post(f"{API}/{job_id}/verify", headers=auth, json={"version": 1}).is_success
    events, _ = read(feed, auth, has_status(job_id, "audio_deleted"))
    assert statuses(events, job_id) == [*LIFECYCLE, "verified", "audio_deleted"]
    ids = [event.id for event in events]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    ready = next(e.data for e in events if e.data["status"] == "ready_for_review")
    assert ready["version"] == 1 and ready["progress"] == 1.0
    assert set(ready) == {"id", "project", "kind", "status", "step", "progress", "version", "at"}
    project = feed.get(f"{API}/{job_id}", headers=auth).json()["project"]
    assert {event.data["project"] for event in events} == {project}


def test_the_stream_follows_a_job_live(feed: TestClient) -> None:
    auth = login(feed, "kari")
    collected: list[list[Sse]] = []
    job: dict[str, str] = {}

    def follow() -> None:
        def done(events: list[Sse]) -> bool:
            return "id" in job and "ready_for_review" in statuses(events, job["id"])

        collected.append(read(feed, auth, done, query="")[0])

    reader = threading.Thread(target=follow)
    reader.start()
    time.sleep(0.3)  # the stream is open: without `after` it sends only what happens next
    job["id"] = upload(feed, auth).json()["id"]
    reader.join(15)
    assert not reader.is_alive()
    assert statuses(collected[0], job["id"]) == LIFECYCLE


def test_changes_made_by_another_process_appear(feed: TestClient) -> None:
    """The feed reads the outbox, not the app's memory: a job changed through a second
    connection to the database (as a separate worker process would) is streamed too."""
    auth = login(feed, "kari")
    state = app_state(feed)
    other = open_database(state.settings.db_url)
    try:
        project = ProjectStore(other).default_for("kari")
        store = JobStore(other, state.vault)
        job_id = "ab" * 16
        store.create(NewJob(job_id, "a.wav", f"audio-{job_id}", 10, project_id=project.id))
        assert store.queue(job_id)
        events, _ = read(feed, auth, has_status(job_id, "queued"))
    finally:
        other.dispose()
    assert statuses(events, job_id) == ["uploaded", "queued"]


def test_another_users_jobs_never_appear(feed: TestClient) -> None:
    kari, ola, admin = login(feed, "kari"), login(feed, "ola"), login(feed, "root", admin=True)
    karis = upload(feed, kari).json()["id"]
    olas = upload(feed, ola).json()["id"]
    for auth, job_id in ((kari, karis), (ola, olas)):
        wait_status(feed, auth, job_id, "ready_for_review")
    events, _ = read(feed, kari, has_status(karis, "ready_for_review"))
    time_to_leak, _ = read(feed, kari, lambda events: False, timeout=0.5)
    assert {event.data["id"] for event in events + time_to_leak} == {karis}
    everything, _ = read(
        feed,
        admin,
        lambda ev: (
            has_status(karis, "ready_for_review")(ev) and has_status(olas, "ready_for_review")(ev)
        ),
    )
    assert {event.data["id"] for event in everything} == {karis, olas}


def test_the_stream_resumes_after_the_last_event_id(feed: TestClient) -> None:
    auth = login(feed, "kari")
    job_id = upload(feed, auth).json()["id"]
    wait_status(feed, auth, job_id, "ready_for_review")
    first, _ = read(feed, auth, has_status(job_id, "ready_for_review"))
    resumed, _ = read(
        feed,
        auth,
        has_status(job_id, "ready_for_review"),
        headers={"Last-Event-ID": str(first[1].id)},
    )
    assert [event.id for event in resumed] == [event.id for event in first[2:]]
    by_query, _ = read(feed, auth, has_status(job_id, "ready_for_review"), f"?after={first[2].id}")
    assert [event.id for event in by_query] == [event.id for event in first[3:]]


def test_quiet_streams_get_keepalives(feed: TestClient) -> None:
    auth = login(feed, "kari")
    events, comments = read(feed, auth, lambda events: False, query="", timeout=0.7)
    assert events == []
    assert comments and set(comments) == {": keepalive"}


def test_the_stream_ends_when_the_token_is_revoked(feed: TestClient) -> None:
    auth = login(feed, "kari")
    revoker = threading.Timer(0.3, app_state(feed).tokens.revoke, args=("kari-token",))
    revoker.start()
    started = time.monotonic()
    events, _ = read(feed, auth, lambda events: False, query="", timeout=10)
    assert events == [] and time.monotonic() - started < 5


def test_the_stream_ends_when_the_app_stops(feed: TestClient) -> None:
    auth = login(feed, "kari")
    stopper = threading.Timer(0.3, app_state(feed).stopping.set)
    stopper.start()
    started = time.monotonic()
    read(feed, auth, lambda events: False, query="", timeout=10)
    assert time.monotonic() - started < 5


@pytest.mark.parametrize(
    ("query", "headers"),
    [
        ("?after=-1", {}),
        ("", {"Last-Event-ID": "abc"}),
        (f"?after={2**63}", {}),  # beyond any id the database can hold
        ("", {"Last-Event-ID": "9" * 30}),
    ],
)
def test_bad_resume_points_are_refused(
    feed: TestClient, query: str, headers: dict[str, str]
) -> None:
    auth = login(feed, "kari")
    response = feed.get(EVENTS + query, headers={**auth, **headers})
    assert response.status_code == 422


def test_the_stream_needs_a_token(feed: TestClient) -> None:
    assert feed.get(EVENTS).status_code == 401


def test_open_streams_per_user_are_limited(start_app: AppFactory, fast: Settings) -> None:
    """Every open stream polls the database: one user (a script reconnecting without closing,
    a hundred tabs) must not tie up the service for everyone."""
    events = fast.events.model_copy(update={"max_streams_per_user": 2})
    client = start_app(app_settings=fast.model_copy(update={"events": events}))
    kari, ola = login(client, "kari"), login(client, "ola")
    with (
        client.stream("GET", EVENTS, headers=kari) as first,
        client.stream("GET", EVENTS, headers=kari) as second,
    ):
        assert (first.status_code, second.status_code) == (200, 200)
        with client.stream("GET", EVENTS, headers=kari) as refused:
            assert refused.status_code == 429
            assert json.loads(refused.read())["code"] == "events.too_many_streams"
            assert refused.headers["retry-after"]
        read(client, ola, lambda events: True, query="", timeout=0.1)  # others still can
    assert isinstance(client.app, FastAPI)
    streams = client.app.state.event_streams
    wait_for(lambda: streams.count("kari") == 0)  # closed streams give their places back
    read(client, kari, lambda events: True, query="", timeout=0.1)
