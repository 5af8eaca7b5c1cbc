"""The pipeline only orders steps; models are loaded once per worker and reused.

A step is a function ``(models, input, options, hook) -> record``.
"""

from __future__ import annotations

import logging
from pathlib import Path

from service.asr.engine import WhisperEngine
from service.asr.transcribe import transcribe_audio
from service.audio import decode_audio, probe_audio
from service.config import Settings
from service.options import JobOptions
from service.progress import Hook, no_op_hook
from service.transcript import Transcript

logger = logging.getLogger(__name__)

__all__ = ["JobOptions", "Pipeline"]


class Pipeline:
    """Recording in, transcript out. One instance per worker; thread-compatible, not shared."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._engines: dict[str, WhisperEngine] = {}

    def engine(self, model: str | None = None) -> WhisperEngine:
        """The loaded Whisper model for ``model`` (the setting when ``None``), loaded once."""
        spec = model or self.settings.asr.model
        if spec not in self._engines:
            self._engines[spec] = WhisperEngine.load(spec, self.settings)
        return self._engines[spec]

    def run(self, path: Path, options: JobOptions, hook: Hook = no_op_hook) -> Transcript:
        hook("decoding", completed=0.0, total=1.0)
        info = probe_audio(path)
        audio = decode_audio(path, info)
        hook("decoding", completed=1.0, total=1.0)
        engine = self.engine(options.model)
        language = options.language or self.settings.asr.language
        transcript = transcribe_audio(engine, audio, info, language, self.settings.asr, hook)
        logger.info(
            "transcribed %.1f s of audio into %d segments in %.1f s",
            info.duration,
            len(transcript.segments),
            transcript.decode_seconds,
        )
        return transcript
