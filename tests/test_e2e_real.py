"""End to end with the real model: the CLI, the HTTP API (upload, review, verify: the audio is
deleted), and a real crash of `intervju serve`."""

from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from bench.make_long import build
from bench.synth import write_audio
from service.api import create_app
from service.cli.main import cli
from service.config import Settings
from tests.conftest import cc0_clip

pytestmark = pytest.mark.slow


@pytest.fixture
def env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    values = {
        "INTERVJU_STORAGE__DATA_DIR": str(settings.storage.data_dir),
        "INTERVJU_STORAGE__MODELS_DIR": str(settings.storage.models_path),
    }
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    return values


def test_cli_transcribe_prints_json_segments(env: dict[str, str]) -> None:
    result = CliRunner().invoke(
        cli, ["transcribe", str(cc0_clip("norwegian-medium-8s.mp3")), "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    segment = data["segments"][0]
    assert {"start", "end", "text", "words"} <= set(segment)
    assert segment["words"][0]["start"] >= 0 and "tatt" in segment["text"].lower()


def test_cli_transcribe_many_files_to_a_folder(env: dict[str, str], tmp_path: Path) -> None:
    broken = tmp_path / "ødelagt.mp3"
    broken.write_bytes(b"ikke lyd")
    out = tmp_path / "ut"
    result = CliRunner().invoke(
        cli,
        ["transcribe", str(cc0_clip("norwegian-short-3s.mp3")), str(broken), "--out", str(out)],
    )
    assert result.exit_code == 1  # one file failed, the other was still done
    assert "kunne ikke leses som et lydopptak" in result.stderr
    assert "lovlig" in (out / "norwegian-short-3s.txt").read_text(encoding="utf-8")


def test_http_upload_to_transcript(settings: Settings) -> None:
    with TestClient(create_app(settings)) as client:
        from service.cli.serve import ensure_first_token

        token = ensure_first_token(settings)
        headers = {"Authorization": f"Bearer {token}"}
        clip = cc0_clip("norwegian-short-3s.mp3")
        content = clip.read_bytes()
        with clip.open("rb") as handle:
            created = client.post(
                "/api/v1/jobs", headers=headers, files={"file": (clip.name, handle, "audio/mpeg")}
            )
        assert created.status_code == 202, created.text
        job_id = created.json()["id"]
        job = _wait_for(lambda: client.get(f"/api/v1/jobs/{job_id}", headers=headers).json())
        assert job["status"] == "ready_for_review", job
        assert job["audio_sha256"] == hashlib.sha256(content).hexdigest()
        text = client.get(f"/api/v1/jobs/{job_id}/transcript?format=txt", headers=headers).text
        assert "lovlig" in text

        # The recording is kept only encrypted, and deleted once the transcript is verified.
        vault = client.app.state.intervju.vault  # type: ignore[attr-defined]
        assert vault.read(f"audio-{job_id}") == content
        sample = content[len(content) // 2 : len(content) // 2 + 256]
        models = settings.storage.models_path
        for path in settings.storage.data_dir.rglob("*"):
            if path.is_file() and not path.is_relative_to(models):
                assert sample not in path.read_bytes(), path
        verified = client.post(f"/api/v1/jobs/{job_id}/verify", headers=headers)
        assert verified.status_code == 200, verified.text
        assert verified.json()["status"] == "audio_deleted"
        assert vault.object_ids("audio-") == []
        receipt = client.get(verified.json()["links"]["receipt"], headers=headers).json()
        assert receipt["data"]["audio_sha256"] == job["audio_sha256"]
        again = client.get(f"/api/v1/jobs/{job_id}/transcript?format=txt", headers=headers)
        assert again.status_code == 200 and "lovlig" in again.text


def _wait_for(fetch, timeout: float = 120.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = fetch()
        if job["status"] in ("ready_for_review", "failed"):
            return job
        time.sleep(0.3)
    raise AssertionError("job did not finish")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start_serve(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "service", "serve", "--port", str(port)],
        env={**os.environ, **env},
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )


def test_killed_service_resumes_the_job_exactly_once(env: dict[str, str], tmp_path: Path) -> None:
    samples, _ = build(3, real_only=True)
    recording = write_audio(samples, tmp_path / "intervju.mp3", "-b:a", "64k")
    port, log = _free_port(), tmp_path / "serve.log"
    base = f"http://127.0.0.1:{port}"
    server = _start_serve(env, port, log)
    try:
        token = _wait_token(log)
        headers = {"Authorization": f"Bearer {token}"}
        _wait_listening(base)  # the token is printed before uvicorn binds its port
        with recording.open("rb") as handle:
            job_id = httpx.post(
                f"{base}/api/v1/jobs", headers=headers, files={"file": ("i.mp3", handle)}
            ).json()["id"]
        _poll(base, headers, job_id, lambda j: j["status"] == "transcribing")
        server.send_signal(signal.SIGKILL)  # no chance to clean up
        server.wait(10)
        server = _start_serve(env, port, log)
        finished = ("ready_for_review", "failed")
        job = _poll(base, headers, job_id, lambda j: j["status"] in finished, 300)
        assert job["status"] == "ready_for_review" and job["attempts"] == 2
        jobs = httpx.get(f"{base}/api/v1/jobs", headers=headers).json()
        assert len(jobs["jobs"]) == 1
        text = httpx.get(f"{base}/api/v1/jobs/{job_id}/transcript?format=txt", headers=headers)
        assert "lovlig" in text.text
        sealed = Path(env["INTERVJU_STORAGE__DATA_DIR"]) / "vault" / "data"
        assert {p.name for p in sealed.iterdir()} == {f"audio-{job_id}.sealed"}  # no partial
    finally:
        server.kill()
        server.wait(10)


def _wait_token(log: Path, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        match = re.search(r"ivj_[A-Za-z0-9_-]+", log.read_text(errors="replace"))
        if match:
            return match.group(0)
        time.sleep(0.2)
    raise AssertionError("no token printed")


def _wait_listening(base: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass  # not bound yet
        time.sleep(0.2)
    raise AssertionError("the service never answered /healthz")


def _poll(base: str, headers: dict[str, str], job_id: str, done, timeout: float = 120):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            job = httpx.get(f"{base}/api/v1/jobs/{job_id}", headers=headers, timeout=5).json()
            if done(job):
                return job
        except httpx.TransportError:
            pass  # the server is (re)starting
        time.sleep(0.2)
    raise AssertionError("timed out waiting for the job")
