"""Registering webhooks: who sees which, which URLs are refused, the secret shown once and
stored sealed, and the signature a receiver checks."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest
from api_helpers import AppFactory, app_state, bearer, make_settings
from fastapi.testclient import TestClient

from service.config import Settings, WebhookSettings
from service.webhooks import signature, verify
from service.webhooks.store import MAX_HOOKS_PER_USER
from service.webhooks.targets import redact

HOOKS = "/api/v1/webhooks"
LOCAL = "http://127.0.0.1:9/hook?token=abc"


@pytest.fixture
def settings(data_dir: Path, request: pytest.FixtureRequest) -> Settings:
    """SQLite; a test marked to use ``db_url`` runs on SQLite and on PostgreSQL."""
    base = make_settings(data_dir)
    if "db_url" not in request.fixturenames:
        return base
    return base.model_copy(update={"database_url": request.getfixturevalue("db_url")})


def login(client: TestClient, user: str, admin: bool = False) -> dict[str, str]:
    return bearer(app_state(client).tokens.create(f"{user}-token", user=user, admin=admin)[1])


def register(client: TestClient, auth: dict[str, str], **body: Any) -> Any:
    return client.post(HOOKS, headers=auth, json={"url": LOCAL, **body})


@pytest.mark.usefixtures("db_url")
def test_register_list_and_delete(client: TestClient) -> None:
    kari = login(client, "kari")
    created = register(client, kari, events=["ready_for_review", "failed"])
    assert created.status_code == 201, created.text
    hook = created.json()
    assert hook["secret"].startswith("whsec_") and len(hook["secret"]) > 40
    assert created.headers["Location"] == f"{HOOKS}/{hook['id']}"
    assert hook["url"] == "http://127.0.0.1:9/hook"  # the query string is never shown
    assert hook["events"] == ["ready_for_review", "failed"] and hook["user"] == "kari"
    listed = client.get(HOOKS, headers=kari).json()["webhooks"]
    assert [h["id"] for h in listed] == [hook["id"]] and "secret" not in listed[0]
    assert client.delete(f"{HOOKS}/{hook['id']}", headers=kari).status_code == 204
    assert client.get(HOOKS, headers=kari).json()["webhooks"] == []
    assert client.delete(f"{HOOKS}/{hook['id']}", headers=kari).status_code == 404


@pytest.mark.usefixtures("db_url")
def test_a_token_sees_only_its_users_hooks(client: TestClient) -> None:
    kari, ola, admin = login(client, "kari"), login(client, "ola"), login(client, "root", True)
    karis = register(client, kari).json()["id"]
    olas = register(client, ola).json()["id"]
    assert [h["id"] for h in client.get(HOOKS, headers=ola).json()["webhooks"]] == [olas]
    refused = client.delete(f"{HOOKS}/{karis}", headers=ola)
    assert refused.status_code == 404 and refused.json()["code"] == "webhook.not_found"
    everything = client.get(HOOKS, headers=admin).json()["webhooks"]
    assert {h["id"] for h in everything} == {karis, olas}
    assert client.delete(f"{HOOKS}/{karis}", headers=admin).status_code == 204


def test_a_hook_for_someone_elses_project_is_refused(client: TestClient) -> None:
    kari, ola = login(client, "kari"), login(client, "ola")
    project = client.post("/api/v1/projects", headers=ola, json={"name": "Olas"}).json()["id"]
    refused = register(client, kari, project=project)
    assert refused.status_code == 404 and refused.json()["code"] == "project.not_found"
    assert register(client, ola, project=project).json()["project"] == project


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("http://8.8.8.8/hook", "webhook.public_address"),
        ("https://[2001:4860:4860::8888]/hook", "webhook.public_address"),
        ("http://169.254.169.254/latest/meta-data", "webhook.public_address"),
        ("http://[::ffff:169.254.169.254]/", "webhook.public_address"),
        ("http://0.0.0.0:8080/", "webhook.public_address"),
        ("http://hooks.example.com/", "webhook.public_address"),
        ("ftp://127.0.0.1/hook", "webhook.bad_url"),
        ("http://user:pass@127.0.0.1/hook", "webhook.bad_url"),
        ("http://127.0.0.1/hook#x", "webhook.bad_url"),
        ("/relative", "webhook.bad_url"),
        ("http://127.0.0.1:9000/søknad", "webhook.bad_url"),  # no delivery could send it
        ("http://no-such-host.invalid/", "webhook.unresolvable"),
    ],
)
def test_urls_that_are_refused(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, url: str, code: str
) -> None:
    def fake_dns(host: str, *args: Any, **kwargs: Any) -> Any:
        if host == "hooks.example.com":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", 443))]
        raise socket.gaierror("no such host")

    monkeypatch.setattr(socket, "getaddrinfo", fake_dns)
    response = register(client, login(client, "kari"), url=url)
    assert response.status_code == 422 and response.json()["code"] == code
    assert client.get(HOOKS, headers=login(client, "root", True)).json()["webhooks"] == []


@pytest.mark.parametrize(
    "url",
    ["http://localhost:8080/h", "http://10.1.2.3/h", "https://192.168.1.20/h", "http://[::1]/"],
)
def test_loopback_and_private_networks_are_allowed(client: TestClient, url: str) -> None:
    assert register(client, login(client, "kari"), url=url).status_code == 201


def test_public_addresses_only_when_allowed(start_app: AppFactory, settings: Settings) -> None:
    opened = settings.model_copy(update={"webhooks": WebhookSettings(allow_public=True)})
    client = start_app(app_settings=opened, worker=False)
    kari = login(client, "kari")
    assert register(client, kari, url="https://8.8.8.8/hook").status_code == 201
    metadata = register(client, kari, url="http://169.254.169.254/")
    assert metadata.status_code == 422  # never link-local, even then


def test_unknown_statuses_are_refused(client: TestClient) -> None:
    response = register(client, login(client, "kari"), events=["done"])
    assert response.status_code == 422


def test_the_url_and_secret_are_stored_sealed(client: TestClient) -> None:
    secret = register(client, login(client, "kari")).json()["secret"]
    state = app_state(client)
    state.db.truncate_log()
    stored = b"".join(p.read_bytes() for p in state.settings.storage.data_dir.rglob("*.db*"))
    assert stored and secret.encode() not in stored and b"token=abc" not in stored


def test_a_receiver_checks_the_signature() -> None:
    body, secret, now = b'{"event_id":1}', "whsec_test", 1_800_000_000
    header = signature(secret, str(now), body)
    assert header.startswith("sha256=") and len(header) == 7 + 64
    assert verify(secret, str(now), body, header, now=now + 10)
    assert not verify(secret, str(now), body + b" ", header, now=now)
    assert not verify("whsec_other", str(now), body, header, now=now)
    assert not verify(secret, str(now), body, header, now=now + 301)  # a replay
    assert not verify(secret, "yesterday", body, header, now=now)


def test_urls_are_shown_without_query_or_credentials() -> None:
    assert redact("https://u:p@h.example:8443/a/b?token=x#f") == "https://h.example:8443/a/b"


@pytest.mark.usefixtures("db_url")
def test_the_number_of_hooks_per_user_is_limited(client: TestClient) -> None:
    """One dispatcher delivers to every hook in turn, each attempt up to its timeout: one user
    registering hooks without end would delay everyone's deliveries by hours."""
    kari, ola = login(client, "kari"), login(client, "ola")
    for _ in range(MAX_HOOKS_PER_USER):
        assert register(client, kari).status_code == 201
    refused = register(client, kari)
    assert refused.status_code == 409 and refused.json()["code"] == "webhook.too_many"
    assert str(MAX_HOOKS_PER_USER) in refused.json()["message"]
    assert register(client, ola).status_code == 201  # another user's are counted apart
    first = client.get(HOOKS, headers=kari).json()["webhooks"][0]["id"]
    assert client.delete(f"{HOOKS}/{first}", headers=kari).status_code == 204
    assert register(client, kari).status_code == 201
