"""The recording, playable in the browser, for the review page: only while the job still has it.

``GET /api/v1/jobs/{job_id}/audio`` decodes the sealed recording in memory and answers MP3
(``service.audio.playback``), with byte ranges (206) so a player can seek. Nothing is cached by
the browser (``no-store``); the service keeps the encoded bytes a few minutes in memory, and
forgets them as soon as the recording is deleted.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from service.api.deps import CurrentTokenDep, StateDep, require_token
from service.api.errors import ApiError
from service.api.job_access import visible_job
from service.api.schemas import error_doc
from service.audio import SealedAudio
from service.audio.playback import MEDIA_TYPE, PlaybackCache, encode_for_browser
from service.errors import AudioError
from service.jobs.lifecycle import HAS_AUDIO
from service.vault import VaultError

_RANGE = re.compile(r"bytes=(\d*)-(\d*)")
_MAX_DIGITS = 18  # any longer number is beyond every recording (and beyond int()'s limit)



router = APIRouter(
    prefix="/api/v1/jobs",
    tags=["media"],
    dependencies=[Depends(require_token)],
    responses={401: error_doc("Missing, invalid or revoked access token.")},
)


def get_playback(request: Request) -> PlaybackCache:
    cache: PlaybackCache = request.app.state.playback
    return cache


PlaybackDep = Annotated[PlaybackCache, Depends(get_playback)]


@router.get(
    "/{job_id}/audio",
    summary="The recording as MP3 for listening while reviewing (byte ranges supported)",
    description="Decoded from the encrypted recording in memory, never written to disk; mono "
    "MP3 at 48 kbit/s. Send `Range: bytes=a-b` for part of it (206). Only while the job has "
    "its recording: after verification (or withdrawal, or the project's end date) 409.",
    response_class=Response,
    responses={
        200: {"description": "The whole recording.", "content": {MEDIA_TYPE: {}}},
        206: {"description": "The requested byte range.", "content": {MEDIA_TYPE: {}}},
        404: error_doc("No such job (or not one the token may see)."),
        409: error_doc("The recording has been deleted."),
        416: error_doc("The range lies outside the recording."),
        422: error_doc("An invalid request."),
    },
)
async def get_audio(
    job_id: str,
    state: StateDep,
    token: CurrentTokenDep,
    playback: PlaybackDep,
    range_header: Annotated[str | None, Header(alias="range")] = None,
) -> Response:
    record = visible_job(state, token, job_id)
    if record.status not in HAS_AUDIO:
        playback.forget(job_id)
        raise ApiError(409, "media.audio_deleted", status=record.status.value)
    source = SealedAudio(state.vault, record.audio_object)
    try:
        data = await run_in_threadpool(playback.get, job_id, lambda: encode_for_browser(source))
    except VaultError:  # deleted since the status was read
        playback.forget(job_id)
        raise ApiError(409, "media.audio_deleted", status=record.status.value) from None
    except AudioError as exc:
        raise ApiError.of(422, exc) from None
    return ranged(data, range_header)


def ranged(data: bytes, range_header: str | None) -> Response:
    """``data`` whole (200), or the one byte range asked for (206, or 416 outside it). A header
    this does not understand (several ranges, another unit) gets the whole body, as RFC 9110
    allows."""
    headers = {"Accept-Ranges": "bytes", "Cache-Control": "no-store"}
    span = _parse_range(range_header, len(data)) if range_header else None
    if span is None:
        return Response(data, media_type=MEDIA_TYPE, headers=headers)
    if span == (-1, -1):
        headers["Content-Range"] = f"bytes */{len(data)}"
        raise ApiError(416, "media.bad_range", headers=headers)
    first, last = span
    headers["Content-Range"] = f"bytes {first}-{last}/{len(data)}"
    return Response(data[first : last + 1], status_code=206, media_type=MEDIA_TYPE, headers=headers)


def _parse_range(value: str, size: int) -> tuple[int, int] | None:
    """``(first, last)`` inclusive; ``(-1, -1)`` when unsatisfiable; None to send it all."""
    match = _RANGE.fullmatch(value.strip())
    if match is None or (not match[1] and not match[2]):
        return None
    if not match[1]:  # the last n bytes
        count = _number(match[2])
        return (max(0, size - count), size - 1) if count and size else (-1, -1)
    first = _number(match[1])
    last = _number(match[2]) if match[2] else size - 1
    if first >= size or last < first:
        return (-1, -1)
    return first, min(last, size - 1)


def _number(digits: str) -> int:
    """A byte position; one too long to be real counts as 10**18, past any recording's end."""
    return int(digits) if len(digits) <= _MAX_DIGITS else 10**_MAX_DIGITS
