"""Streams a multipart/form-data upload straight into the job's upload file.

FastAPI's ``UploadFile`` would spool the recording to a plaintext temp file in the system temp
directory first; here python-multipart's streaming parser hands the bytes of the ``file`` part
directly to the vault's ``SealedWriter``, which encrypts them as they come: no byte of the
recording reaches the disk in plain text. Each text
field is checked as soon as it has arrived (``service.api.job_form``). At most
``api.max_concurrent_uploads`` uploads are received at once (``UploadSlots``): one more is
refused with 429 before its body is read.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from python_multipart import MultipartParser
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import parse_options_header
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request

from service.api.errors import ApiError
from service.api.job_form import FIELDS, check_field
from service.vault import SealedWriter

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks

logger = logging.getLogger(__name__)

FILE_FIELD = "file"
# Room for part headers and the small text fields on top of the file itself.
FORM_OVERHEAD_BYTES = 64 * 1024
# What a refused upload is told to wait before it tries again.
RETRY_AFTER_SECONDS = 2


class UploadSlots:
    """Room for at most ``limit`` uploads being received at once, in the whole service.

    Taken and given back on the event loop only (the upload route is ``async``), so counting
    needs no lock; ``hold`` gives the slot back however the upload ends (stored, refused,
    failed, the client gone, the request cancelled)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.active = 0

    @contextmanager
    def hold(self) -> Iterator[None]:
        """A slot for one upload, or ``ApiError(429)`` with ``Retry-After`` when all are taken."""
        if self.active >= self.limit:
            headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
            raise ApiError(429, "upload.too_many", headers=headers, limit=self.limit)
        self.active += 1
        try:
            yield
        finally:
            self.active -= 1


def upload_slots(request: Request) -> UploadSlots:
    """The app's ``UploadSlots`` (made with the app, ``api.max_concurrent_uploads``)."""
    slots: UploadSlots = request.app.state.upload_slots
    return slots


@dataclass
class ReceivedForm:
    """What arrived besides the file bytes (which are in the writer)."""

    filename: str | None = None  # the client's name for the file; None: no file part
    fields: dict[str, str] = field(default_factory=dict)
    complete: bool = False


class _FormReader:
    """Callbacks for ``MultipartParser``: file bytes to the writer, small fields to memory."""

    def __init__(self, writer: SealedWriter, limit_bytes: int, limit_mb: int) -> None:
        self.form = ReceivedForm()
        self._writer = writer
        self._limit_bytes = limit_bytes
        self._limit_mb = limit_mb
        self._headers: dict[str, str] = {}
        self._header_field = bytearray()
        self._header_value = bytearray()
        self._target: str | None = None  # FILE_FIELD, a text field name, or None (skipped)
        self._value = bytearray()

    def callbacks(self) -> MultipartCallbacks:
        return {
            "on_part_begin": self._on_part_begin,
            "on_header_field": self._on_header_field,
            "on_header_value": self._on_header_value,
            "on_header_end": self._on_header_end,
            "on_headers_finished": self._on_headers_finished,
            "on_part_data": self._on_part_data,
            "on_part_end": self._on_part_end,
            "on_end": self._on_end,
        }

    def _on_part_begin(self) -> None:
        self._headers = {}
        self._target = None
        self._value = bytearray()

    def _on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_field += data[start:end]

    def _on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _on_header_end(self) -> None:
        name = self._header_field.decode("latin-1").strip().lower()
        self._headers[name] = self._header_value.decode("utf-8", errors="replace")
        self._header_field = bytearray()
        self._header_value = bytearray()

    def _on_headers_finished(self) -> None:
        _, params = parse_options_header(self._headers.get("content-disposition"))
        name = params.get(b"name", b"").decode("utf-8", errors="replace")
        filename = params.get(b"filename")
        if name == FILE_FIELD and filename and self.form.filename is None:
            self.form.filename = filename.decode("utf-8", errors="replace")
            self._target = FILE_FIELD
        elif name in FIELDS and filename is None:
            self._target = name

    def _on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._target == FILE_FIELD:
            if self._writer.size + (end - start) > self._limit_bytes:
                raise ApiError(413, "upload.too_large", limit_mb=self._limit_mb)
            self._writer.write(data[start:end])
        elif self._target is not None:
            self._value += data[start:end]
            if len(self._value) > FIELDS[self._target].max_bytes:
                raise ApiError(422, "upload.bad_field", field=self._target)

    def _on_part_end(self) -> None:
        if self._target is not None and self._target in FIELDS:
            value = self._value.decode("utf-8", errors="replace")
            check_field(self._target, value)  # refuse now, before more of the body is read
            self.form.fields[self._target] = value
        self._target = None

    def _on_end(self) -> None:
        self.form.complete = True


def check_upload_request(request: Request, limit_mb: int) -> bytes:
    """Refuse before reading the body: not multipart, or a declared length over the limit.
    Returns the multipart boundary."""
    content_type, params = parse_options_header(request.headers.get("content-type"))
    boundary = params.get(b"boundary")
    if content_type != b"multipart/form-data" or not boundary:
        raise ApiError(415, "upload.not_multipart")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > _limit_bytes(limit_mb) + FORM_OVERHEAD_BYTES:
        raise ApiError(413, "upload.too_large", limit_mb=limit_mb)
    return boundary


async def receive_upload(
    request: Request, boundary: bytes, writer: SealedWriter, limit_mb: int
) -> ReceivedForm:
    """Stream the body into ``writer``; raise ``ApiError`` as soon as something is off
    (the caller's ``SealedWriter`` context then deletes the partial object)."""
    limit_bytes = _limit_bytes(limit_mb)
    reader = _FormReader(writer, limit_bytes, limit_mb)
    try:
        parser = MultipartParser(boundary, reader.callbacks())
        received = 0
        async for chunk in request.stream():
            received += len(chunk)
            if received > limit_bytes + FORM_OVERHEAD_BYTES:
                raise ApiError(413, "upload.too_large", limit_mb=limit_mb)
            if chunk:
                await run_in_threadpool(parser.write, chunk)
    except FormParserError:
        raise ApiError(400, "upload.malformed") from None
    except ClientDisconnect:
        logger.info("client disconnected during an upload")
        raise ApiError(400, "upload.malformed") from None
    if reader.form.filename is None:
        raise ApiError(400, "upload.no_file")
    if not reader.form.complete:
        raise ApiError(400, "upload.malformed")
    return reader.form


def _limit_bytes(limit_mb: int) -> int:
    return limit_mb * 1024 * 1024
