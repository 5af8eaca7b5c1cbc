"""Helpers shared by the CLI commands."""

from __future__ import annotations

import click

from service.config import Settings
from service.errors import IntervjuError


def load_settings() -> Settings:
    try:
        return Settings()
    except ValueError as exc:  # pydantic's ValidationError is a ValueError
        raise click.ClickException(f"Ugyldig innstilling / invalid setting:\n{exc}") from None


def fail(settings: Settings, error: IntervjuError) -> click.ClickException:
    """A click error carrying the message in the user's language."""
    return click.ClickException(error.message(settings.ui_language))
