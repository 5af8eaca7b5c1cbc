"""`intervju batch` against an unfriendly folder: formats that share an extension, symlinks,
files that vanish, change or cannot be read, an export that fails, a state file of the wrong
shape."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from batch_helpers import CLIPS, calls, sha256
from click.testing import CliRunner, Result
from test_batch_runner import SpyExporter, make_runner

from service import audit
from service.batch import runner as runner_module
from service.batch.discover import discover
from service.batch.runner import Outcome
from service.batch.state import STATE_NAME
from service.cli.main import cli
from service.errors import IntervjuError
from service.exporters import ExportContext, Exporter
from service.progress import no_op_hook
from service.transcript import Transcript

OUT = "intervju-ut"


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["batch", "--no-progress", *args])


def recordings(state: dict[str, object]) -> dict[str, dict[str, object]]:
    return state["recordings"]  # type: ignore[return-value]


def state_of(folder: Path) -> dict[str, object]:
    return json.loads((folder / OUT / STATE_NAME).read_text())  # type: ignore[no-any-return]


def test_formats_with_the_same_extension_keep_their_own_files(
    project: Path, batch_env: Path
) -> None:
    """maxqda, nvivo and txt are all .txt: a later run must not overwrite an earlier one."""
    for fmt in ("maxqda", "nvivo", "txt"):
        assert run(str(project), "--format", fmt).exit_code == 0
    out = project / OUT
    for record in recordings(state_of(project)).values():
        outputs = record["outputs"]  # type: ignore[index]
        assert len({o["file"] for o in outputs}) == 3, outputs
        for output in outputs:
            assert sha256(out / output["file"]) == output["sha256"], output
    assert (out / "S1.txt").read_text().startswith("[00:00:00]")  # txt keeps its name
    # every output reads back, so a later --auto-verify deletes the recordings
    result = run(str(project), "--format", "txt", "--auto-verify", "--yes")
    assert result.exit_code == 0, result.output
    assert not any(project.glob("Intervju*")), result.output


def test_a_symlinked_recording_is_never_receipted_as_deleted(
    project: Path, batch_env: Path, tmp_path: Path
) -> None:
    """Unlinking a symlink leaves the recording it points to: no receipt may say otherwise."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    name = CLIPS[0][0]
    target = elsewhere / name
    shutil.move(project / name, target)
    (project / "lenke.mp3").symlink_to(target)
    result = run(str(project), "--auto-verify", "--yes")
    assert result.exit_code == 0, result.output
    assert target.exists()
    deleted = [e.data["audio_sha256"] for e in audit.read(batch_env / "audit.log")]
    assert sha256(target) not in deleted
    assert len(deleted) == len(CLIPS) - 1
    row = next(line for line in result.output.splitlines() if line.startswith("lenke.mp3"))
    assert "beholdt" in row


def test_a_symlink_to_a_recording_in_the_folder_does_not_stop_the_run(
    project: Path, batch_env: Path
) -> None:
    name = CLIPS[0][0]
    (project / "zz lenke.mp3").symlink_to(project / name)  # sorts after the recording
    result = run(str(project), "--auto-verify", "--yes")
    assert result.exit_code == 0, result.output
    assert not (project / name).exists()
    assert len(list(audit.read(batch_env / "audit.log"))) == len(CLIPS)


@pytest.mark.parametrize("error", [FileNotFoundError, PermissionError])
def test_a_file_that_cannot_be_read_fails_alone(
    project: Path, call_log: Path, monkeypatch: pytest.MonkeyPatch, error: type[OSError]
) -> None:
    """Gone between listing and hashing, or not readable: reported, the others still done."""
    victim = project / CLIPS[2][0]
    real_hash = runner_module.sha256_file

    def hash_or_fail(path: Path) -> str:
        if path == victim:
            raise error(13, "no", str(path))
        return real_hash(path)

    monkeypatch.setattr(runner_module, "sha256_file", hash_or_fail)
    result = run(str(project))
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert len([e for e, _ in calls(call_log) if e == "end"]) == len(CLIPS) - 1
    row = next(line for line in result.output.splitlines() if line.startswith(victim.name))
    assert "feilet" in row


def test_a_copy_that_vanishes_before_its_deletion_does_not_stop_the_run(
    project: Path, tmp_path: Path
) -> None:
    copy = project / "zz kopi.mp3"
    shutil.copy(project / CLIPS[0][0], copy)
    runner = make_runner(project, SpyExporter(), tmp_path / "audit.log", auto_verify=True)
    items = runner.plan(discover(project, skip=runner.job.out))
    copy.unlink()  # the researcher tidies up while the batch runs
    outcomes = [runner.run(item, no_op_hook) for item in items]
    assert [r.outcome for r in outcomes].count(Outcome.DONE) == len(CLIPS)
    assert not outcomes[-1].deleted


def test_an_export_that_fails_counts_as_a_failed_recording(project: Path, tmp_path: Path) -> None:
    spy = SpyExporter()

    def render(transcript: Transcript, context: ExportContext) -> bytes:
        if context.informant_code == "S2":
            raise ValueError("All strings must be XML compatible")
        return spy.render(transcript, context)

    spy.exporter = Exporter("spy", "text/plain", "txt", "spy", render)
    runner = make_runner(project, spy, tmp_path / "audit.log", auto_verify=True)
    items = runner.plan(discover(project, skip=runner.job.out))
    results = [runner.run(item, no_op_hook) for item in items]
    assert [r.outcome for r in results] == [
        Outcome.DONE,
        Outcome.FAILED,
        Outcome.DONE,
        Outcome.DONE,
        Outcome.DONE,
    ]
    assert results[1].item.path.exists(), "a recording without a transcript is never deleted"
    assert isinstance(results[1].error, IntervjuError)
    assert runner.state.records[results[1].item.sha256].status == "failed"


def test_a_recording_that_changes_while_it_is_processed_is_not_recorded_as_done(
    project: Path, tmp_path: Path, clips: dict[str, Path]
) -> None:
    """Still being copied when planned: its transcript is not filed under the old content."""
    runner = make_runner(project, SpyExporter(), tmp_path / "audit.log")
    items = runner.plan(discover(project, skip=runner.job.out))
    first = items[0]
    shutil.copy(clips["extra.wav"], first.path)  # the copy finished after the plan
    result = runner.run(first, no_op_hook)
    assert result.outcome is Outcome.FAILED
    assert runner.state.records.get(first.sha256) is None or not runner.state.records[
        first.sha256
    ].done_for("spy")
    # the next run takes the recording as it is now, under the code the first run gave up
    runner = make_runner(project, SpyExporter(), tmp_path / "audit.log")
    items = runner.plan(discover(project, skip=runner.job.out))
    assert runner.run(items[0], no_op_hook).informant == "S1"


@pytest.mark.parametrize(
    "content",
    ["", "[]", "null", '{"format": "intervju-batch-state", "version": 1, "recordings": []}',
     '{"format": "intervju-batch-state", "version": 1, "recordings": {"ab": []}}',
     '{"format": "intervju-batch-state", "version": 2, "recordings": {}}'],
)  # fmt: skip
def test_a_state_file_of_the_wrong_shape_is_refused_with_a_message(
    project: Path, content: str
) -> None:
    (project / OUT).mkdir()
    (project / OUT / STATE_NAME).write_text(content)
    result = run(str(project))
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit), result.exception
    assert "Tilstandsfilen" in result.output


def test_the_output_folder_cannot_hold_the_recordings_folder(project: Path) -> None:
    """--out equal to the folder would skip every recording and say there are none."""
    for out in (project, project.parent):
        result = run(str(project), "--out", str(out))
        assert result.exit_code == 2, result.output
        assert "--out" in result.output


def test_a_run_killed_after_logging_a_receipt_does_not_log_it_twice(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Killed between the audit entry and the state saying so: the next run finds the entry."""
    log = tmp_path / "audit.log"
    real_document = runner_module.receipts.document

    def killed(entry: audit.Entry) -> dict[str, object]:
        raise SystemExit("killed after the audit entry, before the copy and the state")

    monkeypatch.setattr(runner_module.receipts, "document", killed)
    runner = make_runner(project, SpyExporter(), log, auto_verify=True)
    items = runner.plan(discover(project, skip=runner.job.out))
    with pytest.raises(SystemExit):
        runner.run(items[0], no_op_hook)
    assert len(list(audit.read(log))) == 1

    monkeypatch.setattr(runner_module.receipts, "document", real_document)
    runner = make_runner(project, SpyExporter(), log)
    runner.plan(discover(project, skip=runner.job.out))
    assert len(list(audit.read(log))) == 1, "one deletion, one receipt"
    record = runner.state.records[items[0].sha256]
    assert record.deleting is None and [r.seq for r in record.receipts] == [1]
    assert (project / "ut" / record.receipts[0].file).exists()


def test_symlink_loops_and_dangling_links_are_left_out(project: Path) -> None:
    (project / "a.mp3").symlink_to(project / "b.mp3")
    (project / "b.mp3").symlink_to(project / "a.mp3")
    (project / "selv.txt").symlink_to(project / "selv.txt")  # not even a recording
    (project / "borte.wav").symlink_to(project / "finnes ikke.wav")
    (project / "under").mkdir()
    (project / "under" / "opp").symlink_to(project)  # a folder loop
    found = discover(project, skip=project / OUT)
    assert sorted(p.name for p in found) == sorted(name for name, _, _ in CLIPS)
    result = run(str(project))
    assert result.exit_code == 0, result.output


def test_only_the_batch_own_leftovers_are_removed(project: Path, tmp_path: Path) -> None:
    """--out may be a folder other programs use too: their temporary files are not ours."""
    out = tmp_path / "Dokumenter"
    (out / "kvitteringer").mkdir(parents=True)
    theirs = [out / ".~lock.Notat.odt#.tmp", out / ".sikkerhetskopi.tmp"]
    ours = [
        out / ".S3.docx.tmp",
        out / f".{STATE_NAME}.tmp",
        out / "kvitteringer" / ".batch-0123456789abcdef-4.json.tmp",
    ]
    for path in [*theirs, *ours]:
        path.write_text("x")
    assert run(str(project), "--out", str(out)).exit_code == 0
    assert all(path.exists() for path in theirs)
    assert not any(path.exists() for path in ours)
