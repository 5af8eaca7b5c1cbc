"""Uploads stream straight into the vault, encrypted as they arrive: size limits, names, no
temp files, no plaintext anywhere, nothing left of a refused upload."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from pathlib import Path

import httpx
import pytest
from api_helpers import (
    API,
    AppFactory,
    PipelineLog,
    WriteAudit,
    app_state,
    assert_nothing_stored,
    bearer,
    files_under,
    make_settings,
    new_token,
    upload,
    wait_status,
)
from fastapi.testclient import TestClient

from service.audio import SealedAudio
from service.i18n import MESSAGES
from service.jobs.job_keys import job_key_id
from service.storage import DISPLAY_NAME_MAX, safe_display_name

MiB = 1024 * 1024
BOUNDARY = "intervju-test-boundary"
CHUNK = 256 * 1024


def multipart_body(filename: str, size: int, **fields: str) -> Iterator[bytes]:
    """A multipart/form-data body in CHUNK-sized pieces, written by hand (the raw header)."""
    for name, value in fields.items():
        yield (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        ).encode()
    yield (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"'
        "\r\nContent-Type: application/octet-stream\r\n\r\n"
    ).encode()
    for start in range(0, size, CHUNK):
        yield b"\x01" * min(CHUNK, size - start)
    yield f"\r\n--{BOUNDARY}--\r\n".encode()


def stream_post(
    client: TestClient,
    chunks: Iterable[bytes],
    headers: dict[str, str],
    on_chunk: Callable[[], None] = lambda: None,
) -> tuple[httpx.Response, int]:
    """POST a body chunk by chunk through the ASGI interface (the test client would buffer
    it); ``on_chunk`` runs before each chunk is handed over. Returns the response and how many
    chunks the app pulled."""
    pulled = 0

    async def body() -> AsyncIterator[bytes]:
        nonlocal pulled
        for chunk in chunks:
            on_chunk()
            pulled += 1
            yield chunk

    async def post() -> httpx.Response:
        transport = httpx.ASGITransport(app=client.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            return await http.post(API, content=body(), headers=headers)

    response = asyncio.run(post())
    return response, pulled


def multipart_headers(auth: dict[str, str]) -> dict[str, str]:
    return {**auth, "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}


@pytest.fixture
def small_client(start_app: AppFactory, tmp_path: Path) -> TestClient:
    return start_app(app_settings=make_settings(tmp_path / "data", max_upload_mb=1))


def test_declared_size_over_the_limit_is_refused_before_reading(small_client: TestClient) -> None:
    auth = bearer(new_token(small_client))
    chunks = list(multipart_body("big.wav", 2 * MiB))
    headers = {**multipart_headers(auth), "Content-Length": str(sum(map(len, chunks)))}
    response, pulled = stream_post(small_client, chunks, headers)
    assert response.status_code == 413
    assert response.json() == {
        "code": "upload.too_large",
        "message": MESSAGES["upload.too_large"]["nb"].format(limit_mb=1),
    }
    assert pulled == 0
    assert_nothing_stored(small_client)


def test_declared_size_over_the_limit_with_the_test_client(small_client: TestClient) -> None:
    auth = bearer(new_token(small_client))
    response = upload(small_client, {**auth, "Accept-Language": "en"}, b"\x01" * 2 * MiB)
    assert response.status_code == 413
    assert response.json()["message"] == "The file is larger than the limit of 1 MiB."


def test_streamed_size_over_the_limit_is_cut_off(small_client: TestClient) -> None:
    auth = bearer(new_token(small_client))
    sealed = app_state(small_client).settings.storage.vault_path / "data"
    seen: list[set[str]] = []
    chunks = list(multipart_body("big.wav", 2 * MiB))  # no Content-Length: chunked
    response, pulled = stream_post(
        small_client, chunks, multipart_headers(auth), lambda: seen.append(files_under(sealed))
    )
    assert response.status_code == 413
    assert response.json()["code"] == "upload.too_large"
    assert pulled < len(chunks) - 2  # stopped soon after 1 MiB, not at the end
    partials = {name for names in seen for name in names if name.endswith(".partial")}
    assert len(partials) == 1 and partials.pop().startswith("audio-")
    assert_nothing_stored(small_client)  # the partial object is gone
    assert small_client.get(API, headers=auth).json()["jobs"] == []


def test_upload_streams_to_the_data_dir_without_temp_files(
    client: TestClient,
    auth: dict[str, str],
    data_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    write_audit: WriteAudit,
) -> None:
    temp_dir = tmp_path / "tmp"
    temp_dir.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp_dir))
    assert tempfile.gettempdir() == str(temp_dir)
    sealed = data_dir / "vault" / "data"
    part_sizes: list[int] = []
    temp_files: list[str] = []
    plaintext_seen: list[str] = []

    def observe() -> None:
        for partial in sealed.glob("audio-*.partial"):
            stored = partial.read_bytes()
            part_sizes.append(len(stored))
            if b"\x01" * 64 in stored:
                plaintext_seen.append(partial.name)
        temp_files.extend(p.name for p in temp_dir.iterdir())

    chunks = multipart_body("intervju.wav", 3 * MiB)
    response, _ = stream_post(client, chunks, multipart_headers(auth), observe)
    assert response.status_code == 202, response.text
    job = wait_status(client, auth, response.json()["id"], "ready_for_review")
    assert job["size_bytes"] == 3 * MiB

    # Encrypted frame by frame (1 MiB each) while the body streams in, never all at the end.
    assert len(part_sizes) > 3 and part_sizes == sorted(part_sizes)
    assert len(set(part_sizes)) >= 3 and max(part_sizes) > 2 * MiB
    assert plaintext_seen == []
    vault = app_state(client).vault
    assert vault.object_ids("audio-") == [f"audio-{job['id']}"]
    assert vault.read(f"audio-{job['id']}") == b"\x01" * (3 * MiB)
    assert b"\x01" * 64 not in (sealed / f"audio-{job['id']}.sealed").read_bytes()
    assert not (data_dir / "uploads").exists()
    assert temp_files == [] and list(temp_dir.iterdir()) == []
    assert write_audit.paths, "the audit hook saw no writes at all"
    outside = [p for p in write_audit.paths if not Path(p).resolve().is_relative_to(data_dir)]
    assert outside == []


@pytest.mark.parametrize(
    ("client_name", "shown"),
    [
        ("../../etc/passwd.mp3", "passwd.mp3"),
        ("..\\..\\x.wav", "x.wav"),
        ("/abs/path/opptak.m4a", "opptak.m4a"),
        ("..", "opptak"),
    ],
)
def test_path_traversal_names_are_stored_safely(
    client: TestClient,
    auth: dict[str, str],
    data_dir: Path,
    tmp_path: Path,
    pipeline_log: PipelineLog,
    client_name: str,
    shown: str,
) -> None:
    response = upload(client, auth, filename=client_name)
    assert response.status_code == 202, response.text
    job = response.json()
    assert job["filename"] == shown
    wait_status(client, auth, job["id"], "ready_for_review")
    [(source, _)] = pipeline_log.runs
    object_id = f"audio-{job['id']}"
    assert source == SealedAudio(app_state(client).vault, object_id)
    assert files_under(data_dir / "vault") == {
        f"data/{object_id}.sealed",
        f"keys/{object_id}.key",
        f"keys/{job_key_id(job['id'])}.key",  # the file name's, options' and transcript's
        "instance",  # the id binding the vault to its database
    }
    assert not (data_dir / "uploads").exists()
    assert {name for name in files_under(tmp_path) if not name.startswith("data/")} == set()


def test_raw_backslash_name_is_sanitised(client: TestClient, auth: dict[str, str]) -> None:
    chunks = multipart_body("..\\..\\x.wav", 1000)
    response, _ = stream_post(client, chunks, multipart_headers(auth))
    assert response.status_code == 202
    assert response.json()["filename"] == "x.wav"


@pytest.mark.parametrize(
    ("fields", "content", "filename", "status", "code"),
    [
        ({"language": "de"}, b"x" * 100, "a.wav", 422, "upload.bad_language"),
        ({"model": "../../models/evil"}, b"x" * 100, "a.wav", 422, "upload.bad_model"),
        ({}, b"", "a.wav", 400, "audio.empty"),
        ({}, b"x" * 100, "", 400, "upload.no_file"),
    ],
)
def test_bad_uploads_are_refused_and_leave_nothing(
    client: TestClient,
    auth: dict[str, str],
    fields: dict[str, str],
    content: bytes,
    filename: str,
    status: int,
    code: str,
) -> None:
    response = upload(client, auth, content, filename=filename, **fields)
    assert response.status_code == status, response.text
    assert response.json()["code"] == code
    assert response.json()["message"]
    assert_nothing_stored(client)
    assert client.get(API, headers=auth).json()["jobs"] == []


def test_form_without_a_file_part(client: TestClient, auth: dict[str, str]) -> None:
    response = client.post(API, headers=auth, data={"language": "no"}, files={"x": ("", b"")})
    assert response.status_code == 400
    assert response.json()["code"] == "upload.no_file"


def test_body_that_is_not_multipart(client: TestClient, auth: dict[str, str]) -> None:
    response = client.post(API, headers=auth, json={"file": "x"})
    assert response.status_code == 415
    assert response.json()["code"] == "upload.not_multipart"


def test_truncated_body(client: TestClient, auth: dict[str, str]) -> None:
    chunks = list(multipart_body("a.wav", 1000))[:-1]  # no closing boundary
    response, _ = stream_post(client, chunks, multipart_headers(auth))
    assert response.status_code == 400
    assert response.json()["code"] == "upload.malformed"
    assert_nothing_stored(client)
    assert client.get(API, headers=auth).json()["jobs"] == []


def test_model_and_language_reach_the_pipeline(
    client: TestClient, auth: dict[str, str], pipeline_log: PipelineLog
) -> None:
    job = upload(client, auth, language="no", model="nb-whisper-small").json()
    assert job["model"] == "nb-whisper-small"
    wait_status(client, auth, job["id"], "ready_for_review")
    [(_, options)] = pipeline_log.runs
    assert (options.language, options.model) == ("no", "nb-whisper-small")


@pytest.mark.parametrize(
    ("client_name", "shown"),
    [
        ("intervju.wav", "intervju.wav"),
        ("C:\\Users\\kari\\Opptak 1.m4a", "Opptak 1.m4a"),
        ("../../etc/passwd.mp3", "passwd.mp3"),
        ("a/b/../..", "opptak"),
        ("...hidden.wav", "hidden.wav"),
        ("bad\x00name\x1b[31m.wav", "badname[31m.wav"),
        ("\u202egnp.exe", "gnp.exe"),
        ("  ", "opptak"),
        (None, "opptak"),
        ("e\u0301.wav", "\u00e9.wav"),
    ],
)
def test_safe_display_name(client_name: str | None, shown: str) -> None:
    assert safe_display_name(client_name) == shown


def test_safe_display_name_is_bounded_and_keeps_the_extension() -> None:
    name = safe_display_name("x" * 500 + ".wav")
    assert len(name) == DISPLAY_NAME_MAX
    assert name.endswith("x.wav")
    assert len(safe_display_name("y" * 500)) == DISPLAY_NAME_MAX
