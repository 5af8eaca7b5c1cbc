"""The durable job queue: job records in the database and the worker that runs them."""

from service.jobs.models import JobRecord, JobStatus, NewJob
from service.jobs.store import JobStore
from service.jobs.worker import JobCancelled, PipelineFactory, PipelineLike, Worker

__all__ = [
    "JobCancelled",
    "JobRecord",
    "JobStatus",
    "JobStore",
    "NewJob",
    "PipelineFactory",
    "PipelineLike",
    "Worker",
]
