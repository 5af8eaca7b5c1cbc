"""A job's transcript as a file: the export context (project, informant code, layout, codebook)
built from the job, and what the tags replaced only on request while the job is in review.

Used by ``GET /api/v1/jobs/{id}/transcript`` and ``POST /api/v1/jobs/{id}/export``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import Response

from service.api.deps import AppState
from service.api.errors import ApiError
from service.api.job_access import visible_job
from service.auth import TokenInfo
from service.errors import IntervjuError
from service.exporters import ExportContext, exporter_names, get_exporter
from service.exporters.codebook import MAX_BYTES as CODEBOOK_MAX_BYTES
from service.exporters.layout import redaction_key
from service.i18n import Lang
from service.jobs.lifecycle import HAS_TRANSCRIPT, JobStatus
from service.projects import ProjectStore

logger = logging.getLogger(__name__)

# OpenAPI: what GET …/transcript and POST …/export may answer
EXPORT_MEDIA_TYPES: dict[str, dict[str, object]] = {
    get_exporter(name).media_type.split(";")[0]: {} for name in exporter_names()
}

FormatQuery = Annotated[
    str, Query(alias="format", description=f"One of: {', '.join(exporter_names())}.")
]
TimestampsQuery = Annotated[
    bool,
    Query(description="Start times in the text (docx, txt, qdpx); the timed formats keep them."),
]
LineNumbersQuery = Annotated[bool, Query(description="Number the lines (docx, txt).")]
ExportOriginalsQuery = Annotated[
    bool,
    Query(
        description="Add what each tag replaced (a redaction key in docx). Only while the job is "
        "in review (409 otherwise); they are deleted when the transcript is verified."
    ),
]


@dataclass(frozen=True)
class ExportRequest:
    format_name: str
    timestamps: bool = True
    line_numbers: bool = False
    originals: bool = False
    codebook: bytes | None = None


def export_response(
    state: AppState, token: TokenInfo, job_id: str, request: ExportRequest, lang: Lang
) -> Response:
    """The newest transcript of a job the token sees, rendered as asked."""
    exporter = get_exporter(request.format_name)
    if request.codebook is not None and exporter.name != "qdpx":
        raise ApiError(422, "export.codebook_needs_qdpx")
    record = visible_job(state, token, job_id)
    if record.status not in HAS_TRANSCRIPT:
        raise ApiError(409, "job.not_ready", status=record.status.value)
    if request.originals and record.status is not JobStatus.READY_FOR_REVIEW:
        raise ApiError(409, "job.not_in_review", status=record.status.value)
    stored = state.jobs.latest_version(job_id)
    if stored is None:  # withdrawn in between
        raise ApiError(404, "job.not_found")
    project = ProjectStore(state.db).get(record.project_id) if record.project_id else None
    context = ExportContext(
        project=project.name if project is not None else None,
        informant_code=record.informant_code,
        timestamps=request.timestamps,
        line_numbers=request.line_numbers,
        codebook=request.codebook,
        originals=(
            redaction_key(stored.transcript, stored.originals) if request.originals else None
        ),
        language=lang,
    )
    try:
        data = exporter.render(stored.transcript, context)
    except IntervjuError as exc:  # a codebook that is not one
        raise ApiError.of(422, exc) from None
    if request.originals:
        logger.info("job %s: exported with what the tags replaced", job_id)
    suffix = "" if exporter.name == exporter.extension else f"-{exporter.name}"
    disposition = f'attachment; filename="{record.id}{suffix}.{exporter.extension}"'
    return Response(
        data,
        media_type=exporter.media_type,
        headers={"Content-Disposition": disposition, "Cache-Control": "no-store"},
    )


async def read_codebook_body(request: Request) -> bytes | None:
    """The request body (a .qdc file), at most the codebook limit; None when empty."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > CODEBOOK_MAX_BYTES:
            raise ApiError(413, "upload.too_large", limit_mb=CODEBOOK_MAX_BYTES // 1024 // 1024)
        chunks.append(chunk)
    return b"".join(chunks) or None
