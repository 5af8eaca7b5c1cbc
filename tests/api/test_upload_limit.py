"""At most ``api.max_concurrent_uploads`` uploads are received at once: one more is answered 429
with ``Retry-After`` before its body is read, and a slot comes back however an upload ends
(stored, too large, the client gone, cancelled, an unexpected error)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator, MutableMapping
from pathlib import Path
from typing import Any

import pytest
from api_helpers import (
    API,
    AppFactory,
    assert_nothing_stored,
    bearer,
    make_settings,
    new_token,
    upload,
)
from fastapi.testclient import TestClient

from service.api import upload as upload_module
from service.api.routes import jobs as job_routes
from service.config import APISettings
from service.i18n import MESSAGES

MiB = 1024 * 1024
BOUNDARY = "intervju-limit-boundary"
CHUNK = 256 * 1024
Message = MutableMapping[str, Any]


@pytest.fixture
def one_slot(start_app: AppFactory, tmp_path: Path) -> TestClient:
    """An app that receives one upload at a time, of at most 1 MiB."""
    settings = make_settings(tmp_path / "data")
    api = APISettings(max_upload_mb=1, max_concurrent_uploads=1)
    return start_app(app_settings=settings.model_copy(update={"api": api}))


def body_chunks(size: int) -> Iterator[bytes]:
    yield (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a.wav"\r\n'
        "Content-Type: audio/wav\r\n\r\n"
    ).encode()
    for start in range(0, size, CHUNK):
        yield b"\x01" * min(CHUNK, size - start)
    yield f"\r\n--{BOUNDARY}--\r\n".encode()


async def whole_body(size: int, pulled: list[int]) -> AsyncIterator[Message]:
    chunks = list(body_chunks(size))
    for index, chunk in enumerate(chunks):
        pulled.append(index)
        yield {"type": "http.request", "body": chunk, "more_body": index < len(chunks) - 1}


async def paused_body(started: asyncio.Event, go_on: asyncio.Event) -> AsyncIterator[Message]:
    """A body that stops after its first piece until ``go_on`` is set."""
    chunks = list(body_chunks(64 * 1024))
    yield {"type": "http.request", "body": chunks[0], "more_body": True}
    started.set()
    await go_on.wait()
    for chunk in chunks[1:-1]:
        yield {"type": "http.request", "body": chunk, "more_body": True}
    yield {"type": "http.request", "body": chunks[-1], "more_body": False}


async def disconnecting_body() -> AsyncIterator[Message]:
    yield {"type": "http.request", "body": next(body_chunks(0)), "more_body": True}
    yield {"type": "http.disconnect"}


async def post(
    client: TestClient, messages: AsyncIterator[Message], headers: dict[str, str]
) -> tuple[int, dict[str, str], bytes]:
    """POST straight through the ASGI interface, the body as the given messages (so a test
    decides when each piece arrives, or that the client goes away)."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": API,
        "raw_path": API.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 50000),
        "server": ("test", 80),
    }
    answer: dict[str, Any] = {"body": b""}

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            answer["status"] = message["status"]
            answer["headers"] = {k.decode(): v.decode() for k, v in message["headers"]}
        elif message["type"] == "http.response.body":
            answer["body"] += message.get("body", b"")

    await client.app(scope, messages.__anext__, send)
    return answer["status"], answer["headers"], answer["body"]


@pytest.fixture
def headers(one_slot: TestClient) -> dict[str, str]:
    """A token's and a hand-written multipart body's headers."""
    auth = bearer(new_token(one_slot))
    return {**auth, "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}


def active_uploads(client: TestClient) -> int:
    slots: upload_module.UploadSlots = client.app.state.upload_slots  # type: ignore[attr-defined]
    return slots.active


def assert_slot_free(client: TestClient, headers: dict[str, str]) -> None:
    """No slot is held, and the one slot can be taken: an upload is stored."""
    assert active_uploads(client) == 0
    auth = {"Authorization": headers["Authorization"]}
    response = upload(client, auth)
    assert response.status_code == 202
    assert active_uploads(client) == 0


def test_one_upload_more_than_the_limit_is_refused_before_its_body(
    one_slot: TestClient, headers: dict[str, str]
) -> None:
    pulled: list[int] = []

    async def scenario() -> list[tuple[int, dict[str, str], bytes]]:
        started, go_on = asyncio.Event(), asyncio.Event()
        first = asyncio.create_task(post(one_slot, paused_body(started, go_on), headers))
        await started.wait()  # the first upload holds the slot
        refused = await post(one_slot, whole_body(1000, pulled), headers)
        english = {**headers, "Accept-Language": "en"}
        refused_en = await post(one_slot, whole_body(1000, pulled), english)
        go_on.set()
        return [await first, refused, refused_en]

    (status, _, _), (refused, answered, body_nb), (_, _, body_en) = asyncio.run(scenario())
    assert status == 202
    assert refused == 429
    assert answered["retry-after"] == str(upload_module.RETRY_AFTER_SECONDS)
    text = MESSAGES["upload.too_many"]
    assert json.loads(body_nb) == {
        "code": "upload.too_many",
        "message": text["nb"].format(limit=1),
    }
    assert json.loads(body_en)["message"] == text["en"].format(limit=1)
    assert pulled == []  # neither refused body was read
    assert len(one_slot.get(API, headers=headers).json()["jobs"]) == 1
    assert_slot_free(one_slot, headers)


def test_the_slot_comes_back_after_a_streamed_413(
    one_slot: TestClient, headers: dict[str, str]
) -> None:
    pulled: list[int] = []
    status, _, body = asyncio.run(post(one_slot, whole_body(2 * MiB, pulled), headers))
    assert status == 413 and b"upload.too_large" in body
    assert 0 < len(pulled) < len(list(body_chunks(2 * MiB)))  # cut off while streaming
    assert_nothing_stored(one_slot)
    assert_slot_free(one_slot, headers)


def test_the_slot_comes_back_when_the_client_goes_away(
    one_slot: TestClient, headers: dict[str, str]
) -> None:
    status, _, _ = asyncio.run(post(one_slot, disconnecting_body(), headers))
    assert status == 400
    assert_nothing_stored(one_slot)
    assert_slot_free(one_slot, headers)


def test_the_slot_comes_back_when_the_request_is_cancelled(
    one_slot: TestClient, headers: dict[str, str]
) -> None:

    async def scenario() -> None:
        started, never = asyncio.Event(), asyncio.Event()
        task = asyncio.create_task(post(one_slot, paused_body(started, never), headers))
        await started.wait()
        assert active_uploads(one_slot) == 1
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(scenario())
    assert_nothing_stored(one_slot)
    assert_slot_free(one_slot, headers)


def test_the_slot_comes_back_after_an_unexpected_error(
    one_slot: TestClient, headers: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("broken on purpose")

    monkeypatch.setattr(job_routes, "upload_project", broken)
    pulled: list[int] = []
    with pytest.raises(RuntimeError, match="on purpose"):
        asyncio.run(post(one_slot, whole_body(1000, pulled), headers))
    monkeypatch.undo()
    assert_nothing_stored(one_slot)
    assert_slot_free(one_slot, headers)


def test_the_limit_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INTERVJU_API__MAX_CONCURRENT_UPLOADS", "7")
    from service.config import Settings

    assert Settings().api.max_concurrent_uploads == 7
    assert APISettings().max_concurrent_uploads == 4
