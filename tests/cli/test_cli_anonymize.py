"""`intervju anonymize`: UTF-8 text in, anonymised text (or JSON without the originals) out."""

from __future__ import annotations

import json
from pathlib import Path
from typing import ClassVar

import pytest
from click.testing import CliRunner, Result

from anonymizer import AnonymizationResult, Policy, Replacement, Span, labels
from anonymizer.edits import Edit, apply_edits
from service.cli import anonymize as anonymize_module
from service.cli.main import cli
from service.config import Settings
from service.i18n import MESSAGES

TEXT = "Eg snakka med Kari i Bodø.\n"


class StandIn:
    """Answers with fixed edits for ``TEXT``; records the policies it was made with."""

    policies: ClassVar[list[Policy]] = []

    def __init__(self, settings: Settings, policy: Policy) -> None:
        self.policy = policy
        self.policies.append(policy)

    def anonymize(self, text: str) -> AnonymizationResult:
        assert text == TEXT
        edits = [
            Edit(0, 2, "Jeg", "dialect"),
            Edit(3, 9, "snakket", "dialect"),
            Edit(14, 18, "[navn 1]", "entity", labels.PERSON),
            Edit(21, 25, "[kommune 1]", "entity", labels.MUNICIPALITY),
        ]
        return AnonymizationResult(
            text=apply_edits(text, edits),
            spans=[
                Span(14, 18, labels.PERSON, 0.85, "NerRecognizer"),
                Span(21, 25, labels.MUNICIPALITY, 0.9, "LocationRecognizer"),
            ],
            replacements=[
                Replacement(14, 18, labels.PERSON, "[navn 1]"),
                Replacement(21, 25, labels.MUNICIPALITY, "[kommune 1]"),
            ],
            edits=edits,
            normalized="Jeg snakket med Kari i Bodø.\n",
            originals={"[navn 1]": ["Kari"], "[kommune 1]": ["Bodø"]},
        )


@pytest.fixture
def stand_in(monkeypatch: pytest.MonkeyPatch) -> type[StandIn]:
    StandIn.policies = []
    monkeypatch.setattr(anonymize_module, "make_anonymizer", StandIn)
    return StandIn


def run(*args: str, stdin: bytes | str | None = None) -> Result:
    return CliRunner().invoke(cli, ["anonymize", *args], input=stdin)


def test_text_from_stdin_to_stdout(stand_in: type[StandIn]) -> None:
    result = run(stdin=TEXT.encode("utf-8"))
    assert result.exit_code == 0, result.output
    assert result.stdout == "Jeg snakket med [navn 1] i [kommune 1].\n"
    assert stand_in.policies == [Policy()]


def test_json_from_a_file_holds_offsets_and_tags_never_the_originals(
    stand_in: type[StandIn], tmp_path: Path
) -> None:
    path = tmp_path / "notat.txt"
    path.write_text(TEXT, encoding="utf-8")
    result = run(str(path), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "text": "Jeg snakket med [navn 1] i [kommune 1].\n",
        "spans": [
            {
                "start": 14,
                "end": 18,
                "label": "PERSON",
                "score": 0.85,
                "recognizer": "NerRecognizer",
            },
            {
                "start": 21,
                "end": 25,
                "label": "MUNICIPALITY",
                "score": 0.9,
                "recognizer": "LocationRecognizer",
            },
        ],
        "replacements": [
            {"start": 14, "end": 18, "label": "PERSON", "tag": "[navn 1]"},
            {"start": 21, "end": 25, "label": "MUNICIPALITY", "tag": "[kommune 1]"},
        ],
    }
    assert "Kari" not in result.stdout and "Bodø" not in result.stdout


def test_flags_make_the_policy(stand_in: type[StandIn]) -> None:
    result = run("-", "--keep-dialect", "--no-pronouns", "--dates", stdin=TEXT)
    assert result.exit_code == 0, result.output
    assert stand_in.policies == [Policy(normalize=False, pronouns=False, dates=True)]


def test_text_that_is_not_utf8_is_refused(stand_in: type[StandIn]) -> None:
    result = run(stdin="Kari i Bodø".encode("latin-1"))
    assert result.exit_code == 1
    assert MESSAGES["cli.not_utf8"]["nb"] in result.stderr
    assert stand_in.policies == []


def test_a_missing_pipeline_is_a_readable_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INTERVJU_ANONYMIZATION__MODEL", "/nowhere/nb_pipeline")
    result = run(stdin=TEXT)
    assert result.exit_code == 1
    assert "INTERVJU_ANONYMIZATION__MODEL" in result.stderr
    assert "Traceback" not in result.output


def test_the_real_anonymizer() -> None:
    result = run("--json", stdin="Jeg snakket med Kari Hansen i går. Han bor i Bodø.\n")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["text"].startswith("Jeg snakket med [navn 1] i går. Hun bor i [")
    assert data["replacements"][0]["tag"] == "[navn 1]"
    assert {span["label"] for span in data["spans"]} >= {"PERSON"}
    assert "Kari" not in result.stdout and "Bodø" not in result.stdout
