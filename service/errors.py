"""Errors a user can act on: a message key plus parameters, rendered by ``service.i18n``."""

from __future__ import annotations

from service.i18n import Lang, message


class IntervjuError(Exception):
    """An error with a human-readable, translatable message.

    ``params`` must never contain transcript text, names or file contents.
    """

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params

    def message(self, lang: Lang = "nb") -> str:
        return message(self.key, lang, **self.params)

    def __str__(self) -> str:
        return self.message("en")


class AudioError(IntervjuError):
    """The recording cannot be used."""


class ModelError(IntervjuError):
    """A speech model is missing, broken or cannot be fetched."""
