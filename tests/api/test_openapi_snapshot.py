"""The HTTP API changes only on purpose: the app's OpenAPI schema is the committed snapshot."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from service.api.openapi_dump import REGENERATE, SNAPSHOT, current_schema, main, schema_text

REPO = Path(__file__).resolve().parents[2]


def operations(schema: dict[str, Any]) -> set[str]:
    return {f"{m.upper()} {path}" for path, item in schema["paths"].items() for m in item}


def test_the_api_matches_the_committed_openapi_snapshot() -> None:
    committed = json.loads((REPO / SNAPSHOT).read_text(encoding="utf-8"))
    current = json.loads(schema_text(current_schema()))
    added = sorted(operations(current) - operations(committed))
    removed = sorted(operations(committed) - operations(current))
    assert current == committed, (
        f"The HTTP API differs from {SNAPSHOT} (added: {added or 'none'}, removed: "
        f"{removed or 'none'}, or changed parameters, schemas or texts). If the change is "
        f"meant, regenerate the snapshot with `{REGENERATE}` and commit it."
    )


def test_the_snapshot_is_written_sorted_and_pretty(tmp_path: Path) -> None:
    target = tmp_path / "docs" / "openapi.json"
    assert main([str(target)]) == 0
    text = target.read_text(encoding="utf-8")
    assert text == json.dumps(json.loads(text), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    assert "/api/v1/events" in json.loads(text)["paths"]


def test_html_pages_are_not_in_the_schema() -> None:
    paths = current_schema()["paths"]
    assert all(path.startswith(("/api/", "/healthz")) for path in paths), sorted(paths)
