"""Model resolution and installation, all without a network."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from service.asr import models as models_mod
from service.asr.models import (
    BUNDLED,
    BUNDLED_SHA256,
    list_models,
    prepare_bundled,
    resolve_model,
    write_manifest,
)
from service.asr.pull import pull_model
from service.errors import ModelError


def fake_installed(models_dir: Path, name: str) -> Path:
    path = models_dir / name
    path.mkdir(parents=True)
    (path / "model.bin").write_bytes(b"weights")
    write_manifest(path, name, "pulled:test", "0" * 64)
    return path


def test_bundled_model_is_joined_and_verified(models_dir: Path) -> None:
    model_bin = models_dir / BUNDLED / "model.bin"
    digest = hashlib.sha256(model_bin.read_bytes()).hexdigest()
    assert digest == BUNDLED_SHA256
    for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
        assert (models_dir / BUNDLED / name).is_file()
    assert prepare_bundled(models_dir, verify=True) == models_dir / BUNDLED


def test_a_corrupt_part_is_refused(
    tmp_path: Path, models_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    part1, part2 = models_mod._bundled_parts()
    bad1, bad2 = tmp_path / "p1", tmp_path / "p2"
    shutil.copytree(part1, bad1)
    shutil.copytree(part2, bad2)
    data = bytearray((bad2 / "model.bin.part2").read_bytes())
    data[1000] ^= 0xFF
    (bad2 / "model.bin.part2").write_bytes(bytes(data))
    monkeypatch.setattr(models_mod, "_bundled_parts", lambda: (bad1, bad2))
    target = tmp_path / "models"
    with pytest.raises(ModelError) as caught:
        prepare_bundled(target)
    assert caught.value.key == "model.bundled_broken"
    assert not (target / BUNDLED).exists()  # nothing half-made is left to be used


def test_auto_prefers_the_best_installed_nb_whisper(tmp_path: Path, models_dir: Path) -> None:
    shutil.copytree(models_dir / BUNDLED, tmp_path / BUNDLED)
    assert resolve_model("auto", tmp_path).name == BUNDLED
    fake_installed(tmp_path, "nb-whisper-base")
    fake_installed(tmp_path, "nb-whisper-small")
    assert resolve_model("auto", tmp_path).name == "nb-whisper-small"
    assert resolve_model("nb-whisper-base", tmp_path).source == "pulled"
    assert [m.name for m in list_models(tmp_path)] == [
        "nb-whisper-base",
        "nb-whisper-small",
        BUNDLED,
    ]


def test_a_model_directory_can_be_configured(tmp_path: Path) -> None:
    directory = tmp_path / "my-nb-whisper"
    directory.mkdir()
    (directory / "model.bin").write_bytes(b"x")
    ref = resolve_model(str(directory), tmp_path / "models")
    assert (ref.path, ref.source) == (directory, "directory")


@pytest.mark.parametrize("spec", ["nb-whisper-large", "/no/such/model", "large-v3"])
def test_a_missing_model_says_how_to_get_one(tmp_path: Path, spec: str) -> None:
    with pytest.raises(ModelError) as caught:
        resolve_model(spec, tmp_path)
    assert caught.value.key == "model.not_found"
    assert "intervju models pull nb-whisper-small" in caught.value.message("nb")


def _hub_layout_from(bundled: Path):  # type: ignore[no-untyped-def]
    """A stand-in for the hub: writes the NbAiLab layout (vocabulary only under ct2/)."""

    def download(repo: str, target: Path, patterns: list[str], token: str | None) -> None:
        assert repo.startswith("NbAiLab/") and "model.bin" in patterns
        shutil.copyfile(bundled / "model.bin", target / "model.bin")
        shutil.copyfile(bundled / "config.json", target / "config.json")
        shutil.copyfile(bundled / "tokenizer.json", target / "tokenizer.json")
        (target / "ct2").mkdir()
        vocabulary = (bundled / "vocabulary.txt").read_text().splitlines()
        (target / "ct2" / "vocabulary.json").write_text(json.dumps(vocabulary))

    return download


def test_pull_installs_a_working_layout(tmp_path: Path, models_dir: Path) -> None:
    target = tmp_path / "models"
    path = pull_model("nb-whisper-tiny", target, downloader=_hub_layout_from(models_dir / BUNDLED))
    assert (path / "vocabulary.json").is_file() and not (path / "ct2").exists()
    manifest = json.loads((path / "intervju-model.json").read_text())
    assert manifest["source"] == "pulled:NbAiLab/nb-whisper-tiny"
    assert manifest["model_bin_sha256"] == BUNDLED_SHA256
    assert resolve_model("auto", target).name == "nb-whisper-tiny"
    from faster_whisper import WhisperModel

    WhisperModel(str(path), device="cpu", compute_type="int8", local_files_only=True)


def test_a_failed_pull_leaves_nothing(tmp_path: Path) -> None:
    def offline(repo: str, target: Path, patterns: list[str], token: str | None) -> None:
        (target / "model.bin").write_bytes(b"partial")
        raise ConnectionError("no network")

    with pytest.raises(ModelError) as caught:
        pull_model("nb-whisper-small", tmp_path, downloader=offline)
    assert caught.value.key == "model.pull_failed"
    assert list(tmp_path.iterdir()) == []


def test_pull_refuses_unknown_names(tmp_path: Path) -> None:
    with pytest.raises(ModelError) as caught:
        pull_model("whisper-large-v3", tmp_path)
    assert "nb-whisper-small" in caught.value.message("en")
