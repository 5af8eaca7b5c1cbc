"""Liveness: the only route that needs no access token."""

from __future__ import annotations

from fastapi import APIRouter

from service import __version__
from service.api.schemas import Health

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Is the service up?")
def healthz() -> Health:
    return Health(version=__version__)
