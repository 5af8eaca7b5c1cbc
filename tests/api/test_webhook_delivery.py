"""Webhook deliveries to a real receiver on the loopback: signed, in order, retried, disabled
after too many failures, resumed after a restart, never to a public address, no personal
data."""

from __future__ import annotations

import json
import logging
import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest
from api_helpers import (
    API,
    AppFactory,
    DiarizingPipeline,
    PipelineLog,
    app_state,
    bearer,
    running,
    upload,
    wait_for,
    wait_status,
)
from fastapi.testclient import TestClient
from webhook_receiver import Receiver, receiving

from service.config import Settings, WebhookSettings
from service.webhooks import Dispatcher, WebhookStore, targets, verify
from service.webhooks import dispatcher as dispatcher_module

HOOKS = "/api/v1/webhooks"
WHOLE_JOB = [
    "uploaded",
    "queued",
    "decoding",
    "transcribing",
    "ready_for_review",
    "verified",
    "audio_deleted",
]


@pytest.fixture
def fast(settings: Settings) -> Settings:
    hooks = WebhookSettings(
        interval_seconds=0.05, backoff_seconds=0.05, timeout_seconds=2, max_attempts=3
    )
    return settings.model_copy(update={"webhooks": hooks})


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with receiving() as running:
        yield running


def login(client: TestClient, user: str = "kari", admin: bool = False) -> dict[str, str]:
    return bearer(app_state(client).tokens.create(f"{user}-token", user=user, admin=admin)[1])


def register(client: TestClient, auth: dict[str, str], url: str, **body: Any) -> dict[str, Any]:
    response = client.post(HOOKS, headers=auth, json={"url": url, **body})
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def whole_job(client: TestClient, auth: dict[str, str], **fields: str) -> str:
    job_id: str = upload(client, auth, **fields).json()["id"]
    wait_status(client, auth, job_id, "ready_for_review")
    assert client.post(f"{API}/{job_id}/verify", headers=auth, json={"version": 1}).is_success
    return job_id


def test_events_arrive_signed_and_in_order(
    start_app: AppFactory, fast: Settings, receiver: Receiver
) -> None:
    client = start_app(app_settings=fast)
    auth = login(client)
    hook = register(client, auth, receiver.url)
    job_id = whole_job(client, auth)
    wait_for(lambda: receiver.statuses(job_id) == WHOLE_JOB)
    deliveries = receiver.got()
    ids = [d.json["event_id"] for d in deliveries]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    for delivery in deliveries:
        headers = delivery.headers
        assert delivery.path == "/hook" and headers["Content-Type"] == "application/json"
        assert verify(
            hook["secret"],
            headers["X-Intervju-Timestamp"],
            delivery.body,
            headers["X-Intervju-Signature"],
        )
        assert not verify(
            "whsec_wrong",
            headers["X-Intervju-Timestamp"],
            delivery.body,
            headers["X-Intervju-Signature"],
        )
        assert headers["X-Intervju-Event"] == delivery.json["type"] == "job.status"
        assert headers["X-Intervju-Delivery"] == f"{hook['id']}-{delivery.json['event_id']}"
        assert set(delivery.json["job"]) >= {"id", "project", "status", "step", "progress"}
    listed = client.get(HOOKS, headers=auth).json()["webhooks"]
    assert listed[0]["last_event_id"] == ids[-1] and listed[0]["failures"] == 0


def test_a_failed_delivery_is_retried_in_order(start_app: AppFactory, fast: Settings) -> None:
    with receiving(answers=[500, 503]) as receiver:
        client = start_app(app_settings=fast)
        auth = login(client)
        register(client, auth, receiver.url)
        job_id = whole_job(client, auth)
        wait_for(lambda: receiver.statuses(job_id) == WHOLE_JOB)
        got = receiver.got()
    assert [d.answered for d in got[:3]] == [500, 503, 204]
    assert len({d.json["event_id"] for d in got[:3]}) == 1  # the same event, three times
    assert len(got) == len(WHOLE_JOB) + 2


def test_a_hook_that_keeps_failing_is_disabled(
    start_app: AppFactory, fast: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    with receiving(answers=[500] * 10) as receiver:
        client = start_app(app_settings=fast)
        auth = login(client)
        hook = register(client, auth, receiver.url + "?token=hemmelig")
        with caplog.at_level(logging.INFO, logger="service.webhooks"):
            upload(client, auth)

            def disabled() -> dict[str, Any] | None:
                hooks = client.get(HOOKS, headers=auth).json()["webhooks"]
                return hooks[0] if hooks[0]["disabled_at"] else None

            listed = wait_for(disabled)
        count = len(receiver.got())
    assert count == 3 and listed["failures"] == 3 and listed["last_error"] == "HTTP 500"
    assert listed["url"] == receiver.url  # the query string is not shown
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any(hook["id"] in message and "disabled" in message for message in warnings)
    assert "hemmelig" not in caplog.text


def test_delivery_resumes_after_a_restart_without_repeats(
    fast: Settings, receiver: Receiver
) -> None:
    """The cursor is in the database: after a restart only what was not delivered is sent."""
    with running(fast, PipelineLog()) as first:
        auth = login(first)
        register(first, auth, receiver.url)
        done = whole_job(first, auth)
        wait_for(lambda: receiver.statuses(done) == WHOLE_JOB)
    with running(fast, PipelineLog()) as second:
        new = whole_job(second, auth)
        wait_for(lambda: receiver.statuses(new) == WHOLE_JOB)
    ids = [d.json["event_id"] for d in receiver.got()]
    assert len(ids) == len(set(ids)) == 2 * len(WHOLE_JOB)


def test_a_hook_sees_only_its_users_jobs(
    start_app: AppFactory, fast: Settings, receiver: Receiver
) -> None:
    client = start_app(app_settings=fast)
    kari, ola = login(client, "kari"), login(client, "ola")
    register(client, kari, receiver.url, events=["ready_for_review"])
    olas = upload(client, ola).json()["id"]
    karis = upload(client, kari).json()["id"]
    for auth, job_id in ((ola, olas), (kari, karis)):
        wait_status(client, auth, job_id, "ready_for_review")
    wait_for(lambda: receiver.statuses(karis) == ["ready_for_review"])
    time.sleep(0.3)  # a few more rounds of the dispatcher
    assert {d.json["job"]["id"] for d in receiver.got()} == {karis}


def test_bodies_hold_no_personal_data(
    start_app: AppFactory, fast: Settings, receiver: Receiver
) -> None:
    client = start_app(pipeline=DiarizingPipeline, app_settings=fast)
    auth = login(client)
    register(client, auth, receiver.url)
    fields = {
        "speaker_names": json.dumps({"Informant": "Gudrun Kvalheim", "Intervjuer": "Ola Vik"}),
        "informant_code": "Q9X",
    }
    job_id = whole_job(client, auth, filename="Gudrun Kvalheim på Voss.wav", **fields)
    wait_for(lambda: receiver.statuses(job_id)[-1:] == ["audio_deleted"])
    assert "diarizing" in receiver.statuses(job_id)
    everything = b"".join(d.body + json.dumps(d.headers).encode() for d in receiver.got())
    for word in ("Gudrun", "Kvalheim", "Voss", "Ola Vik", "Q9X", "Informant", ".wav"):
        assert word.encode() not in everything


def test_a_public_address_is_never_connected_to(
    start_app: AppFactory, fast: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A hook stored with a public URL (or whose name now points to one) fails its delivery
    before any connection."""
    client = start_app(app_settings=fast, worker=False)
    state = app_state(client)
    hooks = WebhookStore(state.db, state.vault)
    hook, _ = hooks.create(
        user="kari",
        admin=True,
        url="http://hooks.example/x",
        statuses=None,
        project_id=None,
        cursor=0,
    )
    connections: list[Any] = []
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: connections.append(a))
    monkeypatch.setattr(
        socket, "getaddrinfo", lambda *a, **k: [(socket.AF_INET, 1, 6, "", ("93.184.215.14", 80))]
    )
    upload(client, login(client))
    dispatcher = Dispatcher(state.db, state.vault, fast.webhooks, fast.events)
    assert dispatcher.run_once() == 0
    stored = hooks.get(hook.id)
    assert stored is not None and stored.last_error == "webhook.public_address"
    assert connections == []


def test_a_hook_that_cannot_be_sent_to_does_not_hold_up_the_others(
    start_app: AppFactory, fast: Settings, receiver: Receiver
) -> None:
    """A stored URL http.client cannot send (here a path that is not ASCII, as the registration
    of an earlier version let through) fails its own deliveries; the hooks registered after it
    still get theirs."""
    client = start_app(app_settings=fast, worker=False)
    state = app_state(client)
    hooks = WebhookStore(state.db, state.vault)
    broken, _ = hooks.create(
        user="kari",
        admin=True,
        url=receiver.url + "/søknad",
        statuses=None,
        project_id=None,
        cursor=0,
    )
    working, _ = hooks.create(
        user="kari", admin=True, url=receiver.url, statuses=None, project_id=None, cursor=0
    )
    login(client, "kari", admin=True)  # the hooks' user still has an active token
    job_id = upload(client, login(client, "ola")).json()["id"]
    dispatcher = Dispatcher(state.db, state.vault, fast.webhooks, fast.events)
    assert dispatcher.run_once() >= 1
    assert receiver.statuses(job_id)[:1] == ["uploaded"]
    stored = hooks.get(broken.id)
    assert stored is not None and stored.failures >= 1 and stored.last_error == "webhook.bad_url"
    assert hooks.get(working.id) is not None


def test_a_hook_stops_when_its_user_has_no_active_token(
    start_app: AppFactory, fast: Settings, receiver: Receiver
) -> None:
    """Revoking the token of someone who left must also end what their hooks receive: an
    admin's hook gets every project's events."""
    client = start_app(app_settings=fast)
    register(client, login(client, "sjef", admin=True), receiver.url)
    app_state(client).tokens.revoke("sjef-token")
    kari = login(client)
    job_id = whole_job(client, kari)
    time.sleep(0.5)  # ten rounds of the dispatcher
    assert receiver.got() == []
    sjef = login(client, "sjef")  # a new token, not an admin's: only sjef's own projects now
    own = whole_job(client, sjef)
    others = whole_job(client, kari)
    wait_for(lambda: receiver.statuses(own) == WHOLE_JOB)
    time.sleep(0.3)
    assert {d.json["job"]["id"] for d in receiver.got()} == {own}
    assert job_id != others


def test_an_unexpected_error_is_logged_without_its_message(
    start_app: AppFactory,
    fast: Settings,
    receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Library errors quote their input (a URL with its token): the log gets the type and where
    it happened, the hook a failed attempt, and the other hooks their deliveries."""
    client = start_app(app_settings=fast, worker=False)
    state = app_state(client)
    hooks = WebhookStore(state.db, state.vault)
    broken, _ = hooks.create(
        user="kari",
        admin=True,
        url=receiver.url + "?token=hemmelig",
        statuses=None,
        project_id=None,
        cursor=0,
    )
    hooks.create(
        user="kari", admin=True, url=receiver.url, statuses=None, project_id=None, cursor=0
    )
    login(client, "kari", admin=True)
    upload(client, login(client, "ola"))
    real_post = targets.post

    def post(target: targets.Target, *args: Any) -> int:
        if "hemmelig" in target.path:
            raise RuntimeError(f"cannot send to {target.path}")
        return real_post(target, *args)

    monkeypatch.setattr(dispatcher_module, "post", post)
    dispatcher = Dispatcher(state.db, state.vault, fast.webhooks, fast.events)
    with caplog.at_level(logging.INFO, logger="service.webhooks"):
        assert dispatcher.run_once() >= 1
    stored = hooks.get(broken.id)
    assert stored is not None and stored.failures >= 1 and stored.last_error == "RuntimeError"
    assert "RuntimeError" in caplog.text and "hemmelig" not in caplog.text
