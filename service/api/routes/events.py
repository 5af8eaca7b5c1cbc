"""Server-sent events: the live feed of job changes (``service.jobs.events``) a token may see.

The stream polls the outbox (database reads in the thread pool), so it also sees changes made
by other processes. It resumes after ``Last-Event-ID`` (or ``?after=``), sends a ``: keepalive``
comment when nothing happened for a while, and ends when the client goes away, the token is
revoked or the app shuts down.
"""

from __future__ import annotations

import asyncio
import json
import time
import weakref
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool
from starlette.types import Receive, Scope, Send

from service.api.access import visible_project_ids
from service.api.deps import AppState, CurrentTokenDep, StateDep, require_token
from service.api.errors import ApiError
from service.api.schemas import error_doc
from service.auth import TokenInfo
from service.jobs.events import EventLog, JobEventRecord
from service.projects import ProjectStore

BATCH = 500
MAX_ID = 2**63 - 1  # the largest id the database can hold

router = APIRouter(
    prefix="/api/v1/events",
    tags=["events"],
    dependencies=[Depends(require_token)],
    responses={
        401: error_doc("Missing, invalid or revoked access token."),
        422: error_doc("`after` or `Last-Event-ID` is not an id."),
        429: error_doc(
            "The user already holds `INTERVJU_EVENTS__MAX_STREAMS_PER_USER` open streams."
        ),
    },
)
RETRY_AFTER_SECONDS = 30


class OpenStreams:
    """The event streams each user holds open, at most ``limit`` each. A stream holds its slot
    from the request that opens it until its generator ends; the slots are held weakly, so a
    stream whose response never began (and whose generator is dropped unstarted) frees its
    slot too."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._open: dict[str, weakref.WeakSet[_Slot]] = {}

    def take(self, user: str) -> _Slot | None:
        """A slot for one more stream of ``user``; None at the limit. Called on the event loop
        only, so counting and taking cannot interleave."""
        slots = self._open.setdefault(user, weakref.WeakSet())
        if len(slots) >= self.limit:
            return None
        slot = _Slot(self, user)
        slots.add(slot)
        return slot

    def count(self, user: str) -> int:
        return len(self._open.get(user, ()))

    def _release(self, slot: _Slot) -> None:
        slots = self._open.get(slot.user)
        if slots is not None:
            slots.discard(slot)


class _Slot:
    """One open stream's place in ``OpenStreams`` (``release`` it when the stream ends)."""

    def __init__(self, streams: OpenStreams, user: str) -> None:
        self._streams = streams
        self.user = user

    def release(self) -> None:
        self._streams._release(self)


_STREAM_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "An endless `text/event-stream`: `event: job`, `id: <event id>`, "
        '`data: {"id", "project", "kind", "status", "step", "progress", "version", "at"}`, '
        "and `: keepalive` comments.",
        "content": {"text/event-stream": {"schema": {"type": "string"}}},
    }
}


@router.get(
    "",
    summary="Follow the changes of your jobs as server-sent events",
    response_class=StreamingResponse,
    responses=_STREAM_RESPONSE,
)
async def stream_events(
    request: Request,
    state: StateDep,
    token: CurrentTokenDep,
    after: Annotated[
        int | None,
        Query(ge=0, le=MAX_ID, description="Send the events after this id (0: all kept)."),
    ] = None,
    last_event_id: Annotated[
        int | None,
        Header(ge=0, le=MAX_ID, description="Resume after this event id (wins over `after`)."),
    ] = None,
) -> StreamingResponse:
    """Events of the jobs in the caller's projects (all for an admin), oldest first; without
    ``Last-Event-ID`` or ``after``, only those that happen from now on."""
    log = EventLog(state.db)
    cursor = last_event_id if last_event_id is not None else after
    if cursor is None:
        cursor = await run_in_threadpool(log.last_id)
    streams: OpenStreams = request.app.state.event_streams
    slot = streams.take(token.user)
    if slot is None:
        headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
        raise ApiError(429, "events.too_many_streams", headers=headers, limit=streams.limit)
    return _EventStream(
        _stream(request, state, token, log, cursor),
        slot,
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


class _EventStream(StreamingResponse):
    """A stream that gives its place in ``OpenStreams`` back however it ends (finished, client
    gone, cancelled)."""

    def __init__(self, content: AsyncIterator[str], slot: _Slot, **kwargs: Any) -> None:
        super().__init__(content, **kwargs)
        self._slot = slot

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self._slot.release()


async def _stream(
    request: Request, state: AppState, token: TokenInfo, log: EventLog, cursor: int
) -> AsyncIterator[str]:
    settings = state.settings.events
    quiet_since = time.monotonic()
    while not state.stopping.is_set():
        batch = await run_in_threadpool(_read, state, token, log, cursor)
        if batch is None:  # the token was revoked
            return
        for event in batch:
            yield format_event(event)
            cursor = event.id
        now = time.monotonic()
        if batch:
            quiet_since = now
        elif now - quiet_since >= settings.keepalive_seconds:
            yield ": keepalive\n\n"
            quiet_since = now
        if len(batch) == BATCH:
            continue
        if await request.is_disconnected():
            return
        await asyncio.sleep(settings.poll_seconds)


def _read(
    state: AppState, token: TokenInfo, log: EventLog, cursor: int
) -> list[JobEventRecord] | None:
    """The next events the token may see (its projects read again each time, so a project made
    while streaming is followed); ``None`` once the token is revoked."""
    if not state.tokens.is_active(token.id):
        return None
    visible = visible_project_ids(token, ProjectStore(state.db))
    return log.after(cursor, visible, limit=BATCH)


def format_event(event: JobEventRecord) -> str:
    data = json.dumps(event.payload(), ensure_ascii=False, separators=(",", ":"))
    return f"event: job\nid: {event.id}\ndata: {data}\n\n"
