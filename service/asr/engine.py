"""Load a Whisper model once per worker, on the GPU when there is one."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

import ctranslate2
from faster_whisper import WhisperModel

from service.asr.models import ModelRef, resolve_model
from service.config import ASRSettings, Settings

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DevicePlan:
    device: str  # "cpu" or "cuda"
    compute_type: str
    cpu_threads: int
    workers: int  # windows decoded at once
    batch_size: int  # clips per batch


def plan_device(asr: ASRSettings, cuda_devices: int | None = None) -> DevicePlan:
    """Choose device, precision and parallelism from the settings and the hardware.

    On the CPU, one thread per decoding worker with one worker per core was measured faster
    than fewer workers with more threads each; on CUDA one worker runs large batches.
    """
    if cuda_devices is None:
        cuda_devices = ctranslate2.get_cuda_device_count()
    use_cuda = asr.device == "cuda" or (asr.device == "auto" and cuda_devices > 0)
    device = "cuda" if use_cuda else "cpu"
    compute_type = asr.compute_type
    if compute_type == "auto":
        compute_type = "float16" if use_cuda else "int8"
    workers = asr.parallel_windows or (1 if use_cuda else max(1, os.cpu_count() or 1))
    batch_size = asr.batch_size or (16 if use_cuda else 2)
    return DevicePlan(device, compute_type, asr.cpu_threads, workers, batch_size)


@dataclass(frozen=True, eq=False)
class WhisperEngine:
    """A loaded model plus how it runs. Safe to share between this worker's decoding threads."""

    ref: ModelRef
    model: WhisperModel
    plan: DevicePlan

    @classmethod
    def load(cls, spec: str, settings: Settings) -> WhisperEngine:
        ref = resolve_model(spec, settings.storage.models_path)
        plan = plan_device(settings.asr)
        logger.info(
            "loading Whisper model %s on %s (%s, %d worker(s) x %d thread(s))",
            ref.name,
            plan.device,
            plan.compute_type,
            plan.workers,
            plan.cpu_threads,
        )
        model = WhisperModel(
            str(ref.path),
            device=plan.device,
            compute_type=plan.compute_type,
            cpu_threads=plan.cpu_threads,
            num_workers=plan.workers,
            local_files_only=True,
        )
        return cls(ref, model, plan)
