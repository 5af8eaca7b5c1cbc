"""HTTP errors: a message key and a status; the body is an ``ErrorPublic`` in the reader's
language (Norwegian bokmål unless the request's Accept-Language asks for English)."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response

from service.api.schemas import ErrorPublic
from service.errors import IntervjuError
from service.i18n import Lang, message, pick_language

logger = logging.getLogger(__name__)


class ApiError(IntervjuError):
    """An ``IntervjuError`` with the HTTP status (and headers) it is answered with."""

    def __init__(
        self,
        status_code: int,
        key: str,
        *,
        headers: Mapping[str, str] | None = None,
        **params: object,
    ) -> None:
        super().__init__(key, **params)
        self.status_code = status_code
        self.headers = dict(headers or {})

    @classmethod
    def of(cls, status_code: int, error: IntervjuError) -> ApiError:
        """``error`` answered with ``status_code``."""
        api_error = cls(status_code, error.key)
        api_error.params = dict(error.params)
        return api_error


def request_language(request: Request) -> Lang:
    default: Lang = request.app.state.intervju.settings.ui_language
    return pick_language(request.headers.get("accept-language"), default)


def render_message(key: str, params: Mapping[str, object], lang: Lang) -> str:
    """The message for a (possibly stored) key; one whose parameters no longer fit the
    current text renders as the key itself rather than failing the request."""
    try:
        return message(key, lang, **params)
    except (KeyError, IndexError, ValueError):
        logger.warning("message %s does not fit its stored parameters", key)
        return key


def error_body(key: str, params: Mapping[str, object], lang: Lang) -> ErrorPublic:
    return ErrorPublic(code=key, message=render_message(key, params, lang))


def error_response(
    request: Request,
    status_code: int,
    key: str,
    params: Mapping[str, object],
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    body = error_body(key, params, request_language(request))
    return JSONResponse(body.model_dump(), status_code=status_code, headers=dict(headers or {}))


async def _handle_intervju_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, IntervjuError)
    if isinstance(exc, ApiError):
        return error_response(request, exc.status_code, exc.key, exc.params, exc.headers)
    return error_response(request, 400, exc.key, exc.params)


async def _handle_validation_error(request: Request, exc: Exception) -> Response:
    """FastAPI's own 422 (a query parameter or JSON body of the wrong shape), in the same
    ``{"code", "message"}`` form as every other error."""
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    location = errors[0].get("loc", ()) if errors else ()
    where = ".".join(str(part) for part in location if part not in ("body", "query", "path"))
    return error_response(request, 422, "request.invalid", {"field": where[:60] or "body"})


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(IntervjuError, _handle_intervju_error)
    app.add_exception_handler(RequestValidationError, _handle_validation_error)
