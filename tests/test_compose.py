"""No Docker engine runs here, so compose.yaml is kept honest against the code: every setting it
sets exists and validates, every command is a real CLI command, the API and the workers share
data, models, queue and database, and nothing is exposed or secret that should not be."""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Any

import click
import pytest
import yaml
from pydantic import BaseModel

from service.cli.main import cli
from service.config import Settings

REPO = Path(__file__).resolve().parent.parent
COMPOSE = REPO / "compose.yaml"
DOCKERFILE = REPO / "Dockerfile"
INTERVJU = ("migrate", "api", "worker", "worker-gpu")  # the services that run the image
WORKERS = ("worker", "worker-gpu")
REQUIRED = re.compile(r"\$\{(\w+):\?[^}]+\}")  # ${NAME:?message}: compose refuses without it


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return loaded


def services() -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = compose()["services"]
    return found


def dockerfile_env() -> dict[str, str]:
    """The ENV of the Dockerfile (continuation lines joined)."""
    text = DOCKERFILE.read_text().replace("\\\n", " ")
    env: dict[str, str] = {}
    for line in text.splitlines():
        if line.startswith("ENV "):
            for pair in line[4:].split():
                key, _, value = pair.partition("=")
                env[key] = value
    return env


def interpolate(value: str) -> str:
    """Fill in ``${NAME:?...}`` as compose would from .env."""
    return REQUIRED.sub(lambda m: f"{m.group(1).lower()}-from-env", value)


def settings_of(service: str, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The settings a service's process builds: the image's ENV, then the service's."""
    for name in [n for n in os.environ if n.startswith("INTERVJU_")]:
        monkeypatch.delenv(name)
    env = {**dockerfile_env(), **services()[service].get("environment", {})}
    for key, value in env.items():
        if key.startswith("INTERVJU_"):
            monkeypatch.setenv(key, interpolate(str(value)))
    return Settings()


def resolve_setting(variable: str) -> None:
    """Fail unless ``INTERVJU_A__B`` names a field of ``Settings`` (nested with ``__``)."""
    model: type[BaseModel] = Settings
    parts = variable.removeprefix("INTERVJU_").lower().split("__")
    for depth, part in enumerate(parts):
        assert part in model.model_fields, f"{variable}: no setting {part!r} in {model.__name__}"
        annotation = model.model_fields[part].annotation
        if depth < len(parts) - 1:
            assert isinstance(annotation, type) and issubclass(annotation, BaseModel), variable
            model = annotation


def test_every_intervju_variable_is_a_real_setting() -> None:
    text = COMPOSE.read_text() + DOCKERFILE.read_text()
    variables = set(re.findall(r"\bINTERVJU_[A-Z0-9_]+", text))
    assert {"INTERVJU_QUEUE__BACKEND", "INTERVJU_DATABASE_URL"} <= variables
    for variable in sorted(variables):
        resolve_setting(variable)


@pytest.mark.parametrize("service", INTERVJU)
def test_every_service_builds_valid_settings(service: str, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = settings_of(service, monkeypatch)
    assert settings.queue.backend == "celery"
    assert settings.queue.broker_url.get_secret_value() == "redis://redis:6379/0"
    assert settings.db_url.startswith("postgresql+psycopg://intervju:postgres_password-from-env@")
    assert settings.db_url.endswith("@postgres:5432/intervju")
    assert settings.storage.master_key is None  # the key file in the shared data volume


def command_of(args: list[str]) -> click.Command:
    """The click command ``args`` (``intervju …``) runs; its options are parsed, not run."""
    assert args[0] == "intervju", args
    command: click.Command = cli
    rest = args[1:]
    while isinstance(command, click.Group):
        assert rest and rest[0] in command.commands, f"not a command: {' '.join(args)}"
        command, rest = command.commands[rest[0]], rest[1:]
    command.make_context(command.name, list(rest))  # raises on an unknown option or bad value
    return command


def test_every_command_is_a_real_cli_command() -> None:
    commands = [s["command"] for s in services().values() if "intervju" in s.get("command", [])]
    assert len(commands) == len(INTERVJU)
    text = DOCKERFILE.read_text()
    commands += [line.split()[1:] for line in text.splitlines() if line.startswith("RUN intervju")]
    commands += [
        ["intervju", *re.findall(r'"([^"]+)"', m)]
        for m in re.findall(r'^CMD \["intervju", (.*)\]$', text, re.MULTILINE)
    ]
    names = {command_of(list(args)).name for args in commands}
    assert {"serve", "worker", "upgrade", "prepare"} <= names


def test_api_and_workers_share_data_models_queue_and_database(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen = set()
    for name in INTERVJU:
        service = services()[name]
        settings = settings_of(name, monkeypatch)
        mounts = {v.split(":")[1]: v.split(":")[0] for v in service["volumes"]}
        assert mounts.get(str(settings.storage.data_dir)) == "data", name
        assert mounts.get(str(settings.storage.models_path)) == "models", name
        seen.add((settings.queue.broker_url.get_secret_value(), settings.db_url))
    assert len(seen) == 1
    declared = compose()["volumes"]
    assert "data" in declared and "models" in declared


def test_ports_are_bound_to_loopback_only() -> None:
    published = {}
    for name, service in services().items():
        for port in service.get("ports", []):
            if isinstance(port, dict):
                host, target = port.get("host_ip"), port["target"]
            else:  # HOST_IP:HOST_PORT:CONTAINER_PORT; without HOST_IP it binds everywhere
                host, target = str(port).rsplit(":", 2)[0] if port.count(":") >= 2 else "", port
            assert host in ("127.0.0.1", "[::1]"), f"{name} publishes {port} beyond loopback"
            published[name] = target
    assert list(published) == ["api"]
    assert published["api"].endswith(f":{Settings().api.port}")


def test_backing_services_are_healthy_before_the_image_starts() -> None:
    for name in ("postgres", "redis"):
        assert services()[name]["healthcheck"]["test"][0] in ("CMD", "CMD-SHELL"), name
    for name in ("api", *WORKERS):
        depends = services()[name]["depends_on"]
        assert depends["postgres"]["condition"] == "service_healthy", name
        assert depends["redis"]["condition"] == "service_healthy", name
        assert depends["migrate"]["condition"] == "service_completed_successfully", name
    assert services()["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_only_the_api_keeps_the_images_http_healthcheck() -> None:
    """The Dockerfile's HEALTHCHECK probes `serve`'s port: every other service turns it off."""
    assert "HEALTHCHECK" in DOCKERFILE.read_text()
    for name in INTERVJU:
        disabled = services()[name].get("healthcheck", {}).get("disable", False)
        assert disabled is (services()[name]["command"][1] != "serve"), name


def test_no_secret_literal_in_the_file() -> None:
    """Passwords come from .env as required variables; the example .env holds none."""
    postgres = services()["postgres"]["environment"]["POSTGRES_PASSWORD"]
    assert REQUIRED.fullmatch(postgres) and "POSTGRES_PASSWORD" in postgres
    for name, service in services().items():
        for key, value in service.get("environment", {}).items():
            if re.search(r"PASSWORD|SECRET|TOKEN|MASTER_KEY", key):
                assert REQUIRED.fullmatch(str(value)), f"{name}: {key} is a literal"
            for password in re.findall(r"://[^:/@\s]+:([^@\s]+)@", str(value)):
                assert REQUIRED.fullmatch(password), f"{name}: {key} holds a password"
    example = (REPO / ".env.example").read_text()
    assert re.search(r"^POSTGRES_PASSWORD=$", example, re.MULTILINE)
    assert not re.findall(r"^\w+=\S", example, re.MULTILINE)


def test_only_the_api_has_a_way_out() -> None:
    networks = compose()["networks"]
    for name, service in services().items():
        outside = [
            n for n in service["networks"] if not networks[n] or not networks[n].get("internal")
        ]
        assert bool(outside) is (name == "api"), f"{name} on {outside}"


def test_gpu_worker_is_one_worker_on_one_gpu() -> None:
    gpu = services()["worker-gpu"]
    assert gpu["profiles"] == ["gpu"]
    assert gpu["command"][-2:] == ["--concurrency", "1"]
    assert gpu["environment"]["INTERVJU_ASR__DEVICE"] == "cuda"
    (device,) = gpu["deploy"]["resources"]["reservations"]["devices"]
    assert device["driver"] == "nvidia" and device["capabilities"] == ["gpu"]
    assert len(device.get("device_ids", [])) == 1 or device.get("count") == 1
    args = gpu["build"]["args"]
    assert args["BASE"].startswith("nvidia/cuda:12.")
    extras = tomllib.loads((REPO / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    assert {"gpu", "postgres", "celery"} <= set(args["EXTRAS"].split(",")) <= set(extras)
    # The Dockerfile's own CUDA example builds the same image.
    assert f"BASE={args['BASE']}" in DOCKERFILE.read_text()
    assert f"EXTRAS={args['EXTRAS']}" in DOCKERFILE.read_text()


def test_workers_are_given_time_to_finish_their_job() -> None:
    """Docker's default 10 s would cut every running job off at each `docker compose stop`."""
    for name in ("worker", "worker-gpu"):
        grace = services()[name]["stop_grace_period"]
        assert re.fullmatch(r"\d+m", grace) and int(grace[:-1]) >= 5, name
