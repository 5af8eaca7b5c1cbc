"""The durable job queue: job records in the database and the worker that runs them."""

from service.jobs.lifecycle import IllegalTransition, JobStatus
from service.jobs.models import JobRecord, NewJob, StoredVersion, VersionConflict, VersionInfo
from service.jobs.store import JobStore
from service.jobs.worker import (
    JobCancelled,
    PipelineFactory,
    PipelineLike,
    PipelineOutput,
    Worker,
)

__all__ = [
    "IllegalTransition",
    "JobCancelled",
    "JobRecord",
    "JobStatus",
    "JobStore",
    "NewJob",
    "PipelineFactory",
    "PipelineLike",
    "PipelineOutput",
    "StoredVersion",
    "VersionConflict",
    "VersionInfo",
    "Worker",
]
