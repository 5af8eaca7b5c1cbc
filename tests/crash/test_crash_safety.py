"""SIGKILL the service at every step that matters, restart it on the same data directory, and
check the consent form's promises still hold.

Each case forks a real server (``crash_app.py``: ``create_app`` with the fake pipeline, served
by uvicorn on a loopback port) that kills itself with ``SIGKILL`` at one point; a client runs
the scenario over HTTP until the connection breaks: upload A and B, wait for both transcripts,
withdraw B (purge), verify A (its audio is then deleted). The dead server's data directory is
checked as it was left, then the app is started again in this process and must:

- keep every upload the client got a 202 for (the job exists and finishes);
- never have deleted a recording before its transcript was verified (or the job withdrawn);
- keep every verified transcript readable with the checksum it was verified with;
- finish every interrupted deletion at start: a verified job ends ``audio_deleted`` with exactly
  one receipt, a withdrawn job has exactly one receipt;
- leave no partial file and no recording without a job;
- keep the audit log's chain intact.

Finally the scenario is completed after the restart (withdraw B, verify the rest) and the end
state checked the same way.
"""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from service import audit
from service.api import create_app
from service.config import Settings
from service.jobs import JobRecord, JobStatus
from tests.crash.crash_app import KILL_ENV, KILL_POINTS
from tests.crash.crash_helpers import (
    API,
    CRASH_APP,
    ROOT,
    SETTLED,
    Server,
    Zygote,
    all_jobs,
    child_env,
    invariants,
    offline_store,
    orphans,
    receipt_problems,
    wait_for,
    wait_ready,
)
from tests.crash.fake_pipeline import ScriptedPipeline, make_settings, recording

# Kill points where a promise is known to break (none: keep this to mark a regression found).
KNOWN_BUGS: dict[str, str] = {}
CASES = [
    pytest.param(point, marks=pytest.mark.xfail(strict=True, reason=KNOWN_BUGS[point]))
    if point in KNOWN_BUGS
    else point
    for point in KILL_POINTS
]


@pytest.fixture(scope="module")
def zygote() -> Iterator[Zygote]:
    forks = Zygote()
    try:
        yield forks
    finally:
        forks.close()


def scenario(server: Server, accepted: list[str]) -> None:
    """Upload A (1 MB) and B, wait for both transcripts, withdraw B, verify A."""
    with httpx.Client(base_url=server.base, headers=server.headers, timeout=10) as http:
        for n, seconds in enumerate((32.0, 2.0)):
            files = {"file": (f"intervju-{n}.wav", recording(seconds), "audio/wav")}
            response = http.post(API, files=files)
            assert response.status_code == 202, response.text
            accepted.append(response.json()["id"])
        for job_id in accepted:
            wait_for(
                lambda job_id=job_id: (
                    http.get(f"{API}/{job_id}").json()["status"] == "ready_for_review"
                ),
                what=f"job {job_id}",
            )
        first, second = accepted
        purged = http.delete(f"{API}/{second}", params={"purge": "true"})
        assert purged.status_code == 200, purged.text
        verified = http.post(f"{API}/{first}/verify")
        assert verified.status_code == 200, verified.text
        assert verified.json()["status"] == "audio_deleted"


def crash(zygote: Zygote, tmp_path: Path, point: str) -> tuple[Settings, str, list[str]]:
    """Run the scenario against a server that dies at ``point``; the uploads that got a 202."""
    data_dir, ready, log = tmp_path / "data", tmp_path / "ready.json", tmp_path / "server.log"
    pid = zygote.spawn(data_dir, ready, log, point)
    server = wait_ready(ready, log)
    accepted: list[str] = []
    with contextlib.suppress(httpx.TransportError):  # the server died: what this is about
        scenario(server, accepted)
    ended = zygote.wait_exit(pid, timeout=10.0)
    output = log.read_text(errors="replace")
    assert not ended.get("killed_by_test"), f"{point} was never reached:\n{output}"
    assert ended["signal"] == 9 and f"KILL {point}" in output, (ended, output)
    return make_settings(data_dir), server.token, accepted


def settle(client: TestClient) -> dict[str, JobRecord]:
    store = client.app.state.intervju.jobs  # type: ignore[attr-defined]

    def settled() -> list[dict[str, JobRecord]]:
        jobs = all_jobs(store)
        return [jobs] if all(job.status in SETTLED for job in jobs.values()) else []

    result: dict[str, JobRecord] = wait_for(settled, what="every job to finish")[0]
    return result


def finish_scenario(client: TestClient, token: str, accepted: list[str]) -> None:
    """Withdraw B (again: it is idempotent) and verify every other job in review."""
    headers = {"Authorization": f"Bearer {token}"}
    store = client.app.state.intervju.jobs  # type: ignore[attr-defined]
    if len(accepted) == 2:
        response = client.delete(f"{API}/{accepted[1]}", params={"purge": "true"}, headers=headers)
        assert response.status_code == 200, response.text
    for job in all_jobs(store).values():
        if job.status is JobStatus.READY_FOR_REVIEW:
            response = client.post(f"{API}/{job.id}/verify", headers=headers)
            assert response.status_code == 200, response.text


@pytest.mark.parametrize("point", CASES)
def test_a_crash_breaks_no_promise(zygote: Zygote, tmp_path: Path, point: str) -> None:
    check_recovery(*crash(zygote, tmp_path, point))


def test_a_server_started_on_its_own_is_killed_where_told(tmp_path: Path) -> None:
    """The same without the forking helper: ``crash_app.py serve`` with the kill point in its
    environment, between the receipt and the job's ``audio_deleted``."""
    data_dir, ready, log = tmp_path / "data", tmp_path / "ready.json", tmp_path / "server.log"
    point = "verify.after_receipt"
    command = [sys.executable, str(CRASH_APP), "serve", str(data_dir), str(ready), str(log)]
    process = subprocess.Popen(command, cwd=ROOT, env={**child_env(), KILL_ENV: point})
    try:
        server = wait_ready(ready, log, timeout=60.0)
        accepted: list[str] = []
        with pytest.raises(httpx.TransportError):
            scenario(server, accepted)
        assert process.wait(10) == -signal.SIGKILL
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
    assert f"KILL {point}" in log.read_text(errors="replace")
    check_recovery(make_settings(data_dir), server.token, accepted)


def receipt_facts(job: JobRecord, document: dict[str, Any]) -> list[str]:
    """What a receipt states must be what happened, crash or not."""
    data = document["data"]
    if job.status is JobStatus.WITHDRAWN:  # B, withdrawn from review with one version
        stated = (data["status_before"], data["audio_deleted"], data["transcript_versions_deleted"])
        if stated != ("ready_for_review", True, 1):
            return [f"says status_before, audio_deleted, versions = {stated}"]
        return []
    stated = (data["reason"], data["audio_sha256"], data["transcript_sha256"])
    if stated != ("verified", job.audio_sha256, job.verified_sha256):
        return [f"says reason, audio_sha256, transcript_sha256 = {stated}"]
    return []


def check_recovery(settings: Settings, token: str, accepted: list[str]) -> None:
    data_dir = settings.storage.data_dir
    problems: list[str] = []

    with offline_store(settings) as (store, vault):  # as the crash left it
        before = all_jobs(store)
        found = invariants(store, vault, before, crashed=True)
        problems += [f"after the crash: {p}" for p in found]
    assert set(accepted) <= set(before), "an accepted upload was lost"

    app = create_app(settings, pipeline_factory=lambda s: ScriptedPipeline(s))
    with TestClient(app) as client:
        state = client.app.state.intervju  # type: ignore[attr-defined]
        started = all_jobs(state.jobs)  # prepare() has run: recovery and complete_pending
        for job_id, job in before.items():
            if job.status is JobStatus.VERIFIED:
                assert started[job_id].status is JobStatus.AUDIO_DELETED, job_id
        assert not [j for j in started.values() if j.status is JobStatus.VERIFIED]
        problems += [f"after the restart: {p}" for p in orphans(data_dir, state.vault, started)]
        problems += [
            f"after the restart: {p}"
            for p in receipt_problems(settings.storage.audit_path, started)
        ]

        settled = settle(client)
        assert set(accepted) <= set(settled)
        assert not [j.id for j in settled.values() if j.status is JobStatus.FAILED]
        problems += [f"settled: {p}" for p in invariants(state.jobs, state.vault, settled)]

        finish_scenario(client, token, accepted)
        end = all_jobs(state.jobs)
        headers = {"Authorization": f"Bearer {token}"}
        for job in end.values():
            if job.status is JobStatus.AUDIO_DELETED:
                text = client.get(f"{API}/{job.id}/transcript?format=txt", headers=headers)
                assert text.status_code == 200 and "Kan du fortelle" in text.text
        problems += [f"at the end: {p}" for p in invariants(state.jobs, state.vault, end)]
        problems += [f"at the end: {p}" for p in orphans(data_dir, state.vault, end)]
        problems += [f"at the end: {p}" for p in receipt_problems(settings.storage.audit_path, end)]
        assert {j.status for j in end.values()} <= {JobStatus.AUDIO_DELETED, JobStatus.WITHDRAWN}
        assert state.vault.object_ids("audio-") == []
        held: dict[int, str] = {}  # the receipts handed out
        for job in end.values():
            document = client.get(f"{API}/{job.id}/receipt", headers=headers).json()
            held[int(document["seq"])] = str(document["hash"])
            problems += [f"receipt of {job.id}: {p}" for p in receipt_facts(job, document)]

    checked = audit.verify(settings.storage.audit_path, held)
    assert checked.ok and checked.entries == len(end), checked
    assert not problems, "\n".join(problems)
