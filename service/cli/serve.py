"""`intervju serve`: the HTTP API with its job worker."""

from __future__ import annotations

import click
from pydantic import ValidationError

from service.cli.common import load_settings
from service.cli.token import token_store
from service.config import APISettings, Settings
from service.storage import ensure_dir

FIRST_TOKEN_NAME = "default"


@click.command()
@click.option("--host", help="Adresse å lytte på / bind address (standard: INTERVJU_API__HOST).")
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    help="TCP-port / TCP port (standard: INTERVJU_API__PORT).",
)
def serve(host: str | None, port: int | None) -> None:
    """Start HTTP-tjenesten og jobbkøen. / Run the HTTP service and its job queue."""
    import uvicorn

    from service.api import create_app

    settings = with_overrides(load_settings(), host=host, port=port)
    ensure_dir(settings.storage.data_dir)
    plaintext = ensure_first_token(settings)
    if plaintext is not None:
        click.echo(
            f"Tilgangsnøkkel (vises bare én gang) / Access token (shown once): {plaintext}",
            err=True,
        )
    app = create_app(settings)
    # Open event streams (GET /api/v1/events) are ended 5 s after a shutdown is asked for.
    uvicorn.run(app, host=settings.api.host, port=settings.api.port, timeout_graceful_shutdown=5)


def with_overrides(settings: Settings, *, host: str | None, port: int | None) -> Settings:
    """``settings`` with the command line's host and port, validated like the environment's."""
    overrides = {key: value for key, value in (("host", host), ("port", port)) if value}
    if not overrides:
        return settings
    try:
        api = APISettings.model_validate({**settings.api.model_dump(), **overrides})
    except ValidationError as exc:
        reason = exc.errors()[0]["msg"]
        raise click.UsageError(f"Ugyldig --host/--port: {reason}") from None
    return settings.model_copy(update={"api": api})


def ensure_first_token(settings: Settings) -> str | None:
    """On the first start (no active token): create one and return its plaintext, else None."""
    with token_store(settings) as tokens:
        if tokens.has_active():
            return None
        _, plaintext = tokens.create(FIRST_TOKEN_NAME, admin=True)
        return plaintext
