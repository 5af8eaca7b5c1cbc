"""Offline by construction: a whole job (upload, transcription, verification, audio deletion)
runs while every outgoing connection and name look-up in this process raises, and none is
even tried.

``no_network`` replaces ``socket.socket.connect``/``connect_ex``/``sendto``,
``socket.create_connection``, ``getaddrinfo`` and ``gethostbyname`` for everything but
AF_UNIX sockets (the event loop's self-pipe), and records every attempt. The TestClient talks to
the app in memory, so it needs no socket at all. Child processes (ffmpeg) are outside its
reach.
"""

from __future__ import annotations

import errno
import os
import socket
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.api import create_app
from service.config import Settings, StorageSettings, WorkerSettings
from service.consent.deletion import audio_object
from tests.crash.crash_helpers import API, wait_for
from tests.crash.fake_pipeline import ScriptedPipeline, make_settings, recording

REPO = Path(__file__).resolve().parent.parent
CLIP = "norwegian-medium-8s.mp3"  # Stortinget, CC0: names of representatives in it


@dataclass
class Attempts:
    """Every connection or look-up tried while the guard was on."""

    calls: list[tuple[str, str]] = field(default_factory=list)

    def refuse(self, kind: str, target: Any) -> OSError:
        self.calls.append((kind, repr(target)))
        return OSError(errno.ENETUNREACH, f"the network is off in this test ({kind} {target!r})")



@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[Attempts]:
    attempts = Attempts()
    connect, connect_ex = socket.socket.connect, socket.socket.connect_ex
    sendto = socket.socket.sendto

    def guarded_connect(self: socket.socket, address: Any) -> None:
        if self.family == socket.AF_UNIX:
            return connect(self, address)
        raise attempts.refuse("connect", address)

    def guarded_connect_ex(self: socket.socket, address: Any) -> int:
        if self.family == socket.AF_UNIX:
            return connect_ex(self, address)
        attempts.refuse("connect_ex", address)
        return errno.ENETUNREACH

    def guarded_sendto(self: socket.socket, *args: Any) -> int:
        if self.family == socket.AF_UNIX:
            return sendto(self, *args)
        raise attempts.refuse("sendto", args[-1])

    def refused(kind: str) -> Any:
        def call(target: Any, *args: Any, **kwargs: Any) -> Any:
            raise attempts.refuse(kind, target)

        return call

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", guarded_connect_ex)
    monkeypatch.setattr(socket.socket, "sendto", guarded_sendto)
    for name in ("create_connection", "getaddrinfo", "gethostbyname", "gethostbyname_ex"):
        monkeypatch.setattr(socket, name, refused(name))
    yield attempts


def test_the_guard_refuses_and_records_every_way_out(no_network: Attempts) -> None:
    with pytest.raises(OSError):
        socket.create_connection(("example.org", 443))
    with pytest.raises(OSError):
        socket.getaddrinfo("huggingface.co", 443)
    with socket.socket() as sock, pytest.raises(OSError):
        sock.connect(("127.0.0.1", 9))
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        assert sock.connect_ex(("192.0.2.1", 53)) == errno.ENETUNREACH
        with pytest.raises(OSError):
            sock.sendto(b"x", ("192.0.2.1", 53))
    with pytest.raises(OSError):
        urllib.request.urlopen("http://192.0.2.1/", timeout=1)
    left, right = socket.socketpair()  # AF_UNIX still works (asyncio's self-pipe)
    left.close()
    right.close()
    kinds = [kind for kind, _ in no_network.calls]
    expected = ["create_connection", "getaddrinfo", "connect", "connect_ex", "sendto"]
    assert kinds == [*expected, "create_connection"]  # urllib goes through create_connection


def test_creating_the_app_switches_the_libraries_offline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("HF_HUB_OFFLINE", "PYANNOTE_METRICS_ENABLED", "HF_HUB_DISABLE_TELEMETRY"):
        monkeypatch.delenv(name, raising=False)
    create_app(make_settings(tmp_path / "data"), start_worker=False)
    assert os.environ["HF_HUB_OFFLINE"] == "1"
    assert os.environ["PYANNOTE_METRICS_ENABLED"] == "0"
    assert os.environ["HF_HUB_DISABLE_TELEMETRY"] == "1"


def run_job(client: TestClient, content: bytes, filename: str, timeout: float) -> dict[str, Any]:
    """Upload, wait for the transcript, verify: the job as it ends."""
    _, token = client.app.state.intervju.tokens.create("forsker")  # type: ignore[attr-defined]
    headers = {"Authorization": f"Bearer {token}"}
    created = client.post(API, headers=headers, files={"file": (filename, content)})
    assert created.status_code == 202, created.text
    job_id = created.json()["id"]

    def finished() -> dict[str, Any] | None:
        job: dict[str, Any] = client.get(f"{API}/{job_id}", headers=headers).json()
        return job if job["status"] in ("ready_for_review", "failed") else None

    job = wait_for(finished, timeout, "the transcript")
    assert job["status"] == "ready_for_review", job
    transcript = client.get(f"{API}/{job_id}/transcript?format=json", headers=headers)
    assert transcript.status_code == 200
    vault = client.app.state.intervju.vault  # type: ignore[attr-defined]
    assert vault.exists(audio_object(job_id))
    verified = client.post(f"{API}/{job_id}/verify", headers=headers)
    assert verified.status_code == 200, verified.text
    assert verified.json()["status"] == "audio_deleted"
    assert not vault.object_ids(audio_object(job_id))
    result: dict[str, Any] = {**verified.json(), "transcript": transcript.json()}
    return result


def test_a_whole_job_runs_with_the_network_off(no_network: Attempts, tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data")
    app = create_app(settings, pipeline_factory=lambda s: ScriptedPipeline(s))
    with TestClient(app) as client:
        run_job(client, recording(2.0), "intervju.wav", timeout=10)
    assert no_network.calls == []


def shared_clip(name: str) -> Path:
    for folder in (REPO.parent / "shared" / "data" / "audio", REPO / "samples"):
        if (folder / name).is_file():
            return folder / name
    pytest.skip(f"{name} is not in shared/data/audio or samples/")


@pytest.mark.slow
def test_the_real_pipeline_runs_with_the_network_off(
    models_dir: Path, tmp_path: Path, no_network: Attempts
) -> None:
    """The bundled Whisper base, built-in diarisation and the anonymiser, on a real clip."""
    clip = shared_clip(CLIP)
    settings = Settings(
        storage=StorageSettings(data_dir=tmp_path / "data", models_dir=models_dir),
        worker=WorkerSettings(poll_seconds=0.2),
    )
    assert settings.diarization.enabled and settings.anonymization.enabled
    with TestClient(create_app(settings)) as client:
        job = run_job(client, clip.read_bytes(), clip.name, timeout=600)
    transcript = job["transcript"]
    assert transcript["speakers"] and transcript["diarization"] is not None
    assert transcript["anonymization"] is not None
    assert "tatt sete" in " ".join(s["text"] for s in transcript["segments"]).lower()
    assert no_network.calls == []
