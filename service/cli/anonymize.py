"""`intervju anonymize`: anonymise a text (a transcript pasted from elsewhere, notes, an e-mail).

The text is read as UTF-8 from a file or standard input; the anonymised text (or, with
``--json``, the text with what was found and where) goes to standard output. The JSON holds
offsets into the input, labels and tags, never the strings that were replaced.
"""

from __future__ import annotations

import json
from typing import IO, TYPE_CHECKING, Any

import click

from service.cli.common import fail, load_settings
from service.config import Settings
from service.errors import IntervjuError

if TYPE_CHECKING:
    from anonymizer import AnonymizationResult, Policy
    from service.anonymize import TextAnonymizer


@click.command()
@click.argument("file", type=click.File("rb"), default="-")
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="JSON med teksten, funnene og erstatningene (aldri originalteksten) / JSON with the "
    "text, the spans found and the replacements (never the original strings).",
)
@click.option(
    "--keep-dialect",
    is_flag=True,
    help="Behold dialekt og nynorsk / keep dialect and nynorsk (no rewriting to bokmål).",
)
@click.option(
    "--no-pronouns",
    is_flag=True,
    help="Behold «han/ham/hans» / keep gendered pronouns as they are.",
)
@click.option(
    "--dates", is_flag=True, help="Anonymiser også datoer og alder / also anonymise dates and ages."
)
def anonymize(
    file: IO[bytes], as_json: bool, keep_dialect: bool, no_pronouns: bool, dates: bool
) -> None:
    """Anonymiser norsk tekst fra FILE eller standard inn / anonymise Norwegian text from FILE or
    stdin (names, places, workplaces, numbers; «han» → «hun»; dialect → bokmål)."""
    settings = load_settings()
    try:
        text = file.read().decode("utf-8")
    except UnicodeDecodeError:
        raise fail(settings, IntervjuError("cli.not_utf8")) from None
    from anonymizer import Policy  # heavy: spaCy and Presidio

    policy = Policy(normalize=not keep_dialect, pronouns=not no_pronouns, dates=dates)
    from service.anonymize import unavailable_as_error

    try:
        with unavailable_as_error():
            result = make_anonymizer(settings, policy).anonymize(text)
    except IntervjuError as exc:
        raise fail(settings, exc) from None
    if as_json:
        click.echo(json.dumps(result_json(result), ensure_ascii=False, indent=2))
    else:
        click.echo(result.text, nl=False)


def make_anonymizer(settings: Settings, policy: Policy) -> TextAnonymizer:
    """The real anonymiser, as the pipeline loads it (tests put a stand-in here)."""
    from service.anonymize import load_anonymizer

    return load_anonymizer(settings, policy)


def result_json(result: AnonymizationResult) -> dict[str, Any]:
    """The anonymised text, and offsets and labels of what was found: no original strings."""
    return {
        "text": result.text,
        "spans": [
            {
                "start": span.start,
                "end": span.end,
                "label": span.label,
                "score": round(span.score, 3),
                "recognizer": span.recognizer,
            }
            for span in result.spans
        ],
        "replacements": [
            {"start": r.start, "end": r.end, "label": r.label, "tag": r.tag}
            for r in result.replacements
        ],
    }
