"""`intervju models pull`: the one place that may use the network, and only when asked.

Fetches the CTranslate2 files of the National Library's NB-Whisper models (the
``NbAiLab/nb-whisper-*`` repositories keep ``model.bin`` at their root) into the models
directory; ``install_snapshot`` is the download-check-manifest-move sequence every pull shares
(the pyannote pipeline's is in ``service.diarization.pull``). Nothing else in intervju imports
huggingface_hub.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Callable
from pathlib import Path

from service.asr.models import NB_WHISPER, sha256_file, write_manifest
from service.errors import ModelError

logger = logging.getLogger(__name__)

# The CTranslate2 model and what faster-whisper needs beside it; never the PyTorch/Flax weights.
PATTERNS = [
    "model.bin",
    "config.json",
    "tokenizer.json",
    "preprocessor_config.json",
    "vocabulary.json",
    "vocabulary.txt",
    "ct2/vocabulary.json",
]

Downloader = Callable[[str, Path, list[str], str | None], None]


def pull_model(
    name: str, models_dir: Path, token: str | None = None, downloader: Downloader | None = None
) -> Path:
    """Download ``name`` into ``models_dir/name`` and return that directory."""
    repo = NB_WHISPER.get(name)
    if repo is None:
        raise ModelError("model.unknown_pull", name=name, choices=", ".join(NB_WHISPER))

    def finish(path: Path) -> None:
        _complete_layout(path, name)
        write_manifest(path, name, f"pulled:{repo}", sha256_file(path / "model.bin"))

    return install_snapshot(name, repo, models_dir, PATTERNS, finish, token, downloader)


def install_snapshot(
    name: str,
    repo: str,
    models_dir: Path,
    patterns: list[str],
    finish: Callable[[Path], None],
    token: str | None = None,
    downloader: Downloader | None = None,
) -> Path:
    """Fetch ``patterns`` of ``repo`` into ``models_dir/name``, all or nothing.

    The files land in a hidden staging folder; ``finish`` checks their layout (raising
    ``ModelError``) and writes the manifest; only then does the folder replace ``name``.
    """
    staging = models_dir / f".{name}.partial"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        (downloader or hub_download)(repo, staging, patterns, token)
        shutil.rmtree(staging / ".cache", ignore_errors=True)  # huggingface_hub's bookkeeping
        finish(staging)
    except ModelError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        if exc.key == "model.pull_gated":
            raise ModelError("model.pull_gated", name=name, repo=repo) from None
        raise
    except Exception as exc:  # network, authentication, disk: say what failed, keep nothing
        shutil.rmtree(staging, ignore_errors=True)
        raise ModelError("model.pull_failed", name=name, reason=type(exc).__name__) from exc
    target = models_dir / name
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    return target


def hub_download(repo: str, target: Path, patterns: list[str], token: str | None) -> None:
    """Fetch ``patterns`` of ``repo`` into ``target`` (explicit, opt-in network use: pull)."""
    os.environ["HF_HUB_OFFLINE"] = "0"  # this pull was asked for; nothing else goes online
    from huggingface_hub import snapshot_download  # models pull only
    from huggingface_hub.errors import GatedRepoError

    try:
        snapshot_download(repo, local_dir=target, allow_patterns=patterns, token=token)  # pull
    except GatedRepoError:  # licence not accepted on the hub, or no token given
        raise ModelError("model.pull_gated", name=repo, repo=repo) from None


def _complete_layout(path: Path, name: str) -> None:
    """Move the ct2/ vocabulary up if the root has none; check the files faster-whisper needs."""
    nested = path / "ct2" / "vocabulary.json"
    has_vocabulary = any((path / v).is_file() for v in ("vocabulary.json", "vocabulary.txt"))
    if not has_vocabulary and nested.is_file():
        nested.rename(path / "vocabulary.json")
    shutil.rmtree(path / "ct2", ignore_errors=True)
    missing = [
        f for f in ("model.bin", "config.json", "tokenizer.json") if not (path / f).is_file()
    ]
    if not any((path / v).is_file() for v in ("vocabulary.json", "vocabulary.txt")):
        missing.append("vocabulary")
    if missing:
        raise ModelError("model.pull_failed", name=name, reason="missing " + ", ".join(missing))
