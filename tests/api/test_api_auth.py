"""Bearer tokens: every route but /healthz refuses a missing, invalid or revoked token."""

from __future__ import annotations

from pathlib import Path

import pytest
from api_helpers import API, app_state, bearer, new_token
from fastapi.testclient import TestClient

from service.auth import TOKEN_PREFIX, TokenStore, hash_token
from service.db import ApiToken, open_database
from service.errors import IntervjuError
from service.i18n import MESSAGES

JOB = "0123456789abcdef0123456789abcdef"
PROJECTS = "/api/v1/projects"
PROTECTED = [
    ("GET", API),
    ("POST", API),
    ("GET", f"{API}/{JOB}"),
    ("GET", f"{API}/{JOB}/transcript"),
    ("PATCH", f"{API}/{JOB}/speakers"),
    ("DELETE", f"{API}/{JOB}"),
    ("GET", PROJECTS),
    ("POST", PROJECTS),
    ("GET", f"{PROJECTS}/{JOB}"),
    ("PATCH", f"{PROJECTS}/{JOB}"),
]


def test_healthz_needs_no_token(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["version"]


@pytest.mark.parametrize(("method", "path"), PROTECTED)
def test_missing_token_is_refused_in_norwegian(client: TestClient, method: str, path: str) -> None:
    response = client.request(method, path)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json() == {"code": "auth.missing", "message": MESSAGES["auth.missing"]["nb"]}


@pytest.mark.parametrize(("method", "path"), PROTECTED)
def test_invalid_token_is_refused_in_english(client: TestClient, method: str, path: str) -> None:
    headers = {**bearer(TOKEN_PREFIX + "not-a-real-token"), "Accept-Language": "en-GB,en;q=0.8"}
    response = client.request(method, path, headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json() == {"code": "auth.invalid", "message": MESSAGES["auth.invalid"]["en"]}


@pytest.mark.parametrize(("method", "path"), PROTECTED)
def test_revoked_token_is_refused(client: TestClient, method: str, path: str) -> None:
    token = new_token(client, "to-revoke")
    assert client.get(API, headers=bearer(token)).status_code == 200
    app_state(client).tokens.revoke("to-revoke")
    response = client.request(method, path, headers=bearer(token))
    assert response.status_code == 401
    assert response.json()["code"] == "auth.invalid"


def test_other_schemes_are_refused(client: TestClient) -> None:
    token = new_token(client)
    assert client.get(API, headers={"Authorization": f"Basic {token}"}).status_code == 401
    assert client.get(API, headers={"Authorization": token}).status_code == 401


def test_valid_token_is_accepted_and_use_recorded(client: TestClient) -> None:
    token = new_token(client, "laptop")
    assert client.get(API, headers=bearer(token)).status_code == 200
    [info] = app_state(client).tokens.list()
    assert info.name == "laptop"
    assert info.last_used_at is not None


def test_token_is_stored_only_as_its_hash(client: TestClient, data_dir: Path) -> None:
    token = new_token(client)
    client.get(API, headers=bearer(token))
    stored = b"".join(path.read_bytes() for path in data_dir.glob("intervju.db*"))
    assert hash_token(token).encode() in stored  # the check can see what is stored
    assert token.encode() not in stored
    assert token.removeprefix(TOKEN_PREFIX).encode() not in stored


def test_token_store(db_url: str) -> None:
    db = open_database(db_url)
    db.upgrade()
    tokens = TokenStore(db)
    first, plaintext = tokens.create("a")
    assert plaintext.startswith(TOKEN_PREFIX) and len(plaintext) > 40
    with pytest.raises(IntervjuError) as taken:
        tokens.create("a")
    assert taken.value.key == "auth.name_taken"
    assert tokens.verify(plaintext) == tokens.list()[0]
    assert tokens.verify(plaintext + "x") is None
    assert tokens.verify("") is None

    assert tokens.revoke(str(first.id)).id == first.id  # by id
    assert tokens.verify(plaintext) is None
    assert not tokens.has_active()
    with pytest.raises(IntervjuError) as unknown:
        tokens.revoke("a")  # already revoked
    assert unknown.value.key == "auth.unknown_token"

    second, _ = tokens.create("a")  # the name is free again
    assert tokens.revoke("a").id == second.id  # by name
    db.dispose()


def test_tokens_belong_to_users_and_some_are_admins(db_url: str) -> None:
    db = open_database(db_url)
    db.upgrade()
    tokens = TokenStore(db)
    laptop, _ = tokens.create("laptop")
    assert (laptop.user, laptop.admin) == ("laptop", False)  # default user: the token's name
    ipad, ipad_plaintext = tokens.create("ipad", user=" kari ")
    assert (ipad.user, ipad.admin) == ("kari", False)
    root, root_plaintext = tokens.create("root", user="sjef", admin=True)
    assert (root.user, root.admin) == ("sjef", True)
    for plaintext, made in [(ipad_plaintext, ipad), (root_plaintext, root)]:
        verified = tokens.verify(plaintext)
        assert verified is not None
        assert (verified.id, verified.user, verified.admin) == (made.id, made.user, made.admin)
    for user in ["", "   ", "x" * 101, "ka\nri", "ka\u200bri"]:
        with pytest.raises(IntervjuError) as refused:
            tokens.create("another", user=user)
        assert refused.value.key == "auth.bad_user"

    with db.sessions.begin() as session:  # a token made before users existed
        row = session.get(ApiToken, laptop.id)
        assert row is not None
        row.user_name, row.admin = None, None
    old = tokens.list()[0]
    assert (old.name, old.user, old.admin) == ("laptop", "laptop", False)
    db.dispose()


def test_openapi_describes_every_route_and_the_upload(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert {"/healthz", API, f"{API}/{{job_id}}", f"{API}/{{job_id}}/transcript"} <= set(
        spec["paths"]
    )
    post = spec["paths"][API]["post"]
    schema = post["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert schema["required"] == ["file"]
    assert schema["properties"]["file"]["format"] == "binary"
    assert schema["properties"]["language"]["enum"] == ["no", "nn"]
    for path, operations in spec["paths"].items():
        for operation in operations.values():
            secured = bool(operation.get("security"))
            assert secured == (path != "/healthz"), path
