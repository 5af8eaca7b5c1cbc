"""GET /api/v1/jobs/{id}/audio: the sealed recording as MP3 for the review page, decoded in
memory, with byte ranges; only while the job has its audio, only for those who may see it."""

from __future__ import annotations

import subprocess
from datetime import date, timedelta
from pathlib import Path

import pytest
from api_helpers import (
    API,
    AppFactory,
    DiarizingPipeline,
    WriteAudit,
    app_state,
    bearer,
    new_token,
    upload,
    wait_status,
)
from fastapi import FastAPI
from fastapi.testclient import TestClient

from service.audio.playback import PlaybackCache

SPOKEN = "Kan du fortelle om jobben din? Jeg jobber i rusomsorgen i kommunen."


@pytest.fixture(scope="module")
def recording() -> bytes:
    """A few seconds of espeak-ng speech as WAV (what a researcher might upload)."""
    return subprocess.run(
        ["espeak-ng", "--stdout", "-v", "nb", SPOKEN], capture_output=True, check=True
    ).stdout


@pytest.fixture
def in_review(start_app: AppFactory, recording: bytes) -> tuple[TestClient, dict[str, str], str]:
    client = start_app(pipeline=DiarizingPipeline)
    auth = bearer(new_token(client))
    job_id = upload(client, auth, content=recording).json()["id"]
    wait_status(client, auth, job_id, "ready_for_review")
    return client, auth, job_id


def audio_url(job_id: str) -> str:
    return f"{API}/{job_id}/audio"


def seconds_of(mp3: bytes) -> float:
    """Seconds of sound in ``mp3``, decoded by ffmpeg (8 kHz 16-bit mono: 16,000 bytes/s)."""
    pcm = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", "pipe:", "-f", "s16le", "-ac", "1", "-ar", "8000", "-"],
        input=mp3,
        capture_output=True,
        check=True,
    ).stdout
    return len(pcm) / 16_000


def distinctive(data: bytes) -> bytes:
    """64 bytes of ``data`` unlikely to occur anywhere else by chance (not silence)."""
    for start in range(len(data) // 3, len(data) - 64, 97):
        if len(set(data[start : start + 64])) >= 40:
            return data[start : start + 64]
    raise AssertionError("no distinctive stretch")


def file_bytes(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def playback(client: TestClient) -> PlaybackCache:
    assert isinstance(client.app, FastAPI)
    cache: PlaybackCache = client.app.state.playback
    return cache


def test_the_whole_recording_as_mp3_never_cached_by_the_browser(
    in_review: tuple[TestClient, dict[str, str], str], recording: bytes
) -> None:
    client, auth, job_id = in_review
    response = client.get(audio_url(job_id), headers=auth)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "audio/mpeg"
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["accept-ranges"] == "bytes"
    body = response.content
    assert int(response.headers["content-length"]) == len(body)
    assert body[0] == 0xFF and body[1] & 0xE0 == 0xE0  # an MPEG audio frame, no ID3 tag
    wav_seconds = (len(recording) - 44) / (22_050 * 2)  # espeak-ng: 22.05 kHz 16-bit mono
    assert seconds_of(body) == pytest.approx(wav_seconds, abs=0.3)
    assert len(body) < len(recording) / 4  # compressed: 48 kbit/s, not PCM


def test_byte_ranges_put_together_give_the_whole(
    in_review: tuple[TestClient, dict[str, str], str],
) -> None:
    client, auth, job_id = in_review
    whole = client.get(audio_url(job_id), headers=auth).content
    size = len(whole)
    parts = []
    for header, first, last in [
        ("bytes=0-999", 0, 999),
        ("bytes=1000-", 1000, size - 1),
    ]:
        response = client.get(audio_url(job_id), headers={**auth, "Range": header})
        assert response.status_code == 206, header
        assert response.headers["content-range"] == f"bytes {first}-{last}/{size}"
        assert response.headers["content-type"] == "audio/mpeg"
        assert response.headers["cache-control"] == "no-store"
        parts.append(response.content)
    assert b"".join(parts) == whole
    tail = client.get(audio_url(job_id), headers={**auth, "Range": "bytes=-100"})
    assert (tail.status_code, tail.content) == (206, whole[-100:])
    beyond_end = client.get(audio_url(job_id), headers={**auth, "Range": "bytes=0-99999999"})
    assert (beyond_end.status_code, beyond_end.content) == (206, whole)


def test_a_range_outside_the_recording_is_416_and_odd_ranges_get_the_whole(
    in_review: tuple[TestClient, dict[str, str], str],
) -> None:
    client, auth, job_id = in_review
    size = len(client.get(audio_url(job_id), headers=auth).content)
    outside = client.get(audio_url(job_id), headers={**auth, "Range": f"bytes={size}-"})
    assert outside.status_code == 416
    assert outside.headers["content-range"] == f"bytes */{size}"
    assert outside.json()["code"] == "media.bad_range"
    for header in ("bytes=0-1,5-9", "items=0-1", "bytes=-"):
        response = client.get(audio_url(job_id), headers={**auth, "Range": header})
        assert (response.status_code, len(response.content)) == (200, size), header


def test_no_audio_once_verified_and_the_encoded_copy_forgotten(
    in_review: tuple[TestClient, dict[str, str], str],
) -> None:
    client, auth, job_id = in_review
    assert client.get(audio_url(job_id), headers=auth).status_code == 200
    assert len(playback(client)) == 1
    verified = client.post(f"{API}/{job_id}/verify", headers=auth)
    assert verified.json()["status"] == "audio_deleted"
    assert len(playback(client)) == 0  # forgotten with the recording, not when asked again
    response = client.get(audio_url(job_id), headers=auth)
    assert response.status_code == 409
    assert response.json()["code"] == "media.audio_deleted"
    english = client.get(audio_url(job_id), headers={**auth, "Accept-Language": "en"})
    assert "deleted" in english.json()["message"]


def test_another_users_job_is_404_and_no_token_401(
    in_review: tuple[TestClient, dict[str, str], str],
) -> None:
    client, _, job_id = in_review
    _, other = app_state(client).tokens.create("other", user="ola")
    assert client.get(audio_url(job_id), headers=bearer(other)).status_code == 404
    assert client.get(audio_url("0" * 32), headers=bearer(other)).status_code == 404
    assert client.get(audio_url(job_id)).status_code == 401
    _, admin = app_state(client).tokens.create("root", user="sjef", admin=True)
    assert client.get(audio_url(job_id), headers=bearer(admin)).status_code == 200


def test_no_plaintext_is_written_while_or_after_playing(
    in_review: tuple[TestClient, dict[str, str], str], recording: bytes, write_audit: WriteAudit
) -> None:
    client, auth, job_id = in_review
    data_dir = app_state(client).settings.storage.data_dir
    before = file_bytes(data_dir)
    mp3 = client.get(audio_url(job_id), headers=auth).content
    client.get(audio_url(job_id), headers={**auth, "Range": "bytes=10-"})
    assert write_audit.paths == []  # nothing opened for writing in this process
    after = file_bytes(data_dir)
    assert set(after) == set(before)  # no new file (ffmpeg's output went through a pipe)
    pcm, encoded = distinctive(recording), distinctive(mp3)
    assert not [name for name, data in after.items() if pcm in data or encoded in data]


def test_no_audio_once_withdrawn(in_review: tuple[TestClient, dict[str, str], str]) -> None:
    client, auth, job_id = in_review
    assert client.get(audio_url(job_id), headers=auth).status_code == 200
    assert client.delete(f"{API}/{job_id}?purge=true", headers=auth).status_code == 200
    assert len(playback(client)) == 0
    response = client.get(audio_url(job_id), headers=auth)
    assert (response.status_code, response.json()["code"]) == (409, "media.audio_deleted")


def test_the_project_end_date_drops_the_playback_copy(
    start_app: AppFactory, recording: bytes
) -> None:
    """Every path that deletes the recording drops the copy decoded for the browser, not only
    the verify and purge routes: here the project's end date (the deadline scheduler)."""
    client = start_app(pipeline=DiarizingPipeline)
    auth = bearer(new_token(client))
    tomorrow = date.today() + timedelta(days=1)
    project = client.post(
        "/api/v1/projects", headers=auth, json={"name": "P", "end_date": tomorrow.isoformat()}
    ).json()["id"]
    job_id = upload(client, auth, content=recording, project=project).json()["id"]
    wait_status(client, auth, job_id, "ready_for_review")
    assert client.get(audio_url(job_id), headers=auth).status_code == 200
    assert len(playback(client)) == 1
    deleted = app_state(client).consent.run_deadlines(tomorrow + timedelta(days=1), 14)
    assert [receipt.job.id for receipt in deleted] == [job_id]
    assert len(playback(client)) == 0  # not left in memory until someone asks again
    response = client.get(audio_url(job_id), headers=auth)
    assert (response.status_code, response.json()["code"]) == (409, "media.audio_deleted")


def test_absurdly_long_range_numbers_are_no_server_error(
    in_review: tuple[TestClient, dict[str, str], str],
) -> None:
    client, auth, job_id = in_review
    whole = client.get(audio_url(job_id), headers=auth).content
    huge = "9" * 5000  # more digits than Python converts to an int by default
    to_the_end = client.get(audio_url(job_id), headers={**auth, "Range": f"bytes=0-{huge}"})
    assert (to_the_end.status_code, to_the_end.content) == (206, whole)
    beyond = client.get(audio_url(job_id), headers={**auth, "Range": f"bytes={huge}-"})
    assert beyond.status_code == 416
    suffix = client.get(audio_url(job_id), headers={**auth, "Range": f"bytes=-{huge}"})
    assert (suffix.status_code, suffix.content) == (206, whole)
