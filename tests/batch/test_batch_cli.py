"""`intervju batch` in-process with the fake pipeline: skipping by content, failures, deletion
with receipts, the summary table."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from batch_helpers import CLIPS, calls, sha256
from click.testing import CliRunner, Result

from service import audit
from service.batch.state import STATE_NAME, locked
from service.cli.main import cli

OUT = "intervju-ut"


def run(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(cli, ["batch", "--no-progress", *args], input=input)


def starts(log: Path) -> list[str]:
    return [sha for event, sha in calls(log) if event == "start"]


def state_of(folder: Path) -> dict:  # type: ignore[type-arg]
    return json.loads((folder / OUT / STATE_NAME).read_text())["recordings"]


def test_every_recording_is_transcribed_once_and_named_by_informant_code(
    project: Path, call_log: Path
) -> None:
    result = run(str(project))
    assert result.exit_code == 0, result.output
    shas = [sha256(project / name) for name, _, _ in CLIPS]
    assert sorted(starts(call_log)) == sorted(shas)
    out = project / OUT
    assert sorted(p.name for p in out.glob("*.txt")) == [f"S{n}.txt" for n in range(1, 6)]
    state = state_of(project)
    # codes in the order the files were processed (sorted by path)
    order = sorted(CLIPS, key=lambda clip: clip[0])
    assert [state[sha256(project / name)]["informant"] for name, _, _ in order] == [
        "S1",
        "S2",
        "S3",
        "S4",
        "S5",
    ]
    assert all(r["status"] == "done" for r in state.values())
    # the second run finds everything done
    again = run(str(project))
    assert again.exit_code == 0
    assert len(starts(call_log)) == 5
    assert again.output.count("hoppet over") == 5


def test_a_copy_under_another_name_is_processed_once(project: Path, call_log: Path) -> None:
    name = CLIPS[0][0]
    (project / "kopier").mkdir()
    shutil.copy(project / name, project / "kopier" / "samme opptak.MP3")
    result = run(str(project))
    assert result.exit_code == 0, result.output
    assert len(starts(call_log)) == 5
    assert starts(call_log).count(sha256(project / name)) == 1
    row = next(line for line in result.output.splitlines() if "samme opptak" in line)
    assert "hoppet over" in row
    # renamed later: still not processed again
    (project / name).rename(project / "nytt navn.mp3")
    assert run(str(project)).exit_code == 0
    assert len(starts(call_log)) == 5


def test_a_changed_recording_is_processed_again(
    project: Path, call_log: Path, clips: dict[str, Path]
) -> None:
    assert run(str(project)).exit_code == 0
    target = project / CLIPS[2][0]
    shutil.copy(clips["extra.wav"], target)  # same name, other content
    result = run(str(project))
    assert result.exit_code == 0, result.output
    assert len(starts(call_log)) == 6
    assert starts(call_log)[-1] == sha256(target)
    assert state_of(project)[sha256(target)]["informant"] == "S6"
    assert result.output.count("ferdig") == 1 and result.output.count("hoppet over") == 4


def test_a_failed_recording_is_reported_kept_and_tried_again(
    project: Path, call_log: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BATCH_FAKE_FAIL", "Per Olsen")
    (project / "ikke lyd.mp3").write_bytes(b"not audio at all" * 100)
    result = run(str(project), "--auto-verify", "--yes")
    assert result.exit_code == 1
    failed = [line for line in result.output.splitlines() if "feilet" in line]
    assert len(failed) == 2 and any(line.startswith("ikke lyd.mp3 ") for line in failed)
    assert "Intervju Per Olsen.WAV: Filen kunne ikke leses som et lydopptak" in result.output
    assert (project / "Intervju Per Olsen.WAV").exists()  # never deleted
    assert (project / "ikke lyd.mp3").exists()
    assert sorted(p.name for p in project.iterdir() if p.is_file()) == [
        "Intervju Per Olsen.WAV",
        "ikke lyd.mp3",
    ]
    state = state_of(project)
    assert sorted(r["status"] for r in state.values()) == ["done"] * 4 + ["failed"] * 2
    assert len(starts(call_log)) == 5  # the one that is not audio never reached the pipeline
    # the next run tries the failed one again, under the same informant code
    code = state[sha256(project / "Intervju Per Olsen.WAV")]["informant"]
    monkeypatch.delenv("BATCH_FAKE_FAIL")
    again = run(str(project))
    assert again.exit_code == 1  # "ikke lyd.mp3" still fails
    assert len(starts(call_log)) == 6
    assert state_of(project)[sha256(project / "Intervju Per Olsen.WAV")]["informant"] == code


def test_auto_verify_deletes_the_transcribed_recordings_with_a_receipt_each(
    project: Path, batch_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BATCH_FAKE_FAIL", "Lise Berg")
    sizes = {sha256(project / name): (project / name).stat().st_size for name, _, _ in CLIPS}
    result = run(str(project), "--auto-verify", "--yes")
    assert result.exit_code == 1
    assert "ADVARSEL" in result.output
    assert [p.name for p in project.iterdir() if p.is_file()] == ["Intervju Lise Berg.ogg"]
    entries = list(audit.read(batch_env / "audit.log"))
    assert len(entries) == 4
    kept = sha256(project / "Intervju Lise Berg.ogg")
    assert {e.data["audio_sha256"] for e in entries} == set(sizes) - {kept}
    for entry in entries:
        assert entry.kind == "audio_deleted"
        assert entry.data["reason"] == "batch_auto_verify"
        assert entry.data["audio_bytes"] == sizes[entry.data["audio_sha256"]]
        assert entry.data["audio_seconds"] > 0.3
        assert entry.data["job"] == f"batch-{entry.data['audio_sha256'][:16]}"
    receipt_files = sorted((project / OUT / "kvitteringer").glob("*.json"))
    assert len(receipt_files) == 4
    args = [arg for f in receipt_files for arg in ("--receipt", str(f))]
    verified = CliRunner().invoke(cli, ["audit", "verify", *args])
    assert verified.exit_code == 0, verified.output
    # no file name, no folder name in the receipts, the audit log or the state
    texts = [f.read_text() for f in receipt_files]
    texts += [(batch_env / "audit.log").read_text(), (project / OUT / STATE_NAME).read_text()]
    for text in texts:
        for name, _, _ in CLIPS:
            assert Path(name).stem not in text and "Nordmann" not in text
    for text in texts[:-1]:  # the state keeps the project's name, the receipts do not
        assert "Hjemmetjenesten" not in text


def test_a_second_auto_verify_run_does_not_write_receipts_twice(
    project: Path, batch_env: Path
) -> None:
    assert run(str(project), "--auto-verify", "--yes").exit_code == 0
    assert run(str(project), "--auto-verify", "--yes").exit_code == 0
    assert len(list(audit.read(batch_env / "audit.log"))) == 5


def test_auto_verify_on_a_later_run_deletes_recordings_done_before(
    project: Path, batch_env: Path, call_log: Path
) -> None:
    assert run(str(project)).exit_code == 0
    (project / OUT / "S2.txt").write_text("endret")  # no longer what was written
    result = run(str(project), "--auto-verify", "--yes")
    assert result.exit_code == 0, result.output
    assert len(starts(call_log)) == 5
    left = [p.name for p in project.iterdir() if p.is_file()]
    assert len(left) == 1  # the recording of S2 is kept: its output does not read back
    assert len(list(audit.read(batch_env / "audit.log"))) == 4


def test_without_auto_verify_nothing_is_deleted(project: Path, batch_env: Path) -> None:
    before = sorted(p.name for p in project.iterdir() if p.is_file())
    assert run(str(project)).exit_code == 0
    assert sorted(p.name for p in project.iterdir() if p.is_file()) == before
    assert not (batch_env / "audit.log").exists()


def test_auto_verify_asks_first(project: Path, call_log: Path) -> None:
    result = run(str(project), "--auto-verify", input="n\n")
    assert result.exit_code == 1
    assert "UTEN at noen har lest den" in result.output
    assert "Slette opptakene uten gjennomlesing?" in result.output
    assert len([p for p in project.iterdir() if p.is_file()]) == 5
    assert starts(call_log) == []


def test_summary_table_in_english(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INTERVJU_UI_LANGUAGE", "en")
    monkeypatch.setenv("BATCH_FAKE_FAIL", "Kari")
    result = run(str(project), "--format", "json")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["file", "duration", "speakers", "status", "output"]
    assert set(lines[1]) <= {"-", " "}
    rows = {line.split("  ")[0]: line.split() for line in lines[2:7]}
    assert sorted(rows) == sorted(name for name, _, _ in CLIPS)
    ola = rows["Intervju Ola Hansen.m4a"]  # the fourth by name
    assert re.fullmatch(r"0:0[12]", ola[-4]) and ola[-3:] == ["2", "done", "S4.json"]
    kari = rows["Intervju Kari Nordmann.mp3"]
    assert kari[-3:] == ["–", "failed", "–"]
    assert lines[7] == (
        "Intervju Kari Nordmann.mp3: The file could not be read as an audio recording "
        "(unknown or damaged format)."
    )


def test_hidden_files_other_files_and_the_output_folder_are_left_alone(
    project: Path, call_log: Path
) -> None:
    (project / ".skjult.mp3").write_bytes((project / CLIPS[0][0]).read_bytes() + b"x")
    (project / "notater.txt").write_text("Kari Nordmann")
    (project / ".git").mkdir()
    shutil.copy(project / CLIPS[1][0], project / ".git" / "annen.m4a")
    assert run(str(project)).exit_code == 0
    shutil.copy(project / CLIPS[1][0], project / OUT / "i ut-mappen.m4a")
    result = run(str(project))
    assert result.exit_code == 0
    assert len(starts(call_log)) == 5
    assert len(result.output.splitlines()) == 2 + 5


def test_out_elsewhere_and_project_name(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "resultater"
    result = run(str(project), "--out", str(out), "--project", "Studie A")
    assert result.exit_code == 0, result.output
    data = json.loads((out / STATE_NAME).read_text())
    assert data["project"] == "Studie A"
    assert len(list(out.glob("S*.txt"))) == 5
    assert not (project / OUT).exists()


def test_a_folder_in_use_by_another_run_is_refused(project: Path) -> None:
    with locked(project / OUT):
        result = run(str(project))
    assert result.exit_code == 1
    assert "allerede" in result.output


def test_a_folder_without_recordings(tmp_path: Path) -> None:
    (tmp_path / "tom").mkdir()
    result = run(str(tmp_path / "tom"))
    assert result.exit_code == 0
    assert "Fant ingen lydopptak" in result.output


def test_auto_verify_deletes_a_copy_of_a_transcribed_recording_too(
    project: Path, batch_env: Path, call_log: Path
) -> None:
    shutil.copy(project / CLIPS[0][0], project / "kopi.mp3")
    result = run(str(project), "--auto-verify", "--yes")
    assert result.exit_code == 0, result.output
    assert len(starts(call_log)) == 5
    assert [p for p in project.iterdir() if p.is_file()] == []
    entries = list(audit.read(batch_env / "audit.log"))
    assert len(entries) == 6  # one receipt per deleted file
    assert len({e.data["audio_sha256"] for e in entries}) == 5
