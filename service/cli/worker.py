"""`intervju worker`: run jobs from the Celery queue (``INTERVJU_QUEUE__BACKEND=celery``)."""

from __future__ import annotations

import click

from service.cli.common import load_settings
from service.config import Settings
from service.jobs import PipelineLike


@click.command()
@click.option(
    "--concurrency",
    type=click.IntRange(1, 64),
    help="Jobber samtidig / jobs at once (standard: INTERVJU_QUEUE__CONCURRENCY; 1 per GPU).",
)
def worker(concurrency: int | None) -> None:
    """Kjør jobber fra Celery-køen (Redis). / Run jobs from the Celery queue (Redis).

    Start én per GPU: CUDA_VISIBLE_DEVICES=0 intervju worker. / Start one per GPU.
    """
    settings = load_settings()
    if settings.queue.backend != "celery":
        raise click.UsageError(
            "Sett INTERVJU_QUEUE__BACKEND=celery (også for `serve`) / "
            "set INTERVJU_QUEUE__BACKEND=celery (for `serve` too)"
        )
    if concurrency is not None:
        queue = settings.queue.model_copy(update={"concurrency": concurrency})
        settings = settings.model_copy(update={"queue": queue})
    # Imported here: Celery is an extra, and only this backend needs it.
    from service.jobs.celery_queue import run_worker

    run_worker(settings, make_pipeline)


def make_pipeline(settings: Settings) -> PipelineLike:
    """The real pipeline, made on a worker process's first job (loads the models)."""
    from service.pipeline import Pipeline

    return Pipeline(settings)
