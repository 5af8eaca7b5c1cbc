"""The README stays true to the code: every setting, command, format and route is documented."""

from __future__ import annotations

from pathlib import Path

import click
from pydantic import BaseModel

from service.api import create_app
from service.cli.main import cli
from service.config import Settings
from service.exporters import exporter_names

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def env_names(model: type[BaseModel], prefix: str = "INTERVJU_") -> list[str]:
    names = []
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            names += env_names(annotation, f"{prefix}{name.upper()}__")
        else:
            names.append(f"{prefix}{name.upper()}")
    return names


def command_paths(group: click.Group, prefix: str = "intervju") -> list[str]:
    paths = []
    for name, command in group.commands.items():
        paths.append(f"{prefix} {name}")
        if isinstance(command, click.Group):
            paths += command_paths(command, f"{prefix} {name}")
    return paths


def test_every_setting_is_documented() -> None:
    missing = [name for name in env_names(Settings) if f"`{name}`" not in README]
    assert missing == []


def test_every_command_is_documented() -> None:
    missing = []
    for path in command_paths(cli):
        words = path.split()
        # `intervju token create` may be written `token create` in a table row
        if path not in README and " ".join(words[-2:]) not in README:
            missing.append(path)
    assert missing == []


def test_every_export_format_is_documented() -> None:
    assert [f for f in exporter_names() if f"| `{f}` |" not in README] == []


def test_every_api_route_is_documented(tmp_path: Path) -> None:
    app = create_app(Settings(storage={"data_dir": tmp_path}), start_worker=False)
    paths = app.openapi()["paths"]
    routes = [(method.upper(), path) for path, item in paths.items() for method in item]
    assert ("POST", "/api/v1/jobs") in routes and ("GET", "/healthz") in routes
    missing = [f"{m} {p}" for m, p in routes if f"{m} {p}" not in README]
    assert missing == []
