"""Extract the compact package data files from the shared gazetteers.

The package must install without ``../shared``, so the few lists the recognizers need are
committed under ``anonymizer/data``; run this again when the gazetteers change:

    python -m anonymizer.data.build_gazetteers ../shared/data/gazetteers

Writes ``postal_places.txt`` (``code<TAB>place`` per line, sorted by code), ``municipalities.txt``
and ``counties.txt`` (one name per line, sorted, deduplicated; municipalities under both their
official name and, where it differs, their Norwegian name, e.g. «Guovdageaidnu» and
«Kautokeino»), and ``LICENSE-gazetteers``.
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

DATA = Path(__file__).resolve().parent
POSTAL = "postal-codes-2025.json"
MUNICIPALITIES = "municipalities-2025.json"
COUNTIES = "counties-2025.json"


def _load(path: Path) -> list[dict[str, Any]]:
    records = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(records, list):
        raise ValueError(f"{path}: expected a JSON list")
    return records


def _write_lines(path: Path, lines: Iterable[str]) -> int:
    rows = list(lines)
    path.write_text("".join(f"{row}\n" for row in rows), encoding="utf-8")
    logger.info("wrote %s (%d lines)", path.name, len(rows))
    return len(rows)


def postal_rows(records: list[dict[str, Any]]) -> list[str]:
    """``code<TAB>place`` rows, one per four-digit postal code."""
    places: dict[str, str] = {}
    for record in records:
        code, place = str(record["code"]), str(record["place"]).strip()
        if len(code) != 4 or not code.isdigit() or not place:
            raise ValueError(f"bad postal record {record!r}")
        if places.setdefault(code, place) != place:
            raise ValueError(f"postal code {code} names two places")
    return [f"{code}\t{places[code]}" for code in sorted(places)]


def municipality_names(records: list[dict[str, Any]]) -> list[str]:
    names = {str(record[key]).strip() for record in records for key in ("name", "name_no")}
    return sorted(name for name in names if name)


def county_names(records: list[dict[str, Any]]) -> list[str]:
    return sorted({str(record["name"]).strip() for record in records} - {""})


def build(source: Path, target: Path = DATA) -> None:
    """Write the package data files in ``target`` from the gazetteers in ``source``."""
    _write_lines(target / "postal_places.txt", postal_rows(_load(source / POSTAL)))
    _write_lines(target / "municipalities.txt", municipality_names(_load(source / MUNICIPALITIES)))
    _write_lines(target / "counties.txt", county_names(_load(source / COUNTIES)))
    shutil.copyfile(source / "LICENSE", target / "LICENSE-gazetteers")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="the shared data/gazetteers directory")
    parser.add_argument("--target", type=Path, default=DATA, help="where to write the files")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    build(args.source, args.target)


if __name__ == "__main__":
    main()
