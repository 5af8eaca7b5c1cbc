"""The batch engine on its own: discovery, export contexts, a deletion cut short by a crash."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from batch_helpers import CLIPS, LoggingPipeline

from service import audit
from service.batch import runner as runner_module
from service.batch.discover import discover, sha256_file
from service.batch.runner import BatchJob, Outcome, Runner
from service.batch.state import BatchState, Status
from service.config import Settings
from service.exporters import ExportContext, Exporter
from service.options import JobOptions
from service.progress import no_op_hook
from service.transcript import Transcript


class SpyExporter:
    """Remembers every context it rendered with."""

    def __init__(self) -> None:
        self.contexts: list[ExportContext] = []
        self.exporter = Exporter("spy", "text/plain", "txt", "spy", self.render)

    def render(self, transcript: Transcript, context: ExportContext) -> bytes:
        self.contexts.append(context)
        return f"{context.informant_code} {len(transcript.segments)}\n".encode()


def make_runner(
    folder: Path, spy: SpyExporter, audit_path: Path, *, auto_verify: bool = False
) -> Runner:
    out = folder / "ut"
    out.mkdir(exist_ok=True)
    job = BatchJob(
        out=out,
        options=JobOptions(),
        exporter=spy.exporter,
        context=ExportContext(project="Hjemmetjenesten", line_numbers=True),
        audit_path=audit_path,
        auto_verify=auto_verify,
    )
    pipeline = LoggingPipeline(Settings(storage={"data_dir": folder / "data"}))
    return Runner(job, BatchState.load(out, "Hjemmetjenesten"), pipeline)


def run_all(runner: Runner, folder: Path) -> list[Outcome]:
    items = runner.plan(discover(folder, skip=runner.job.out))
    return [runner.run(item, no_op_hook).outcome for item in items]


def test_discover_finds_recordings_by_extension_in_any_case(tmp_path: Path) -> None:
    for name in ["a.MP3", "b/c.wma", "b/d.DSS", "e.txt", ".f.mp3", ".g/h.mp3", "ut/i.mp3", "j"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"x")
    found = discover(tmp_path, skip=tmp_path / "ut")
    assert [p.relative_to(tmp_path).as_posix() for p in found] == ["a.MP3", "b/c.wma", "b/d.DSS"]


def test_sha256_is_streamed_and_exact(tmp_path: Path) -> None:
    import hashlib

    data = bytes(range(256)) * 9000  # more than one chunk
    (tmp_path / "a.wav").write_bytes(data)
    assert sha256_file(tmp_path / "a.wav") == hashlib.sha256(data).hexdigest()


def test_informant_codes_and_project_reach_the_exporter_and_stay(
    project: Path, tmp_path: Path, clips: dict[str, Path]
) -> None:
    spy = SpyExporter()
    assert run_all(make_runner(project, spy, tmp_path / "audit.log"), project) == [Outcome.DONE] * 5
    assert [c.informant_code for c in spy.contexts] == ["S1", "S2", "S3", "S4", "S5"]
    assert {(c.project, c.line_numbers) for c in spy.contexts} == {("Hjemmetjenesten", True)}
    # a new recording gets the next code; the others keep theirs (state read from disk)
    shutil.copy(clips["extra.wav"], project / "Intervju 0 ny.wav")  # sorts first
    spy = SpyExporter()
    outcomes = run_all(make_runner(project, spy, tmp_path / "audit.log"), project)
    assert outcomes == [Outcome.DONE] + [Outcome.SKIPPED] * 5
    assert [c.informant_code for c in spy.contexts] == ["S6"]
    assert (project / "ut" / "S6-spy.txt").read_text() == "S6 2\n"  # spy shares .txt


def test_a_deletion_cut_short_before_its_receipt_is_finished_by_the_next_run(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "audit.log"
    real_append = audit.append

    def crash(*args: object, **kwargs: object) -> None:
        raise SystemExit("killed after the unlink, before the receipt")

    monkeypatch.setattr(runner_module.audit, "append", crash)
    runner = make_runner(project, SpyExporter(), log, auto_verify=True)
    items = runner.plan(discover(project, skip=runner.job.out))
    with pytest.raises(SystemExit):
        runner.run(items[0], no_op_hook)
    assert not items[0].path.exists()
    assert runner.state.records[items[0].sha256].deleting is not None
    assert not log.exists()

    monkeypatch.setattr(runner_module.audit, "append", real_append)
    runner = make_runner(project, SpyExporter(), log)  # even without --auto-verify
    runner.plan(discover(project, skip=runner.job.out))
    entries = list(audit.read(log))
    assert [e.data["audio_sha256"] for e in entries] == [items[0].sha256]
    record = runner.state.records[items[0].sha256]
    assert record.deleting is None and record.status is Status.DONE
    assert [r.seq for r in record.receipts] == [1]
    assert (project / "ut" / record.receipts[0].file).exists()
    runner.plan(discover(project, skip=runner.job.out))  # no second receipt
    assert len(list(audit.read(log))) == 1
    assert len([p for p in project.iterdir() if p.is_file()]) == len(CLIPS) - 1


def test_a_deletion_that_did_not_happen_is_not_receipted(project: Path, tmp_path: Path) -> None:
    log = tmp_path / "audit.log"
    runner = make_runner(project, SpyExporter(), log, auto_verify=True)
    items = runner.plan(discover(project, skip=runner.job.out))

    def crash(self: Path) -> None:
        raise SystemExit("killed before the unlink")

    with pytest.MonkeyPatch.context() as patch, pytest.raises(SystemExit):
        patch.setattr(Path, "unlink", crash)
        runner.run(items[0], no_op_hook)
    runner = make_runner(project, SpyExporter(), log)
    runner.plan(discover(project, skip=runner.job.out))
    assert not log.exists()
    assert runner.state.records[items[0].sha256].deleting is None
    assert items[0].path.exists()
