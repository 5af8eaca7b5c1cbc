"""At the start of the in-process worker: jobs a crash left running go back to the queue, or
fail after ``MAX_ATTEMPTS`` tries so that one poison file cannot crash-loop the service; stored
uploads that never reached the queue are queued. (Celery workers take over a dead worker's job
in ``service.jobs.claims`` instead.)"""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import defer

from service.db import Database, Job, utcnow
from service.jobs import events, lifecycle
from service.jobs.lifecycle import RUNNING, JobStatus
from service.jobs.models import MAX_ATTEMPTS, Recovery

logger = logging.getLogger(__name__)

_LIGHT = [defer(Job.transcript_json), defer(Job.options)]


def recover_interrupted(db: Database) -> Recovery:
    """Requeue (or fail) the running jobs and queue the stored uploads, in one transaction."""
    requeued = failed = 0
    now = utcnow()
    changed: list[str] = []
    with db.sessions.begin() as session:
        running = lifecycle.values(RUNNING)
        for job in session.scalars(select(Job).options(*_LIGHT).where(Job.status.in_(running))):
            job.updated_at = now
            job.worker_id = None  # the worker that held it is gone
            if job.attempts >= MAX_ATTEMPTS:
                lifecycle.check(JobStatus(job.status), JobStatus.FAILED)
                job.status = JobStatus.FAILED.value
                job.error_key = "job.too_many_attempts"
                job.error_params = {"attempts": job.attempts}
                job.finished_at = now
                failed += 1
            else:
                lifecycle.check(JobStatus(job.status), JobStatus.QUEUED)
                job.status = JobStatus.QUEUED.value
                job.step = None
                job.progress = 0.0
                job.error_key = "job.interrupted"
                job.error_params = {}
                requeued += 1
            changed.append(job.id)
        uploaded = session.scalars(
            select(Job).options(*_LIGHT).where(Job.status == JobStatus.UPLOADED.value)
        )
        for job in uploaded:
            job.status = JobStatus.QUEUED.value
            job.updated_at = now
            requeued += 1
            changed.append(job.id)
        session.flush()
        for job_id in changed:
            events.record(session, job_id, "status")
    if requeued or failed:
        logger.warning("recovered interrupted jobs: %d requeued, %d failed", requeued, failed)
    return Recovery(requeued=requeued, failed=failed)
