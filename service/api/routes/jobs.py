"""Jobs: upload a recording, follow its progress, fetch the transcript, correct its speakers.
Verification, receipts and withdrawal are in ``service.api.routes.consent``."""

from __future__ import annotations

import dataclasses
import logging
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from service.api.access import visible_project, visible_project_ids
from service.api.deps import AppState, CurrentTokenDep, LanguageDep, StateDep, require_token
from service.api.errors import ApiError, error_body
from service.api.exports import (
    EXPORT_MEDIA_TYPES,
    ExportOriginalsQuery,
    ExportRequest,
    FormatQuery,
    LineNumbersQuery,
    TimestampsQuery,
    export_response,
    read_codebook_body,
)
from service.api.job_access import visible_job
from service.api.job_form import check_field, job_options, openapi_properties
from service.api.revisions import Revision, store_revision
from service.api.schemas import (
    JobLinks,
    JobList,
    JobPublic,
    SpeakersUpdate,
    SpeakerTable,
    error_doc,
)
from service.api.upload import check_upload_request, receive_upload, upload_slots
from service.auth import TokenInfo
from service.consent.deletion import audio_object
from service.errors import IntervjuError
from service.exporters import exporter_names
from service.i18n import Lang
from service.jobs import JobRecord, NewJob, StoredVersion
from service.jobs.lifecycle import HAS_TRANSCRIPT
from service.jobs.models import InformantCodeTaken
from service.jobs.speakers import relabel_speakers
from service.projects import ProjectRecord, ProjectStore
from service.storage import safe_display_name

logger = logging.getLogger(__name__)


router = APIRouter(
    prefix="/api/v1/jobs",
    tags=["jobs"],
    dependencies=[Depends(require_token)],
    responses={
        401: error_doc("Missing, invalid or revoked access token."),
        422: error_doc("A parameter or body of the wrong type or out of range."),
    },
)

_UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": "The recording (any format ffmpeg can read).",
                        },
                        **openapi_properties(),
                    },
                }
            }
        },
    }
}


@router.post(
    "",
    status_code=202,
    response_model=JobPublic,
    summary="Upload a recording and queue it for transcription",
    openapi_extra=_UPLOAD_BODY,
    responses={
        400: error_doc("No file, an empty file, or an unreadable form."),
        409: error_doc(
            "The project already has a job with this `informant_code`, or (none given) its "
            "next `S<n>` would not fit in a code; nothing is kept."
        ),
        413: error_doc("The file is larger than `api.max_upload_mb`."),
        415: error_doc("The body is not multipart/form-data."),
        429: error_doc(
            "`api.max_concurrent_uploads` uploads are already being received; refused before "
            "the body is read (a client that sends `Expect: 100-continue`, as curl does, sends "
            "none of it; others may send it, and it is discarded). Try again after "
            "`Retry-After` seconds."
        ),
        422: error_doc(
            "An invalid form field (`language`, `model`, `diarize`, a speaker count, "
            "`interviewer`, `speaker_names`, `anonymize`, `keep_dialect`, `anonymize_dates`) or "
            "speaker counts that contradict each other; "
            "refused before the recording is kept."
        ),
    },
)
async def create_job(
    request: Request, state: StateDep, token: CurrentTokenDep, lang: LanguageDep
) -> JSONResponse:
    settings = state.settings
    limit_mb = settings.api.max_upload_mb
    boundary = check_upload_request(request, limit_mb)
    job_id = uuid.uuid4().hex
    with upload_slots(request).hold(), state.vault.writer(audio_object(job_id)) as writer:
        form = await receive_upload(request, boundary, writer, limit_mb)
        options = job_options(form.fields)
        project = upload_project(state, token, form.fields.get("project", ""))
        if writer.size == 0:
            raise ApiError(400, "audio.empty")
        sealed = await run_in_threadpool(writer.commit)
    if project.anonymize_dates:  # the project's consent settings bind every job in it
        options = dataclasses.replace(options, anonymize_dates=True)
    new = NewJob(
        id=job_id,
        filename=safe_display_name(form.filename),
        audio_object=sealed.object_id,
        size_bytes=sealed.size,
        audio_sha256=sealed.sha256,
        options=options,
        project_id=project.id,
        # none given: the project's next free S<n>, chosen as the job is stored
        informant_code=check_field("informant_code", form.fields.get("informant_code", "")),
        created_by=token.user,
    )
    try:
        await run_in_threadpool(state.jobs.create, new)
        await run_in_threadpool(state.jobs.queue, job_id)
    except InformantCodeTaken as exc:
        state.vault.shred(sealed.object_id)
        raise ApiError.of(409, exc) from None
    except BaseException:
        state.vault.shred(sealed.object_id)
        raise
    record = state.jobs.get(job_id)
    assert record is not None
    if state.worker is not None:
        state.worker.wake()
    if state.send_job is not None:
        await run_in_threadpool(state.send_job, job_id)
    body = job_public(request, record, lang)
    headers = {"Location": body.links.job}
    return JSONResponse(body.model_dump(mode="json"), status_code=202, headers=headers)


def upload_project(state: AppState, token: TokenInfo, raw: str) -> ProjectRecord:
    """The project an upload goes to: the one named (if the caller may see it), else the
    caller's default project."""
    projects = ProjectStore(state.db)
    project_id = check_field("project", raw)
    if project_id is None:
        return projects.default_for(token.user)
    return visible_project(token, project_id, projects)


@router.get("", summary="All jobs, newest first")
def list_jobs(
    request: Request,
    state: StateDep,
    token: CurrentTokenDep,
    lang: LanguageDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> JobList:
    visible = visible_project_ids(token, ProjectStore(state.db))
    records = state.jobs.list_recent(limit=limit, offset=offset, project_ids=visible)
    return JobList(jobs=[job_public(request, record, lang) for record in records])


@router.get(
    "/{job_id}",
    summary="One job: status, step, progress, error",
    responses={404: error_doc("No such job.")},
)
def get_job(
    request: Request, job_id: str, state: StateDep, token: CurrentTokenDep, lang: LanguageDep
) -> JobPublic:
    return job_public(request, visible_job(state, token, job_id), lang)


# What both export routes answer (OpenAPI).
_EXPORT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The transcript in the requested format, as an attachment.",
        "content": EXPORT_MEDIA_TYPES,
    },
    400: error_doc("Unknown format."),
    404: error_doc("No such job."),
    409: error_doc(
        "The job has no transcript (yet, or any more), or `originals=true` after review."
    ),
}


@router.get(
    "/{job_id}/transcript",
    summary="The transcript of a finished job",
    response_class=Response,
    responses={
        **_EXPORT_RESPONSES,
    },
)
def get_transcript(
    job_id: str,
    state: StateDep,
    token: CurrentTokenDep,
    lang: LanguageDep,
    format_name: FormatQuery = "json",
    timestamps: TimestampsQuery = True,
    line_numbers: LineNumbersQuery = False,
    originals: ExportOriginalsQuery = False,
) -> Response:
    wanted = ExportRequest(format_name, timestamps, line_numbers, originals)
    return export_response(state, token, job_id, wanted, lang)


@router.post(
    "/{job_id}/export",
    summary="The transcript with a codebook (qdpx)",
    description="As `GET …/transcript`, with a REFI-QDA codebook (.qdc) as the request body "
    "(`Content-Type: application/xml`, at most 5 MiB) whose codes go into the `qdpx` project; "
    "an empty body exports without one.",
    response_class=Response,
    responses={
        **_EXPORT_RESPONSES,
        413: error_doc("The codebook is over 5 MiB."),
        422: error_doc("Not a REFI-QDA codebook, or a codebook with another format than qdpx."),
    },
)
async def export_transcript(
    job_id: str,
    request: Request,
    state: StateDep,
    token: CurrentTokenDep,
    lang: LanguageDep,
    format_name: FormatQuery = "qdpx",
    timestamps: TimestampsQuery = True,
    line_numbers: LineNumbersQuery = False,
    originals: ExportOriginalsQuery = False,
) -> Response:
    codebook = await read_codebook_body(request)
    wanted = ExportRequest(format_name, timestamps, line_numbers, originals, codebook)
    return await run_in_threadpool(export_response, state, token, job_id, wanted, lang)


@router.patch(
    "/{job_id}/speakers",
    summary="Correct the speakers of a transcript in review",
    description="Choose the interviewer and rename speakers of a diarised job in review. The "
    "change is stored as a new transcript version (every export shows the new names) and the "
    "job keeps the choice; names given earlier are kept unless given again. Returns the "
    "speaker table.",
    responses={
        404: error_doc("No such job."),
        409: error_doc("The job is not in review, or its transcript has no speakers."),
        422: error_doc("An unknown speaker id, an invalid name or an invalid body."),
    },
)
def update_speakers(
    job_id: str, update: SpeakersUpdate, state: StateDep, token: CurrentTokenDep
) -> SpeakerTable:
    def revise(record: JobRecord, latest: StoredVersion) -> Revision:
        transcript, options = relabel_speakers(
            latest.transcript, record.options, update.interviewer, update.names
        )
        return Revision(transcript, latest.originals, options)

    def status_of(exc: IntervjuError) -> int:
        return 409 if exc.key == "speakers.not_diarized" else 422

    _, stored = store_revision(
        state, token, job_id, base=None, change="speakers", revise=revise, status_of=status_of
    )
    logger.info("job %s: speakers corrected", job_id)
    return SpeakerTable(speakers=list(stored.transcript.speakers))


def job_public(request: Request, record: JobRecord, lang: Lang) -> JobPublic:
    job_url = request.url_for("get_job", job_id=record.id).path
    transcripts: dict[str, str] = {}
    if record.status in HAS_TRANSCRIPT:
        base = request.url_for("get_transcript", job_id=record.id).path
        transcripts = {name: f"{base}?format={name}" for name in exporter_names()}
    receipt = None
    if record.receipt_seq is not None:
        receipt = request.url_for("get_receipt", job_id=record.id).path
    error = None
    if record.error_key is not None:
        error = error_body(record.error_key, record.error_params, lang)
    return JobPublic(
        id=record.id,
        status=record.status,
        step=record.step,
        progress=record.progress,
        error=error,
        filename=record.filename,
        size_bytes=record.size_bytes,
        project=record.project_id,
        informant_code=record.informant_code,
        language=record.options.language,
        model=record.options.model,
        diarize=record.options.diarize,
        speakers=record.options.num_speakers,
        min_speakers=record.options.min_speakers,
        max_speakers=record.options.max_speakers,
        interviewer=record.options.interviewer,
        speaker_names=dict(record.options.speaker_names),
        anonymize=record.options.anonymize,
        keep_dialect=record.options.keep_dialect,
        anonymize_dates=record.options.anonymize_dates,
        attempts=record.attempts,
        created_at=record.created_at,
        updated_at=record.updated_at,
        started_at=record.started_at,
        finished_at=record.finished_at,
        duration=record.duration,
        audio_sha256=record.audio_sha256,
        transcript_version=record.transcript_version,
        verified_at=record.verified_at,
        audio_deleted_at=record.audio_deleted_at,
        deletion_reason=record.deletion_reason,
        links=JobLinks(job=job_url, transcripts=transcripts, receipt=receipt),
    )
