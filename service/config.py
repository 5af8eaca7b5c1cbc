"""One settings object for the whole service (environment prefix ``INTERVJU_``).

Nested groups use a double underscore: ``INTERVJU_ASR__MODEL=/models/nb-whisper-small``.
Build it once (``Settings()``) at the edge -- the CLI or ``create_app`` -- and pass it down.
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_data_dir() -> Path:
    """``$XDG_DATA_HOME/intervju`` (``~/.local/share/intervju``)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "intervju"


class ASRSettings(BaseModel):
    """Speech recognition (faster-whisper)."""

    model: str = Field(
        "auto",
        description="A model directory, the name of an installed model (`intervju models list`), "
        "or `auto`: the best installed NB-Whisper model, else the bundled Whisper base.",
    )
    language: Literal["no", "nn"] = Field(
        "no", description="Output written standard: `no` bokmål, `nn` nynorsk."
    )
    device: Literal["auto", "cpu", "cuda"] = Field(
        "auto", description="`auto` uses CUDA when CTranslate2 sees a GPU, else the CPU."
    )
    compute_type: str = Field(
        "auto", description="CTranslate2 compute type; `auto` is float16 on CUDA, int8 on CPU."
    )
    cpu_threads: int = Field(
        1, ge=1, le=64, description="Threads per decoding worker on the CPU (1 measured best)."
    )
    parallel_windows: int = Field(
        0,
        ge=0,
        le=16,
        description="Windows decoded at once (each with `cpu_threads` threads); 0 = one per CPU "
        "core on the CPU, 1 on CUDA.",
    )
    batch_size: int = Field(
        0,
        ge=0,
        le=64,
        description="Speech clips decoded per batch; 0 = 16 on CUDA, 2 on the CPU (there each "
        "clip in a batch costs ~70 MB per window, and more than 2 was not faster).",
    )
    beam_size: int = Field(5, ge=1, le=10, description="Beam width.")
    window_seconds: float = Field(
        240.0,
        ge=30.0,
        le=1800.0,
        description="Longest stretch of audio decoded at once; bounds memory on long files.",
    )
    word_timestamps: bool = Field(True, description="Timestamps and confidence for every word.")
    loop_guard: bool = Field(
        True, description="Detect repetition loops and re-decode them with sampling."
    )


class DiarizationSettings(BaseModel):
    """Who spoke when."""

    enabled: bool = Field(True, description="Attribute words to speakers after transcription.")
    backend: str = Field(
        "builtin",
        description="`builtin` (offline: Silero VAD + resemblyzer GE2E embeddings + spectral "
        "clustering) or `pyannote` (needs the `[pyannote]` extra and a local pipeline).",
    )
    pyannote_dir: Path | None = Field(
        None,
        description="A pyannote pipeline directory (`config.yaml`, `segmentation/`, "
        "`embedding/`, `plda/`); defaults to `<models_dir>/pyannote-community-1`.",
    )
    device: Literal["auto", "cpu", "cuda"] = Field(
        "auto", description="`auto` uses CUDA when torch sees a GPU, else the CPU."
    )
    max_speakers: int = Field(
        4, ge=1, le=10, description="Most speakers looked for when the count is not given."
    )


class AnonymizationSettings(BaseModel):
    """Anonymisation of transcripts: names, places and pronouns; dialect written as bokmål."""

    enabled: bool = Field(
        True,
        description="Anonymise the transcripts of jobs that do not say (the `anonymize` upload "
        "field, `intervju transcribe --no-anonymize`).",
    )
    model: str | None = Field(
        None,
        min_length=1,
        description="The spaCy pipeline that finds names: unset = the one bundled with "
        "intervju, or a pipeline directory or an installed spaCy package such as "
        "`nb_core_news_lg`.",
    )


class StorageSettings(BaseModel):
    """Where data lives."""

    data_dir: Path = Field(default_factory=default_data_dir, description="Uploads, database.")
    models_dir: Path | None = Field(
        None, description="Installed models; defaults to `<data_dir>/models`."
    )
    master_key: SecretStr | None = Field(
        None,
        description="The master key (base64 of 32 bytes) that wraps every data key; by default "
        "a key file `<data_dir>/master.key` made with mode 0600 on first start.",
    )

    @property
    def models_path(self) -> Path:
        return self.models_dir or self.data_dir / "models"

    @property
    def uploads_path(self) -> Path:
        return self.data_dir / "uploads"

    @property
    def vault_path(self) -> Path:
        """Encrypted recordings (``service.vault``)."""
        return self.data_dir / "vault"

    @property
    def master_key_path(self) -> Path:
        return self.data_dir / "master.key"

    @property
    def audit_path(self) -> Path:
        """The hash-chained audit log (``service.audit``)."""
        return self.data_dir / "audit.log"


class APISettings(BaseModel):
    """The HTTP service."""

    host: str = Field("127.0.0.1", description="Bind address; loopback unless allow_remote.")
    port: int = Field(8000, ge=1, le=65535, description="TCP port.")
    allow_remote: bool = Field(
        False, description="Allow binding to a non-loopback address (put TLS in front)."
    )
    max_upload_mb: int = Field(2048, ge=1, description="Largest accepted upload, in MiB.")
    max_concurrent_uploads: int = Field(
        4,
        ge=1,
        le=1000,
        description="Uploads the service receives at once (each holds a few MiB of buffers, not "
        "the file); one more is answered 429 with `Retry-After` before its body is read.",
    )

    @model_validator(mode="after")
    def _refuse_remote_bind(self) -> APISettings:
        if not self.allow_remote and not _is_loopback(self.host):
            raise ValueError(
                f"host {self.host!r} is not a loopback address; set "
                "INTERVJU_API__ALLOW_REMOTE=true to expose the service on the network"
            )
        return self


class ConsentSettings(BaseModel):
    """What the consent form promises about deletion, and how it is kept."""

    check_seconds: float = Field(
        3600.0, gt=0, description="How often project end dates are checked (audio deleted)."
    )
    warn_days: int = Field(
        14, ge=0, description="Warn this many days before a project's end date deletes audio."
    )


class EventSettings(BaseModel):
    """The job event feed (`GET /api/v1/events`) and the outbox table behind it."""

    keep_days: float = Field(7.0, gt=0, description="Job events older than this are deleted.")
    keep_max: int = Field(100_000, ge=1000, description="At most this many job events are kept.")
    poll_seconds: float = Field(
        0.5, gt=0, le=10, description="How often an open event stream looks for new events."
    )
    keepalive_seconds: float = Field(
        15.0, gt=0, le=300, description="A `: keepalive` comment after this long without events."
    )
    max_streams_per_user: int = Field(
        10,
        ge=1,
        le=1000,
        description="Open event streams one user may hold at once (each polls the database); "
        "one more is answered 429.",
    )


class WebhookSettings(BaseModel):
    """Webhooks: job events POSTed to the URLs users register (`/api/v1/webhooks`)."""

    allow_public: bool = Field(
        False,
        description="Allow webhook URLs on public addresses; by default only loopback and "
        "private-network addresses (checked at registration and before every delivery).",
    )
    interval_seconds: float = Field(
        1.0, gt=0, le=300, description="How often the dispatcher looks for events to deliver."
    )
    timeout_seconds: float = Field(
        10.0,
        gt=0,
        le=120,
        description="How long one delivery may take in all (connecting, sending, the answer).",
    )
    max_attempts: int = Field(
        8, ge=1, le=50, description="Failed attempts at one event before the hook is disabled."
    )
    backoff_seconds: float = Field(
        2.0,
        gt=0,
        le=3600,
        description="Wait before the first retry; doubled after each failure (at most an hour).",
    )


class WorkerSettings(BaseModel):
    """The in-process job worker."""

    enabled: bool = Field(True, description="Run queued jobs inside the `serve` process.")
    poll_seconds: float = Field(1.0, gt=0, le=60, description="Queue polling interval.")


class QueueSettings(BaseModel):
    """Where queued jobs run: the `serve` process (`local`) or Celery workers (`celery`)."""

    backend: Literal["local", "celery"] = Field(
        "local",
        description="`local`: the worker thread inside `serve`; `celery`: `intervju worker` "
        "processes (the `[celery]` extra) take the jobs from a Redis broker.",
    )
    broker_url: SecretStr = Field(
        SecretStr("redis://127.0.0.1:6379/0"),
        description="The Celery broker (Redis); messages hold job ids only.",
    )
    visibility_timeout_seconds: float = Field(
        3600.0,
        gt=0,
        description="A task not acknowledged this long (its worker died) is delivered again.",
    )
    concurrency: int = Field(
        1, ge=1, le=64, description="Jobs one `intervju worker` runs at once (1 per GPU)."
    )
    heartbeat_seconds: float = Field(
        10.0, gt=0, le=600, description="How often a worker marks a running job as still its own."
    )
    stale_seconds: float = Field(
        60.0,
        gt=0,
        description="A running job whose heartbeat is older than this is taken over by the "
        "next delivery of its task (its worker is taken for dead).",
    )
    sweep_seconds: float = Field(
        60.0,
        gt=0,
        description="How often each worker sends a task for jobs that have none (a flushed "
        "broker, an upload the broker missed) or whose worker died.",
    )
    resend_seconds: float = Field(
        900.0,
        gt=0,
        description="A job's task is sent again by the sweep at most this often.",
    )

    @model_validator(mode="after")
    def _stale_after_heartbeats(self) -> QueueSettings:
        if self.stale_seconds < 2 * self.heartbeat_seconds:
            raise ValueError("queue.stale_seconds must be at least twice queue.heartbeat_seconds")
        return self


class Settings(BaseSettings):
    """All settings of intervju."""

    model_config = SettingsConfigDict(
        env_prefix="INTERVJU_", env_nested_delimiter="__", extra="ignore"
    )

    asr: ASRSettings = Field(default_factory=ASRSettings)
    diarization: DiarizationSettings = Field(default_factory=DiarizationSettings)
    anonymization: AnonymizationSettings = Field(default_factory=AnonymizationSettings)
    storage: StorageSettings = Field(default_factory=StorageSettings)
    api: APISettings = Field(default_factory=APISettings)
    worker: WorkerSettings = Field(default_factory=WorkerSettings)
    queue: QueueSettings = Field(default_factory=QueueSettings)
    consent: ConsentSettings = Field(default_factory=ConsentSettings)
    events: EventSettings = Field(default_factory=EventSettings)
    webhooks: WebhookSettings = Field(default_factory=WebhookSettings)
    database_url: str | None = Field(
        None, description="SQLAlchemy URL; defaults to SQLite at `<data_dir>/intervju.db`."
    )
    ui_language: Literal["nb", "en"] = Field(
        "nb", description="Language of messages: Norwegian bokmål or English."
    )

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.storage.data_dir / 'intervju.db'}"


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
