"""Jobs: upload a recording, follow its progress, fetch the transcript, correct its speakers,
delete it all."""

from __future__ import annotations

import logging
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from service.api.deps import JobStoreDep, LanguageDep, StateDep, require_token
from service.api.errors import ApiError, error_body
from service.api.job_form import job_options, openapi_properties
from service.api.schemas import (
    ErrorPublic,
    JobLinks,
    JobList,
    JobPublic,
    SpeakersUpdate,
    SpeakerTable,
)
from service.api.upload import check_upload_request, receive_upload
from service.errors import IntervjuError
from service.exporters import exporter_names, get_exporter
from service.i18n import Lang
from service.jobs import JobRecord, JobStatus, NewJob
from service.jobs.speakers import relabel_speakers
from service.options import JobOptions
from service.storage import UploadWriter, delete_upload, safe_display_name
from service.transcript import Transcript

logger = logging.getLogger(__name__)


def _error(description: str) -> dict[str, Any]:
    return {"model": ErrorPublic, "description": description}


router = APIRouter(
    prefix="/api/v1/jobs",
    tags=["jobs"],
    dependencies=[Depends(require_token)],
    responses={
        401: _error("Missing, invalid or revoked access token."),
        422: _error("A parameter or body of the wrong type or out of range."),
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
        400: _error("No file, an empty file, or an unreadable form."),
        413: _error("The file is larger than `api.max_upload_mb`."),
        415: _error("The body is not multipart/form-data."),
        422: _error(
            "An invalid form field (`language`, `model`, `diarize`, a speaker count, "
            "`interviewer`, `speaker_names`, `anonymize`, `keep_dialect`, `anonymize_dates`) or "
            "speaker counts that contradict each other; "
            "refused before the recording is kept."
        ),
    },
)
async def create_job(request: Request, state: StateDep, lang: LanguageDep) -> JSONResponse:
    settings = state.settings
    limit_mb = settings.api.max_upload_mb
    boundary = check_upload_request(request, limit_mb)
    job_id = uuid.uuid4().hex
    uploads = settings.storage.uploads_path
    with UploadWriter(uploads, job_id) as writer:
        form = await receive_upload(request, boundary, writer, limit_mb)
        options = job_options(form.fields)
        if writer.size == 0:
            raise ApiError(400, "audio.empty")
        path = await run_in_threadpool(writer.commit)
    new = NewJob(
        id=job_id,
        filename=safe_display_name(form.filename),
        upload_path=str(path),
        size_bytes=writer.size,
        options=options,
    )
    try:
        record = await run_in_threadpool(state.jobs.create, new)
    except BaseException:
        delete_upload(uploads, job_id)
        raise
    if state.worker is not None:
        state.worker.wake()
    body = job_public(request, record, lang)
    headers = {"Location": body.links.job}
    return JSONResponse(body.model_dump(mode="json"), status_code=202, headers=headers)


@router.get("", summary="All jobs, newest first")
def list_jobs(
    request: Request,
    jobs: JobStoreDep,
    lang: LanguageDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> JobList:
    records = jobs.list_recent(limit=limit, offset=offset)
    return JobList(jobs=[job_public(request, record, lang) for record in records])


@router.get(
    "/{job_id}",
    summary="One job: status, step, progress, error",
    responses={404: _error("No such job.")},
)
def get_job(request: Request, job_id: str, jobs: JobStoreDep, lang: LanguageDep) -> JobPublic:
    return job_public(request, _get_or_404(jobs, job_id), lang)


@router.get(
    "/{job_id}/transcript",
    summary="The transcript of a finished job",
    response_class=Response,
    responses={
        200: {
            "description": "The transcript in the requested format, as an attachment.",
            "content": {"application/json": {}, "text/plain": {}},
        },
        400: _error("Unknown format."),
        404: _error("No such job."),
        409: _error("The job is not done (yet)."),
    },
)
def get_transcript(
    job_id: str,
    jobs: JobStoreDep,
    format_name: Annotated[
        str, Query(alias="format", description=f"One of: {', '.join(exporter_names())}.")
    ] = "json",
) -> Response:
    exporter = get_exporter(format_name)
    record = _get_or_404(jobs, job_id)
    if record.status is not JobStatus.DONE:
        raise ApiError(409, "job.not_ready", status=record.status.value)
    transcript = jobs.get_transcript(job_id)
    if transcript is None:  # deleted in between
        raise ApiError(404, "job.not_found")
    disposition = f'attachment; filename="{record.id}.{exporter.extension}"'
    return Response(
        exporter.render(transcript),
        media_type=exporter.media_type,
        headers={"Content-Disposition": disposition},
    )


@router.patch(
    "/{job_id}/speakers",
    summary="Correct the speakers of a finished transcript",
    description="Choose the interviewer and rename speakers of a done, diarised job. The stored "
    "transcript is updated (every export shows the new names) and the job keeps the "
    "choice; names given earlier are kept unless given again. Returns the speaker table.",
    responses={
        404: _error("No such job."),
        409: _error("The job is not done, or its transcript has no speakers."),
        422: _error("An unknown speaker id, an invalid name or an invalid body."),
    },
)
def update_speakers(job_id: str, update: SpeakersUpdate, jobs: JobStoreDep) -> SpeakerTable:
    def edit(transcript: Transcript, options: JobOptions) -> tuple[Transcript, JobOptions]:
        try:
            return relabel_speakers(transcript, options, update.interviewer, update.names)
        except IntervjuError as exc:
            status = 409 if exc.key == "speakers.not_diarized" else 422
            raise ApiError.of(status, exc) from None

    record = _get_or_404(jobs, job_id)
    if record.status is not JobStatus.DONE:
        raise ApiError(409, "job.not_ready", status=record.status.value)
    result = jobs.edit_finished(job_id, edit)
    if result is None:  # deleted in between
        raise ApiError(404, "job.not_found")
    logger.info("job %s: speakers corrected", job_id)
    return SpeakerTable(speakers=list(result[0].speakers))


@router.delete(
    "/{job_id}",
    status_code=204,
    response_class=Response,
    summary="Delete a job, its recording and transcript (a running job is cancelled)",
    responses={404: _error("No such job.")},
)
def delete_job(job_id: str, state: StateDep) -> Response:
    record = state.jobs.delete(job_id)
    if record is None:
        raise ApiError(404, "job.not_found")
    delete_upload(state.settings.storage.uploads_path, record.id)
    return Response(status_code=204)


def job_public(request: Request, record: JobRecord, lang: Lang) -> JobPublic:
    job_url = request.url_for("get_job", job_id=record.id).path
    transcripts: dict[str, str] = {}
    if record.status is JobStatus.DONE:
        base = request.url_for("get_transcript", job_id=record.id).path
        transcripts = {name: f"{base}?format={name}" for name in exporter_names()}
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
        links=JobLinks(job=job_url, transcripts=transcripts),
    )


def _get_or_404(jobs: JobStoreDep, job_id: str) -> JobRecord:
    record = jobs.get(job_id)
    if record is None:
        raise ApiError(404, "job.not_found")
    return record
