"""The web pages: static HTML, CSS and JavaScript modules from ``service/web/static``, served by
the same app as the API, with headers that let the pages load nothing but their own files.

No page holds data: the JavaScript fetches it from the API with the bearer token the researcher
signs in with (kept in ``sessionStorage``, gone when the tab closes).
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, RedirectResponse, Response

from service.api.errors import ApiError

STATIC = Path(str(files("service.web") / "static"))
PAGES = {"": "index.html", "review": "review.html"}
MEDIA_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
}
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "media-src 'self' blob:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Cache-Control": "no-cache",
}

router = APIRouter(include_in_schema=False)


@router.get("/")
def root() -> Response:
    return RedirectResponse("/web/", status_code=307)


@router.get("/web")
def web_root() -> Response:
    return RedirectResponse("/web/", status_code=307)


@router.get("/web/{name:path}")
def page(name: str) -> Response:
    """A page (``/web/``, ``/web/review``) or one of the files it loads (``/web/static/…``)."""
    if name in PAGES:
        return _file(STATIC / PAGES[name])
    if name.startswith("static/"):
        path = _static(name.removeprefix("static/"))
        if path is not None:
            return _file(path)
    raise ApiError(404, "web.not_found")


def _static(name: str) -> Path | None:
    """The file ``name`` under ``STATIC`` (links resolved first); None if there is none, also
    for names no file can have (a NUL, too long)."""
    try:
        path = (STATIC / name).resolve()
        if path.is_relative_to(STATIC.resolve()) and path.is_file():
            return path
    except (OSError, ValueError):
        pass
    return None


def _file(path: Path) -> Response:
    media_type = MEDIA_TYPES.get(path.suffix)
    if media_type is None:
        raise ApiError(404, "web.not_found")
    return FileResponse(path, media_type=media_type, headers=SECURITY_HEADERS)
