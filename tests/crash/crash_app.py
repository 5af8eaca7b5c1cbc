"""The service as the crash tests kill it: the real app (``create_app``) with the fake pipeline,
served by uvicorn on a free loopback port, and SIGKILLed at one chosen point.

The point comes from the environment variable ``INTERVJU_TEST_KILL_AT`` (read here and nowhere
else); ``install_kill_point`` wraps the one function it names so that the process sends itself
``SIGKILL`` right before or after the call (``KILL_POINTS`` lists them). Nothing is cleaned up:
no ``finally`` runs, no buffer is flushed, no lock is released by the process.

Two ways to run it:

- ``crash_app.py serve DATA_DIR READY_FILE LOG_FILE``: one server; the kill point from this
  process's environment.
- ``crash_app.py zygote``: imports everything once, then for each JSON line on stdin
  (``{"data_dir", "ready", "log", "env"}``) forks a server with ``env`` applied to its
  environment and reports ``{"pid"}``, then ``{"pid", "signal", "code"}`` when it has died, on
  stdout. Forking from a warm process saves the ~2 s of imports each run would otherwise pay.

Once the app's tables exist the server writes READY_FILE: ``{"port", "token", "pid"}``.
"""

from __future__ import annotations

import functools
import json
import os
import signal
import socket
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import uvicorn  # noqa: E402

from service import audit, vault  # noqa: E402
from service.api import create_app  # noqa: E402
from service.consent import Consent  # noqa: E402
from service.jobs import JobStore  # noqa: E402
from service.vault import SealedWriter, Vault  # noqa: E402
from tests.crash.fake_pipeline import ScriptedPipeline, make_settings  # noqa: E402

KILL_ENV = "INTERVJU_TEST_KILL_AT"
MID_BODY_BYTES = 512 * 1024  # "upload.mid_body" kills once this much of the file is stored
TOKEN_NAME = "crash"

KILL_POINTS = (
    "upload.mid_body",  # the recording half written (a .partial in the vault)
    "upload.after_commit",  # the recording sealed and durable, no job row yet
    "upload.after_create",  # the job row written (uploaded), not queued, no 202 sent
    "pipeline.decoding",
    "pipeline.transcribing",
    "pipeline.diarizing",
    "pipeline.anonymizing",
    "pipeline.after_finish",  # the transcript stored, ready_for_review
    "verify.before_mark_verified",  # the transcript re-read and checked, not yet marked
    "verify.after_mark_verified",  # verified, the audio not yet touched
    "verify.mid_shred",  # the data key destroyed, the ciphertext still on disk
    "verify.after_shred",  # the audio shredded, no receipt yet
    "verify.after_receipt",  # the receipt in the audit log, the job not yet audio_deleted
    "verify.after_audio_deleted",  # done, the HTTP answer not yet sent
    "purge.after_shred",  # withdrawal: the audio shredded, the job not yet withdrawn
    "purge.after_withdraw",  # withdrawn, no receipt yet
    "purge.after_receipt",  # the receipt in the log, not yet on the job
)

_phase = {"name": ""}  # "verify" or "purge" while Consent does that (requests are sequential)
_in_shred = threading.local()


def kill_now(point: str) -> None:
    os.write(2, f"KILL {point}\n".encode())
    os.kill(os.getpid(), signal.SIGKILL)


def _wrap(
    owner: Any,
    name: str,
    *,
    before: Callable[..., bool] | None = None,
    after: Callable[..., bool] | None = None,
    point: str,
) -> None:
    """Make ``owner.name`` kill the process before the call when ``before(*args)`` holds, or
    after it when ``after(result, *args)`` holds."""
    original = getattr(owner, name)

    @functools.wraps(original)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if before is not None and before(*args, **kwargs):
            kill_now(point)
        result = original(*args, **kwargs)
        if after is not None and after(result, *args, **kwargs):
            kill_now(point)
        return result

    setattr(owner, name, wrapper)


def _track_phase(name: str) -> None:
    original = getattr(Consent, name)

    @functools.wraps(original)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        _phase["name"] = name
        try:
            return original(*args, **kwargs)
        finally:
            _phase["name"] = ""

    setattr(Consent, name, wrapper)


def _in(phase: str) -> Callable[..., bool]:
    return lambda *args, **kwargs: _phase["name"] == phase


def install_kill_point(point: str) -> StepKill:
    """Wrap what ``point`` names; returns the pipeline's step callback."""
    if point and point not in KILL_POINTS:
        raise SystemExit(f"unknown kill point {point!r}")
    _track_phase("verify")
    _track_phase("purge")
    if point == "upload.mid_body":
        _wrap(
            SealedWriter,
            "write",
            after=lambda result, writer, data: writer.size >= MID_BODY_BYTES,
            point=point,
        )
    elif point == "upload.after_commit":
        _wrap(SealedWriter, "commit", after=lambda *a, **k: True, point=point)
    elif point == "upload.after_create":
        _wrap(JobStore, "create", after=lambda *a, **k: True, point=point)
    elif point == "pipeline.after_finish":
        _wrap(JobStore, "finish", after=lambda *a, **k: True, point=point)
    elif point == "verify.before_mark_verified":
        _wrap(JobStore, "mark_verified", before=lambda *a, **k: True, point=point)
    elif point == "verify.after_mark_verified":
        _wrap(JobStore, "mark_verified", after=lambda *a, **k: True, point=point)
    elif point == "verify.mid_shred":
        _kill_between_key_and_data(point)
    elif point == "verify.after_shred":
        _wrap(Vault, "shred", after=_in("verify"), point=point)
    elif point == "verify.after_receipt":
        _wrap(audit, "append", after=_in("verify"), point=point)
    elif point == "verify.after_audio_deleted":
        _wrap(JobStore, "mark_audio_deleted", after=lambda *a, **k: True, point=point)
    elif point == "purge.after_shred":
        _wrap(Vault, "shred", after=_in("purge"), point=point)
    elif point == "purge.after_withdraw":
        _wrap(JobStore, "withdraw", after=lambda *a, **k: True, point=point)
    elif point == "purge.after_receipt":
        _wrap(audit, "append", after=_in("purge"), point=point)
    return StepKill(point)


def _kill_between_key_and_data(point: str) -> None:
    """``Vault.shred`` unlinks the key, fsyncs its directory, then unlinks the data: die at
    that first fsync, while verifying."""
    shred = Vault.shred
    fsync_dir = vault.fsync_dir

    def tracked_shred(self: Vault, object_id: str) -> None:
        _in_shred.active = True
        try:
            shred(self, object_id)
        finally:
            _in_shred.active = False

    def deadly_fsync(path: Path) -> None:
        fsync_dir(path)
        if getattr(_in_shred, "active", False) and _phase["name"] == "verify":
            kill_now(point)

    Vault.shred = tracked_shred  # type: ignore[method-assign]
    vault.fsync_dir = deadly_fsync  # type: ignore[attr-defined]


class StepKill:
    """The fake pipeline's ``on_step``: dies inside step ``pipeline.<step>`` if chosen."""

    def __init__(self, point: str) -> None:
        self.point = point

    def __call__(self, step: str) -> None:
        if self.point == f"pipeline.{step}":
            kill_now(self.point)


def serve(data_dir: Path, ready: Path) -> None:
    on_step = install_kill_point(os.environ.get(KILL_ENV, ""))
    settings = make_settings(data_dir)
    app = create_app(settings, pipeline_factory=lambda s: ScriptedPipeline(s, on_step))
    state = app.state.intervju
    state.db.upgrade()
    token_file = data_dir.parent / "token"
    if token_file.exists():
        token = token_file.read_text()
    else:
        _, token = state.tokens.create(TOKEN_NAME)
        token_file.write_text(token)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    info = {"port": sock.getsockname()[1], "token": token, "pid": os.getpid()}
    partial = ready.with_suffix(".tmp")
    partial.write_text(json.dumps(info))
    partial.rename(ready)
    config = uvicorn.Config(app, log_level="warning", lifespan="on", access_log=False)
    uvicorn.Server(config).run(sockets=[sock])


def _redirect(log: Path) -> None:
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)


def zygote() -> None:
    out = sys.stdout
    out.write(json.dumps({"ready": True}) + "\n")
    out.flush()
    for line in sys.stdin:
        if not line.strip():
            continue
        command = json.loads(line)
        pid = os.fork()
        if pid == 0:  # the server
            code = 1
            try:
                _redirect(Path(command["log"]))
                os.environ.update(command.get("env", {}))
                serve(Path(command["data_dir"]), Path(command["ready"]))
                code = 0
            finally:
                os._exit(code)
        out.write(json.dumps({"pid": pid}) + "\n")
        out.flush()
        _, status = os.waitpid(pid, 0)
        died = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
        code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else None
        out.write(json.dumps({"pid": pid, "signal": died, "code": code}) + "\n")
        out.flush()


def main(argv: list[str]) -> None:
    if argv[:1] == ["zygote"]:
        zygote()
    elif argv[:1] == ["serve"] and len(argv) == 4:
        _redirect(Path(argv[3]))
        serve(Path(argv[1]), Path(argv[2]))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
