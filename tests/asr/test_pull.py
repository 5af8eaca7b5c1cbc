"""`intervju models pull` for the pyannote pipeline, and the hub errors every pull shares.

The NB-Whisper pulls are tested in test_models.py; nothing here touches the network: the
downloader is a stand-in that writes what the hub would, or huggingface_hub's own
``snapshot_download`` is replaced.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import huggingface_hub
import pytest
from click.testing import CliRunner
from huggingface_hub.errors import GatedRepoError

from service.asr import pull as pull_mod
from service.asr.models import BUNDLED, list_models
from service.asr.pull import pull_model
from service.cli.models import models
from service.diarization.pull import COMMUNITY_1, FILES, PIPELINES, pull_pipeline
from service.errors import ModelError

REPO = PIPELINES[COMMUNITY_1]


def community_layout(calls: list[dict[str, Any]] | None = None):  # type: ignore[no-untyped-def]
    """A stand-in for the hub: writes community-1's files (and the hub's .cache folder)."""

    def download(repo: str, target: Path, patterns: list[str], token: str | None) -> None:
        if calls is not None:
            calls.append({"repo": repo, "patterns": patterns, "token": token})
        for name in patterns:
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            (target / name).write_bytes(f"{name} weights".encode())
        (target / ".cache" / "huggingface").mkdir(parents=True)
        (target / ".cache" / "huggingface" / "download.lock").write_bytes(b"")

    return download


def test_pull_installs_the_pyannote_pipeline(tmp_path: Path) -> None:
    calls: list[dict[str, Any]] = []
    models_dir = tmp_path / "models"
    path = pull_pipeline(COMMUNITY_1, models_dir, "hf_secret", community_layout(calls))
    assert path == models_dir / COMMUNITY_1
    assert calls == [{"repo": REPO, "patterns": FILES, "token": "hf_secret"}]
    files = sorted(str(f.relative_to(path)) for f in path.rglob("*") if f.is_file())
    assert files == sorted([*FILES, "intervju-model.json"])  # no .cache, nothing else
    manifest = json.loads((path / "intervju-model.json").read_text())
    assert manifest["kind"] == "diarization"
    assert manifest["source"] == f"pulled:{REPO}"
    for name in FILES:
        expected = hashlib.sha256(f"{name} weights".encode()).hexdigest()
        assert manifest["files_sha256"][name] == expected
    (listed,) = list_models(models_dir)
    assert (listed.name, listed.kind) == (COMMUNITY_1, "diarization")
    assert listed.size_bytes > sum(len(f"{name} weights") for name in FILES)
    assert [p.name for p in models_dir.iterdir()] == [COMMUNITY_1]  # no staging left


def test_an_incomplete_download_leaves_nothing(tmp_path: Path) -> None:
    def without_plda(repo: str, target: Path, patterns: list[str], token: str | None) -> None:
        community_layout()(repo, target, [p for p in patterns if not p.startswith("plda/")], token)

    with pytest.raises(ModelError) as caught:
        pull_pipeline(COMMUNITY_1, tmp_path, downloader=without_plda)
    assert caught.value.key == "model.pull_failed"
    assert "plda/plda.npz" in caught.value.message("en")
    assert list(tmp_path.iterdir()) == []


def test_pull_refuses_unknown_pipelines(tmp_path: Path) -> None:
    with pytest.raises(ModelError) as caught:
        pull_pipeline("pyannote-3.1", tmp_path)
    assert caught.value.key == "model.unknown_pull"
    assert COMMUNITY_1 in caught.value.message("nb")


@pytest.fixture
def hub(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """huggingface_hub.snapshot_download replaced: it records its call and refuses access."""
    calls: list[dict[str, Any]] = []

    def gated(repo_id: str, **kwargs: Any) -> str:
        calls.append({"repo_id": repo_id, **kwargs})
        response = SimpleNamespace(headers={}, request=None)
        raise GatedRepoError(f"Access to model {repo_id} is restricted.", response=response)

    monkeypatch.setattr(huggingface_hub, "snapshot_download", gated)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # restored after the pull switches it off
    return calls


def test_a_gated_repository_says_to_accept_the_licence(
    tmp_path: Path, hub: list[dict[str, Any]]
) -> None:
    with pytest.raises(ModelError) as caught:
        pull_pipeline(COMMUNITY_1, tmp_path, token="hf_secret")
    (call,) = hub
    assert call["repo_id"] == REPO and call["token"] == "hf_secret"
    assert call["allow_patterns"] == FILES
    assert Path(call["local_dir"]).parent == tmp_path  # a staging folder, not the target
    assert caught.value.key == "model.pull_gated"
    for lang in ("nb", "en"):
        text = caught.value.message(lang)
        assert COMMUNITY_1 in text and f"https://huggingface.co/{REPO}" in text
        assert "--token" in text and "HF_TOKEN" in text
    assert "hf_secret" not in caught.value.message("en")
    assert list(tmp_path.iterdir()) == []


def test_a_gated_nb_whisper_says_the_same(tmp_path: Path, hub: list[dict[str, Any]]) -> None:
    with pytest.raises(ModelError) as caught:
        pull_model("nb-whisper-small", tmp_path)
    assert caught.value.key == "model.pull_gated"
    assert "https://huggingface.co/NbAiLab/nb-whisper-small" in caught.value.message("nb")


def test_cli_pulls_with_the_token_from_the_environment_and_lists_the_pipeline(
    tmp_path: Path, models_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(pull_mod, "hub_download", community_layout(calls))
    own_models = tmp_path / "models"
    own_models.mkdir()
    (own_models / BUNDLED).symlink_to(models_dir / BUNDLED)  # `list` resolves the ASR model
    monkeypatch.setenv("INTERVJU_STORAGE__DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("INTERVJU_STORAGE__MODELS_DIR", str(own_models))
    monkeypatch.setenv("HF_TOKEN", "hf_from_env")
    runner = CliRunner()

    pulled = runner.invoke(models, ["pull", COMMUNITY_1], catch_exceptions=False)
    assert pulled.exit_code == 0, pulled.output
    assert calls[0]["token"] == "hf_from_env"
    assert str(own_models / COMMUNITY_1) in pulled.stdout
    assert "INTERVJU_DIARIZATION__BACKEND=pyannote" in pulled.stdout

    monkeypatch.setenv("INTERVJU_DIARIZATION__BACKEND", "pyannote")
    listed = runner.invoke(models, ["list"], catch_exceptions=False)
    assert listed.exit_code == 0, listed.output
    asr, diarization = listed.stdout.split("Talergjenkjenning / diarisation: pyannote")
    assert f"* {BUNDLED}" in asr and COMMUNITY_1 not in asr
    assert f"* {COMMUNITY_1}" in diarization


def test_cli_pull_explains_a_gated_repository(
    tmp_path: Path, hub: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INTERVJU_STORAGE__DATA_DIR", str(tmp_path))
    monkeypatch.delenv("HF_TOKEN", raising=False)
    result = CliRunner().invoke(models, ["pull", COMMUNITY_1])
    assert result.exit_code == 1
    assert f"https://huggingface.co/{REPO}" in result.stderr
    assert "godta lisensvilkårene" in result.stderr  # the user's language: bokmål by default
