"""``python -m service.api.openapi_dump [PATH]``: the HTTP API's OpenAPI schema as pretty JSON
with sorted keys, to stdout or ``PATH``.

``docs/openapi.json`` is this output, committed; ``tests/api/test_openapi_snapshot.py`` fails when
the app's schema differs from it, so that every change of the API is made on purpose. The app is
built with default settings in a throw-away data directory (nothing is started).
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from service.config import Settings, StorageSettings

SNAPSHOT = Path("docs") / "openapi.json"
REGENERATE = f"python -m service.api.openapi_dump {SNAPSHOT}"


def schema_text(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def current_schema() -> dict[str, Any]:
    """The schema of an app built with default settings."""
    from service.api.app import create_app

    with tempfile.TemporaryDirectory(prefix="intervju-openapi-") as data_dir:
        settings = Settings(storage=StorageSettings(data_dir=Path(data_dir)))
        app = create_app(settings, start_worker=False)
        schema: dict[str, Any] = app.openapi()
        app.state.intervju.db.dispose()
    return schema


def main(argv: list[str]) -> int:
    text = schema_text(current_schema())
    if not argv:
        sys.stdout.write(text)
        return 0
    Path(argv[0]).parent.mkdir(parents=True, exist_ok=True)
    Path(argv[0]).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
