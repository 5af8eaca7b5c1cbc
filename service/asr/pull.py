"""`intervju models pull`: the one place that may use the network, and only when asked.

Fetches the CTranslate2 files of the National Library's NB-Whisper models (the
``NbAiLab/nb-whisper-*`` repositories keep ``model.bin`` at their root) into the models
directory. Nothing else in intervju imports huggingface_hub.
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
    staging = models_dir / f".{name}.partial"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        (downloader or hub_download)(repo, staging, PATTERNS, token)
        _complete_layout(staging, name)
    except ModelError:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    except Exception as exc:  # network, authentication, disk: say what failed, keep nothing
        shutil.rmtree(staging, ignore_errors=True)
        raise ModelError("model.pull_failed", name=name, reason=type(exc).__name__) from exc
    write_manifest(staging, name, f"pulled:{repo}", sha256_file(staging / "model.bin"))
    target = models_dir / name
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    return target


def hub_download(repo: str, target: Path, patterns: list[str], token: str | None) -> None:
    """Fetch ``patterns`` of ``repo`` into ``target`` (explicit, opt-in network use: pull)."""
    os.environ["HF_HUB_OFFLINE"] = "0"  # this pull was asked for; nothing else goes online
    from huggingface_hub import snapshot_download  # models pull only

    snapshot_download(repo, local_dir=target, allow_patterns=patterns, token=token)  # pull


def _complete_layout(path: Path, name: str) -> None:
    """Move the ct2/ vocabulary up if the root has none; check the files faster-whisper needs."""
    nested = path / "ct2" / "vocabulary.json"
    has_vocabulary = any((path / v).is_file() for v in ("vocabulary.json", "vocabulary.txt"))
    if not has_vocabulary and nested.is_file():
        nested.rename(path / "vocabulary.json")
    shutil.rmtree(path / "ct2", ignore_errors=True)
    shutil.rmtree(path / ".cache", ignore_errors=True)
    missing = [
        f for f in ("model.bin", "config.json", "tokenizer.json") if not (path / f).is_file()
    ]
    if not any((path / v).is_file() for v in ("vocabulary.json", "vocabulary.txt")):
        missing.append("vocabulary")
    if missing:
        raise ModelError("model.pull_failed", name=name, reason="missing " + ", ".join(missing))
