"""The application factory: settings in, a FastAPI app with its database and worker out."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from service import __version__
from service.api.deps import AppState
from service.api.errors import install_error_handlers
from service.api.routes import consent as consent_routes
from service.api.routes import events as event_routes
from service.api.routes import health, jobs, media
from service.api.routes import projects as project_routes
from service.api.routes import review as review_routes
from service.api.routes import webhooks as webhook_routes
from service.api.upload import UploadSlots
from service.audio.playback import PlaybackCache
from service.auth import TokenStore
from service.config import Settings
from service.consent import Consent
from service.consent.scheduler import DeadlineScheduler
from service.datadir import open_vault
from service.db import Database, open_database
from service.jobs import JobStore, PipelineLike, Worker
from service.jobs.claims import queue_uploads
from service.jobs.events import EventLog
from service.jobs.migrate import seal_legacy_jobs
from service.offline import enforce_offline
from service.storage import DataDirLock, ensure_dir
from service.web import routes as web_routes
from service.webhooks import Dispatcher

if TYPE_CHECKING:
    from service.jobs.celery_queue import CeleryQueue

DESCRIPTION = """\
Offline transcription of Norwegian interview recordings.

Upload a recording to `POST /api/v1/jobs` (optionally with speaker counts, the interviewer and
names), follow the job at `GET /api/v1/jobs/{id}`, fetch the transcript from
`GET /api/v1/jobs/{id}/transcript?format=txt|json|rttm`, review it under
`/api/v1/jobs/{id}/review` (accept, reject or add redactions, edit text; each change is a new
version) and correct the speakers with `PATCH /api/v1/jobs/{id}/speakers`. Verify it with
`POST /api/v1/jobs/{id}/verify`: the recording is then crypto-shredded and a receipt written to
the hash-chained audit log (`GET /api/v1/jobs/{id}/receipt`). `DELETE /api/v1/jobs/{id}?purge=true`
withdraws a job. Jobs belong to projects (`/api/v1/projects`). Follow every change of your jobs
live at `GET /api/v1/events` (server-sent events), or have it POSTed, signed, to a webhook
(`/api/v1/webhooks`). Every route but
`/healthz` needs `Authorization: Bearer <token>` (`intervju token create`). Messages are in
Norwegian bokmål unless `Accept-Language` asks for English.
"""


def create_app(
    settings: Settings,
    pipeline_factory: Callable[[Settings], PipelineLike] | None = None,
    start_worker: bool | None = None,
) -> FastAPI:
    """Build the app. ``pipeline_factory`` makes the worker's pipeline (default: the real
    ``service.pipeline.Pipeline``, created on the first job); ``start_worker`` defaults to
    ``settings.worker.enabled``."""
    enforce_offline()
    db = open_database(settings.db_url)
    vault = open_vault(settings)
    store = JobStore(db, vault)
    playback = PlaybackCache()  # the review page's recordings, briefly in memory
    consent = Consent(
        db, store, vault, settings.storage.audit_path, on_audio_deleted=playback.forget
    )
    run_worker = settings.worker.enabled if start_worker is None else start_worker
    celery = _celery_queue(settings, db) if settings.queue.backend == "celery" else None
    if celery is not None:
        run_worker = False  # `intervju worker` processes run the jobs
    worker = Worker(settings, store, pipeline_factory or _real_pipeline) if run_worker else None
    deadlines = DeadlineScheduler(consent, settings.consent)
    webhooks = Dispatcher(db, vault, settings.webhooks, settings.events)
    state = AppState(
        settings=settings,
        db=db,
        jobs=store,
        tokens=TokenStore(db),
        worker=worker,
        vault=vault,
        send_job=celery.send if celery is not None else None,
        consent=consent,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        ensure_dir(settings.storage.data_dir)
        lock = DataDirLock(settings.storage.data_dir)
        lock.acquire()
        try:
            await run_in_threadpool(prepare, state)
            deadlines.start()
            webhooks.start()
            if worker is not None:
                worker.start()
            yield
        finally:
            state.stopping.set()
            await run_in_threadpool(deadlines.stop)
            await run_in_threadpool(webhooks.stop)
            if worker is not None:
                await run_in_threadpool(worker.stop)
            if celery is not None:
                celery.close()
            db.dispose()
            lock.release()

    app = FastAPI(
        title="intervju",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.intervju = state
    app.state.playback = playback
    app.state.event_streams = event_routes.OpenStreams(settings.events.max_streams_per_user)
    app.state.upload_slots = UploadSlots(settings.api.max_concurrent_uploads)
    install_error_handlers(app)
    app.include_router(health.router)
    app.include_router(jobs.router)
    app.include_router(consent_routes.router)
    app.include_router(review_routes.router)
    app.include_router(project_routes.router)
    app.include_router(event_routes.router)
    app.include_router(webhook_routes.router)
    app.include_router(media.router)
    app.include_router(web_routes.router)
    return app


def prepare(state: AppState) -> None:
    """On start: the schema migrated; interrupted jobs back in the queue; deletions a crash
    interrupted finished; recordings that never became a job shredded; old job events
    pruned."""
    state.db.upgrade()
    seal_legacy_jobs(state.db, state.vault, state.settings.storage.uploads_path)
    if state.settings.queue.backend == "celery":
        queue_uploads(state.jobs)  # running jobs belong to the workers (service.jobs.claims)
    else:
        state.jobs.recover_interrupted()
    state.consent.complete_pending()
    events = state.settings.events
    EventLog(state.db).prune(events.keep_days, events.keep_max)


def _celery_queue(settings: Settings, db: Database) -> CeleryQueue:
    # Imported only for this backend: the default install never imports Celery.
    from service.jobs.celery_queue import CeleryQueue

    return CeleryQueue(settings, db)


def _real_pipeline(settings: Settings) -> PipelineLike:
    # Imported on the first job only: it loads the speech recognition stack.
    from service.pipeline import Pipeline

    return Pipeline(settings)
