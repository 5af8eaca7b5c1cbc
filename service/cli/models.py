"""`intervju models list|prepare|pull`: Whisper models and the pyannote pipeline."""

from __future__ import annotations

import click

from service.asr.models import (
    BUNDLED,
    NB_WHISPER,
    InstalledModel,
    list_models,
    prepare_bundled,
    resolve_model,
)
from service.cli.common import fail, load_settings
from service.config import Settings
from service.diarization.pull import COMMUNITY_1, PIPELINES
from service.errors import ModelError


@click.group()
def models() -> None:
    """Modeller for tale og talere / speech recognition and diarisation models."""


@models.command("list")
def list_cmd() -> None:
    """Vis installerte modeller og hvilken som brukes / installed models and the active one."""
    settings = load_settings()
    models_dir = settings.storage.models_path
    try:
        active = resolve_model(settings.asr.model, models_dir)
    except ModelError as exc:
        raise fail(settings, exc) from None
    click.echo(f"Modellmappe / models directory: {models_dir}")
    installed = list_models(models_dir)
    for model in installed:
        if model.kind == "asr":
            _row("*" if model.path == active.path else " ", model)
    if active.source == "directory":
        click.echo(f"* {active.path}  (INTERVJU_ASR__MODEL)")
    if active.name == BUNDLED:
        click.echo(
            "\nDen medfølgende modellen (Whisper base) gir grov tekst på bokmål og svak på dialekt."
            "\nThe bundled model (Whisper base) is rough on bokmål and poor on dialect."
            "\nBedre / better: intervju models pull nb-whisper-small"
        )
    _list_diarization(settings, [m for m in installed if m.kind == "diarization"])


def _list_diarization(settings: Settings, pipelines: list[InstalledModel]) -> None:
    """The diarisation backend in use and the pyannote pipelines installed."""
    backend = settings.diarization.backend
    click.echo(f"\nTalergjenkjenning / diarisation: {backend}  (INTERVJU_DIARIZATION__BACKEND)")
    configured = settings.diarization.pyannote_dir
    in_use = configured or settings.storage.models_path / COMMUNITY_1
    for model in pipelines:
        _row("*" if backend == "pyannote" and model.path == in_use else " ", model)
    if configured is not None and all(model.path != configured for model in pipelines):
        mark = "*" if backend == "pyannote" else " "
        click.echo(f"{mark} {configured}  (INTERVJU_DIARIZATION__PYANNOTE_DIR)")


def _row(mark: str, model: InstalledModel) -> None:
    size = model.size_bytes / 1e6
    click.echo(f"{mark} {model.name:<20} {size:>8.0f} MB  {model.source}")


@models.command()
@click.option("--verify", is_flag=True, help="Sjekk SHA-256 på nytt / re-check the SHA-256.")
@click.option("--quiet", is_flag=True, help="Ingen utskrift / no output.")
def prepare(verify: bool, quiet: bool) -> None:
    """Gjør den medfølgende modellen klar (uten nett) / prepare the bundled model (offline)."""
    settings = load_settings()
    try:
        path = prepare_bundled(settings.storage.models_path, verify=verify)
    except ModelError as exc:
        raise fail(settings, exc) from None
    if not quiet:
        click.echo(f"{BUNDLED}: {path}")


@models.command()
@click.argument("name", type=click.Choice([*NB_WHISPER, *PIPELINES]))
@click.option("--token", envvar="HF_TOKEN", help="Hugging Face-nøkkel ved behov / token if needed.")
def pull(name: str, token: str | None) -> None:
    """Hent en modell (krever internett) / fetch a model (needs internet).

    NB-Whisper kommer fra Nasjonalbiblioteket. pyannote-community-1 krever at du har godtatt
    lisensvilkårene på Hugging Face og oppgir en nøkkel (--token eller HF_TOKEN).

    NB-Whisper comes from the National Library. pyannote-community-1 needs its licence
    conditions accepted on Hugging Face and a token (--token or HF_TOKEN).

    Dette er det eneste stedet intervju bruker nettet, og bare når du ber om det.
    This is the only place intervju uses the network, and only when you ask.
    """
    settings = load_settings()
    repo = PIPELINES.get(name) or NB_WHISPER[name]
    click.echo(f"Henter / fetching {repo} …", err=True)
    if name in PIPELINES and not token:
        click.echo(
            f"Lukket modell: godta vilkårene på https://huggingface.co/{repo} og oppgi --token.\n"
            f"Gated model: accept its conditions at https://huggingface.co/{repo}, pass --token.",
            err=True,
        )
    try:
        if name in PIPELINES:
            from service.diarization.pull import pull_pipeline

            path = pull_pipeline(name, settings.storage.models_path, token)
        else:
            from service.asr.pull import pull_model

            path = pull_model(name, settings.storage.models_path, token)
    except ModelError as exc:
        raise fail(settings, exc) from None
    click.echo(f"{name}: {path}")
    if name in PIPELINES:
        click.echo(
            "Bruk / use: INTERVJU_DIARIZATION__BACKEND=pyannote (pip install 'intervju[pyannote]')"
        )
