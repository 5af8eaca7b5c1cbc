"""/api/v1/projects: a token sees its user's projects only (others answer 404), admins all."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from api_helpers import app_state, bearer
from fastapi.testclient import TestClient

from service.api.access import check_project_access, visible_project_ids
from service.api.errors import ApiError
from service.auth import TokenInfo
from service.db import ApiToken, utcnow
from service.i18n import MESSAGES
from service.projects import ProjectStore

PROJECTS = "/api/v1/projects"
TOMORROW = date.today() + timedelta(days=1)


def login(client: TestClient, user: str, admin: bool = False) -> dict[str, str]:
    _, plaintext = app_state(client).tokens.create(f"{user}-token", user=user, admin=admin)
    return bearer(plaintext)


def make(client: TestClient, auth: dict[str, str], name: str, **fields: Any) -> dict[str, Any]:
    response = client.post(PROJECTS, headers=auth, json={"name": name, **fields})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def store(client: TestClient) -> ProjectStore:
    return ProjectStore(app_state(client).db)


def test_create_and_read_own_project(client: TestClient) -> None:
    kari = login(client, "kari")
    response = client.post(
        PROJECTS,
        headers=kari,
        json={"name": " Rusomsorg ", "end_date": TOMORROW.isoformat(), "anonymize_dates": True},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert response.headers["location"] == f"{PROJECTS}/{body['id']}"
    assert body["name"] == "Rusomsorg"
    assert body["owner"] == "kari"
    assert body["default"] is False
    assert body["delete_audio_after_verify"] is True
    assert body["end_date"] == TOMORROW.isoformat()
    assert body["anonymize_dates"] is True
    assert body["end_warned_at"] is None

    assert client.get(f"{PROJECTS}/{body['id']}", headers=kari).json() == body
    assert client.get(PROJECTS, headers=kari).json() == {"projects": [body]}


def test_owner_is_the_callers_user_unless_an_admin_names_another(client: TestClient) -> None:
    kari = login(client, "kari")
    assert make(client, kari, "Eget", owner="kari")["owner"] == "kari"

    refused = client.post(PROJECTS, headers=kari, json={"name": "Olas", "owner": "ola"})
    assert refused.status_code == 403
    assert refused.json() == {
        "code": "project.owner_forbidden",
        "message": MESSAGES["project.owner_forbidden"]["nb"],
    }

    admin = login(client, "sjef", admin=True)
    assert make(client, admin, "Olas", owner="ola")["owner"] == "ola"
    assert make(client, admin, "Eget")["owner"] == "sjef"
    assert [p.owner for p in store(client).list_all()] == ["kari", "ola", "sjef"]


def test_another_users_project_is_not_found(client: TestClient) -> None:
    kari, ola = login(client, "kari"), login(client, "ola")
    karis = make(client, kari, "Karis")
    olas = make(client, ola, "Olas")

    assert client.get(PROJECTS, headers=kari).json()["projects"] == [karis]
    assert client.get(PROJECTS, headers=ola).json()["projects"] == [olas]

    missing = client.get(f"{PROJECTS}/{'0' * 32}", headers=ola)
    hidden = client.get(f"{PROJECTS}/{karis['id']}", headers=ola)
    assert hidden.status_code == missing.status_code == 404
    not_found = {"code": "project.not_found", "message": MESSAGES["project.not_found"]["nb"]}
    assert hidden.json() == missing.json() == not_found
    patched = client.patch(f"{PROJECTS}/{karis['id']}", headers=ola, json={"name": "Mitt nå"})
    assert patched.status_code == 404
    assert patched.json()["code"] == "project.not_found"
    assert client.get(f"{PROJECTS}/{karis['id']}", headers=kari).json() == karis  # unchanged


def test_an_admin_sees_and_changes_every_project(client: TestClient) -> None:
    karis = make(client, login(client, "kari"), "Karis")
    olas = make(client, login(client, "ola"), "Olas")
    admin = login(client, "sjef", admin=True)
    assert client.get(PROJECTS, headers=admin).json()["projects"] == [karis, olas]
    assert client.get(f"{PROJECTS}/{olas['id']}", headers=admin).json() == olas
    changed = client.patch(f"{PROJECTS}/{olas['id']}", headers=admin, json={"name": "Nytt"})
    assert changed.status_code == 200
    assert changed.json()["name"] == "Nytt" and changed.json()["owner"] == "ola"


def test_patch_changes_only_the_fields_given(client: TestClient) -> None:
    kari = login(client, "kari")
    made = make(client, kari, "Før", end_date=TOMORROW.isoformat())
    url = f"{PROJECTS}/{made['id']}"

    renamed = client.patch(url, headers=kari, json={"name": "Etter"}).json()
    assert renamed == {**made, "name": "Etter"}
    kept = client.patch(url, headers=kari, json={"delete_audio_after_verify": False}).json()
    assert kept == {**renamed, "delete_audio_after_verify": False}
    cleared = client.patch(url, headers=kari, json={"end_date": None}).json()
    assert cleared == {**kept, "end_date": None}


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"name": None}, "request.invalid"),
        ({"anonymize_dates": None}, "request.invalid"),
        ({"owner": "ola"}, "request.invalid"),  # not changeable; unknown fields are refused
        ({"name": "\u0007"}, "project.bad_name"),
        ({"end_date": "2001-01-01"}, "project.end_date_past"),
        ({"end_date": "i morgen"}, "request.invalid"),
    ],
)
def test_patch_refuses_invalid_changes(client: TestClient, body: dict[str, Any], code: str) -> None:
    kari = login(client, "kari")
    made = make(client, kari, "P")
    response = client.patch(f"{PROJECTS}/{made['id']}", headers=kari, json=body)
    assert response.status_code == 422
    assert response.json()["code"] == code
    assert client.get(f"{PROJECTS}/{made['id']}", headers=kari).json() == made


def test_create_refuses_invalid_projects_in_english(client: TestClient) -> None:
    headers = {**login(client, "kari"), "Accept-Language": "en"}
    for body, code in [
        ({"name": ""}, "project.bad_name"),
        ({"name": "x" * 201}, "project.bad_name"),
        ({"name": "P", "end_date": "2001-01-01"}, "project.end_date_past"),
        ({"name": "P", "colour": "blå"}, "request.invalid"),
        ({}, "request.invalid"),
    ]:
        response = client.post(PROJECTS, headers=headers, json=body)
        assert response.status_code == 422, body
        assert response.json()["code"] == code
    past = client.post(PROJECTS, headers=headers, json={"name": "P", "end_date": "2001-01-01"})
    assert past.json()["message"].startswith("The end date 2001-01-01 has passed.")
    assert client.get(PROJECTS, headers=headers).json() == {"projects": []}


def test_the_default_project_is_listed_as_such(client: TestClient) -> None:
    kari = login(client, "kari")
    default = store(client).default_for("kari")
    [listed] = client.get(PROJECTS, headers=kari).json()["projects"]
    assert listed["id"] == default.id
    assert listed["name"] == "Standardprosjekt"
    assert listed["default"] is True


def test_a_token_from_before_users_belongs_to_its_own_name(client: TestClient) -> None:
    _, plaintext = app_state(client).tokens.create("gammel")
    with app_state(client).db.sessions.begin() as session:  # as an old version left it
        row = session.query(ApiToken).filter_by(name="gammel").one()
        row.user_name, row.admin = None, None
    made = make(client, bearer(plaintext), "Gammelt")
    assert made["owner"] == "gammel"
    assert client.get(PROJECTS, headers=bearer(plaintext)).json()["projects"] == [made]


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", PROJECTS), ("POST", PROJECTS), ("GET", f"{PROJECTS}/x"), ("PATCH", f"{PROJECTS}/x")],
)
def test_every_route_needs_a_token(client: TestClient, method: str, path: str) -> None:
    response = client.request(method, path, json={"name": "P"})
    assert response.status_code == 401
    assert response.json()["code"] == "auth.missing"


def test_openapi_documents_the_project_models(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert {PROJECTS, f"{PROJECTS}/{{project_id}}"} <= set(spec["paths"])
    schemas = spec["components"]["schemas"]
    for model in ("ProjectCreate", "ProjectUpdate", "ProjectPublic"):
        for name, field in schemas[model]["properties"].items():
            if name not in ("id", "created_at"):
                assert field.get("description"), f"{model}.{name}"


def info(user: str, admin: bool = False) -> TokenInfo:
    now = utcnow()
    return TokenInfo(1, "t", user, admin, now, None, None)


def test_access_helpers_for_the_job_routes(client: TestClient) -> None:
    projects = store(client)
    karis = projects.create("Karis", "kari")
    olas = projects.create("Olas", "ola")

    assert visible_project_ids(info("kari"), projects) == {karis.id}
    assert visible_project_ids(info("per"), projects) == set()
    assert visible_project_ids(info("sjef", admin=True), projects) is None

    assert check_project_access(info("kari"), karis.id, projects) == karis
    assert check_project_access(info("sjef", admin=True), olas.id, projects) == olas
    assert check_project_access(info("sjef", admin=True), None, projects) is None
    for project_id in (olas.id, None, "nope"):  # none of them kari's
        with pytest.raises(ApiError) as hidden:
            check_project_access(info("kari"), project_id, projects, not_found="job.not_found")
        assert (hidden.value.status_code, hidden.value.key) == (404, "job.not_found")
    with pytest.raises(ApiError) as default_key:
        check_project_access(info("kari"), olas.id, projects)
    assert default_key.value.key == "project.not_found"
