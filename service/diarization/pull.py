"""`intervju models pull pyannote-community-1`: fetch the pyannote pipeline, only when asked.

``pyannote/speaker-diarization-community-1`` (CC BY 4.0) is gated on Hugging Face: a user
accepts its conditions once with an account and passes a read token. The repository holds the
whole pipeline -- its ``config.yaml`` names ``$model/segmentation``, ``$model/embedding`` and
``$model/plda`` inside itself -- so these five files are all the backend needs, offline.
"""

from __future__ import annotations

from pathlib import Path

from service.asr.models import sha256_file, write_manifest
from service.asr.pull import Downloader, install_snapshot
from service.errors import ModelError

COMMUNITY_1 = "pyannote-community-1"  # the default INTERVJU_DIARIZATION__PYANNOTE_DIR name
PIPELINES = {COMMUNITY_1: "pyannote/speaker-diarization-community-1"}
FILES = [
    "config.yaml",
    "segmentation/pytorch_model.bin",
    "embedding/pytorch_model.bin",
    "plda/xvec_transform.npz",
    "plda/plda.npz",
]


def pull_pipeline(
    name: str, models_dir: Path, token: str | None = None, downloader: Downloader | None = None
) -> Path:
    """Download the pipeline ``name`` into ``models_dir/name`` and return that directory."""
    repo = PIPELINES.get(name)
    if repo is None:
        raise ModelError("model.unknown_pull", name=name, choices=", ".join(PIPELINES))

    def finish(path: Path) -> None:
        missing = [f for f in FILES if not (path / f).is_file()]
        if missing:
            raise ModelError("model.pull_failed", name=name, reason="missing " + ", ".join(missing))
        hashes = {f: sha256_file(path / f) for f in FILES}
        write_manifest(path, name, f"pulled:{repo}", kind="diarization", files=hashes)

    return install_snapshot(name, repo, models_dir, FILES, finish, token, downloader)
