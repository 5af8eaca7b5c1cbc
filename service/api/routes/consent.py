"""Keeping the consent form's promises over HTTP: verify a transcript (the audio is then
deleted), download the deletion receipt, withdraw a job (purge everything)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from service.api.deps import CurrentTokenDep, LanguageDep, StateDep, require_token
from service.api.errors import ApiError
from service.api.job_access import visible_job
from service.api.routes.jobs import job_public
from service.api.schemas import JobPublic, ReceiptPublic, VerifyRequest, error_doc
from service.consent import receipts
from service.consent.receipts import Actor
from service.errors import IntervjuError

router = APIRouter(
    prefix="/api/v1/jobs",
    tags=["consent"],
    dependencies=[Depends(require_token)],
    responses={
        401: error_doc("Missing, invalid or revoked access token."),
        422: error_doc("A parameter or body of the wrong type or out of range."),
    },
)

_CONFLICTS = {"job.not_in_review", "review.version_conflict", "verify.checksum_mismatch"}


@router.post(
    "/{job_id}/verify",
    summary="Verify the reviewed transcript; the recording is then deleted",
    description="Marks the newest transcript version as checked and final: it is re-read from "
    "disk and its SHA-256 compared first. Then, unless the project keeps audio after "
    "verification, the recording is crypto-shredded and a deletion receipt is appended to "
    "the hash-chained audit log (`links.receipt`). The map from tags back to the original "
    "words is deleted. Repeating the call on a verified job finishes an interrupted deletion.",
    responses={
        404: error_doc("No such job."),
        409: error_doc("The job is not in review, or a newer version exists than `version`."),
    },
)
async def verify_job(
    request: Request,
    job_id: str,
    state: StateDep,
    token: CurrentTokenDep,
    lang: LanguageDep,
    body: VerifyRequest | None = None,
) -> JobPublic:
    visible_job(state, token, job_id)
    version = body.version if body is not None else None
    try:
        record = await run_in_threadpool(
            state.consent.verify, job_id, version, Actor.of_token(token)
        )
    except IntervjuError as exc:
        status = 409 if exc.key in _CONFLICTS else 404
        raise ApiError.of(status, exc) from None
    return job_public(request, record, lang)


@router.get(
    "/{job_id}/receipt",
    summary="The deletion receipt of a job",
    response_model=ReceiptPublic,
    responses={404: error_doc("No such job, or nothing of it has been deleted yet.")},
)
def get_receipt(job_id: str, state: StateDep, token: CurrentTokenDep) -> JSONResponse:
    record = visible_job(state, token, job_id)
    entry = None
    if record.receipt_seq is not None:
        entry = receipts.entry_at(state.settings.storage.audit_path, record.receipt_seq)
    if entry is None:
        raise ApiError(404, "receipt.not_found")
    disposition = f'attachment; filename="kvittering-{record.id}.json"'
    return JSONResponse(receipts.document(entry), headers={"Content-Disposition": disposition})


@router.delete(
    "/{job_id}",
    summary="Withdraw a job: delete its recording, transcripts and names (needs purge=true)",
    description="For an informant who withdraws consent, or a wrong upload. The recording is "
    "crypto-shredded, every transcript version and the tag map deleted, the file name and "
    "options blanked, and a receipt without personal data appended to the audit log. A running "
    "job stops. The job stays listed as `withdrawn`. Cannot be undone.",
    response_model=ReceiptPublic,
    responses={
        400: error_doc("`purge=true` is missing."),
        404: error_doc("No such job."),
    },
)
async def purge_job(
    job_id: str,
    state: StateDep,
    token: CurrentTokenDep,
    purge: Annotated[
        bool, Query(description="Must be `true`: deletes everything of the job, for good.")
    ] = False,
) -> JSONResponse:
    visible_job(state, token, job_id)
    if not purge:
        raise ApiError(400, "job.purge_required")
    try:
        receipt = await run_in_threadpool(state.consent.purge, job_id, Actor.of_token(token))
    except IntervjuError as exc:
        raise ApiError.of(404, exc) from None
    return JSONResponse(receipts.document(receipt.entry))
