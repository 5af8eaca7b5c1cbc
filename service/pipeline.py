"""The pipeline only orders steps; models are loaded once per worker and reused.

decode -> find speech (once, shared) -> recognise -> diarise -> attribute words -> roles ->
anonymise (names, places and pronouns; dialect written as bokmål).
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import numpy as np
import numpy.typing as npt

from anonymizer import Policy
from service.anonymize import (
    TextAnonymizer,
    anonymize_with_originals,
    job_policy,
    load_anonymizer,
)
from service.asr.engine import WhisperEngine
from service.asr.transcribe import transcribe_audio
from service.asr.windows import Span, detect_speech
from service.audio import SealedAudio, decode_audio, media_input, probe_audio
from service.config import Settings
from service.diarization import attribute_speakers, label_roles
from service.diarization.base import Diarizer, SpeakerHints, load_backend
from service.jobs.worker import PipelineOutput
from service.options import JobOptions, text_choices
from service.progress import Hook, no_op_hook
from service.transcript import DiarizationInfo, Transcript

logger = logging.getLogger(__name__)

__all__ = ["JobOptions", "Pipeline", "speaker_hints"]


def speaker_hints(options: JobOptions) -> SpeakerHints:
    return SpeakerHints(options.num_speakers, options.min_speakers, options.max_speakers)


def anonymization_policy(settings: Settings, options: JobOptions) -> Policy | None:
    """The anonymiser's policy for a job; ``None`` when its text stays as recognised."""
    choices = text_choices(options, anonymize=settings.anonymization.enabled)
    return job_policy(choices)


class Pipeline:
    """Recording in, transcript out. One instance per worker; thread-compatible, not shared."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._engines: dict[str, WhisperEngine] = {}
        self._diarizer: Diarizer | None = None
        self._anonymizers: dict[Policy, TextAnonymizer] = {}

    def engine(self, model: str | None = None) -> WhisperEngine:
        """The loaded Whisper model for ``model`` (the setting when ``None``), loaded once."""
        spec = model or self.settings.asr.model
        if spec not in self._engines:
            self._engines[spec] = WhisperEngine.load(spec, self.settings)
        return self._engines[spec]

    def diarizer(self) -> Diarizer:
        """The configured diarisation backend, loaded once."""
        if self._diarizer is None:
            self._diarizer = load_backend(self.settings.diarization.backend, self.settings)
        return self._diarizer

    def anonymizer(self, policy: Policy) -> TextAnonymizer:
        """The anonymiser for ``policy``, loaded on first use and kept (a job's choices make a
        policy; every policy's anonymiser shares one loaded spaCy pipeline)."""
        if policy not in self._anonymizers:
            self._anonymizers[policy] = load_anonymizer(self.settings, policy)
        return self._anonymizers[policy]

    def run(
        self, source: Path | SealedAudio, options: JobOptions, hook: Hook = no_op_hook
    ) -> Transcript:
        """Transcribe ``source``: a recording on disk, or one sealed in the vault (decrypted
        into memory only)."""
        return self.process(source, options, hook).transcript

    def process(
        self, source: Path | SealedAudio, options: JobOptions, hook: Hook = no_op_hook
    ) -> PipelineOutput:
        """Like ``run``, and with what each redaction replaced (for the researcher's review)."""
        hints = speaker_hints(options)  # refuse bad hints before any work
        policy = anonymization_policy(self.settings, options)
        anonymizer = None if policy is None else self.anonymizer(policy)  # a missing model too
        hook("decoding", completed=0.0, total=1.0)
        with media_input(source) as media:
            info = probe_audio(media)
            audio = decode_audio(media, info)
        hook("decoding", completed=1.0, total=1.0)
        engine = self.engine(options.model)
        language = options.language or self.settings.asr.language
        speech = detect_speech(audio.samples)
        transcript = transcribe_audio(
            engine, audio, info, language, self.settings.asr, hook, speech
        )
        logger.info(
            "transcribed %.1f s of audio into %d segments in %.1f s",
            info.duration,
            len(transcript.segments),
            transcript.decode_seconds,
        )
        diarize = self.settings.diarization.enabled if options.diarize is None else options.diarize
        if diarize:
            transcript = self._diarize(transcript, audio.samples, speech, options, hints, hook)
        if anonymizer is None:
            return PipelineOutput(transcript)
        anonymized = anonymize_with_originals(anonymizer, transcript, hook)
        return PipelineOutput(anonymized.transcript, anonymized.originals)

    def _diarize(
        self,
        transcript: Transcript,
        samples: npt.NDArray[np.float32],
        speech: list[Span],
        options: JobOptions,
        hints: SpeakerHints,
        hook: Hook,
    ) -> Transcript:
        diarizer = self.diarizer()
        started = time.monotonic()
        hook("diarizing", completed=0.0, total=1.0)
        regions = [(span.start, span.end) for span in speech]
        result = diarizer(samples, hints, hook, regions)
        hook("diarizing", completed=1.0, total=1.0)
        seconds = time.monotonic() - started
        logger.info("diarised: %d speakers in %.1f s", len(result.speakers), seconds)
        transcript = attribute_speakers(transcript, result.turns, result.overlap)
        transcript = label_roles(transcript, options.interviewer, dict(options.speaker_names))
        info = DiarizationInfo(backend=diarizer.name, seconds=round(seconds, 3))
        return transcript.model_copy(update={"diarization": info})
