"""Offline by construction: no hub look-ups, no telemetry.

Imported first by every entry point (``service/__main__``, the CLI, the app factory), before
anything that could import huggingface_hub or pyannote.
"""

import os

_OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "PYANNOTE_METRICS_ENABLED": "0",
    "DO_NOT_TRACK": "1",
}


def enforce_offline() -> None:
    """Set the environment switches that keep libraries from reaching the network."""
    for key, value in _OFFLINE_ENV.items():
        os.environ[key] = value
