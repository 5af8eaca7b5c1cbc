"""`intervju models list|prepare|pull`."""

from __future__ import annotations

import click

from service.asr.models import BUNDLED, NB_WHISPER, list_models, prepare_bundled, resolve_model
from service.cli.common import fail, load_settings
from service.errors import ModelError


@click.group()
def models() -> None:
    """Talegjenkjenningsmodeller / speech recognition models."""


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
    for model in list_models(models_dir):
        mark = "*" if model.path == active.path else " "
        size = model.size_bytes / 1e6
        click.echo(f"{mark} {model.name:<20} {size:>8.0f} MB  {model.source}")
    if active.source == "directory":
        click.echo(f"* {active.path}  (INTERVJU_ASR__MODEL)")
    if active.name == BUNDLED:
        click.echo(
            "\nDen medfølgende modellen (Whisper base) gir grov tekst på bokmål og svak på dialekt."
            "\nThe bundled model (Whisper base) is rough on bokmål and poor on dialect."
            "\nBedre / better: intervju models pull nb-whisper-small"
        )


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
@click.argument("name", type=click.Choice(list(NB_WHISPER)))
@click.option("--token", envvar="HF_TOKEN", help="Hugging Face-nøkkel ved behov / token if needed.")
def pull(name: str, token: str | None) -> None:
    """Hent en NB-Whisper-modell fra Nasjonalbiblioteket (krever internett) / fetch NB-Whisper.

    Dette er det eneste stedet intervju bruker nettet, og bare når du ber om det.
    This is the only place intervju uses the network, and only when you ask.
    """
    from service.asr.pull import pull_model

    settings = load_settings()
    click.echo(f"Henter / fetching {NB_WHISPER[name]} …", err=True)
    try:
        path = pull_model(name, settings.storage.models_path, token)
    except ModelError as exc:
        raise fail(settings, exc) from None
    click.echo(f"{name}: {path}")
