"""Decode a probed recording to 16 kHz mono float32, in memory, through an ffmpeg pipe.

No decoded copy is ever written to disk. Memory is the samples themselves (64 kB per second,
230 MB per hour) plus one read buffer.
"""

from __future__ import annotations

import logging
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import ffmpeg
import numpy as np
import numpy.typing as npt

from service.audio.probe import AudioInfo, clock
from service.audio.source import INPUT_ARGS, MediaInput
from service.errors import AudioError

logger = logging.getLogger(__name__)

SAMPLE_RATE = 16_000
_BYTES_PER_SAMPLE = 4  # float32
_READ_BYTES = 1 << 20
# Decoding may come up this much short of the probed length before we call a file truncated.
_SHORTFALL_SECONDS = 1.0
_SHORTFALL_FRACTION = 0.03
_MAX_STDERR = 64 * 1024


@dataclass(frozen=True, eq=False)
class Audio:
    samples: npt.NDArray[np.float32]  # mono, SAMPLE_RATE Hz, -1..1
    sample_rate: int = SAMPLE_RATE

    @property
    def duration(self) -> float:
        return len(self.samples) / self.sample_rate

    def slice(self, start: float, end: float) -> npt.NDArray[np.float32]:
        """The samples between ``start`` and ``end`` seconds (a view, no copy)."""
        lo = max(0, int(start * self.sample_rate))
        hi = min(len(self.samples), int(end * self.sample_rate))
        return self.samples[lo:hi]


def decode_audio(source: Path | MediaInput, info: AudioInfo) -> Audio:
    """Decode the first audio stream of ``source`` (a file, or a ``media_input``; already probed
    as ``info``)."""
    media = MediaInput.of(source)
    command = (
        ffmpeg.input(media.url, **INPUT_ARGS)
        .output("pipe:", format="f32le", acodec="pcm_f32le", ac=1, ar=SAMPLE_RATE, map="0:a:0")
        .global_args("-nostdin", "-hide_banner", "-v", "error")
        .compile()
    )
    process = subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL if media.stdin is None else media.stdin,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    stderr_chunks: list[bytes] = []
    reader = threading.Thread(target=_drain, args=(process.stderr, stderr_chunks), daemon=True)
    reader.start()
    try:
        samples = _read_samples(process.stdout, info.duration)
    finally:
        process.stdout.close()
        returncode = process.wait()
        reader.join()
    errors = b"".join(stderr_chunks).decode("utf-8", "replace")
    if returncode != 0:
        logger.info("ffmpeg exited with %d while decoding %s", returncode, info.codec)
        if "decoder" in errors.lower() and "not found" in errors.lower():
            raise AudioError("audio.unsupported_codec", codec=info.codec)
        raise AudioError("audio.not_audio")
    audio = Audio(samples)
    _check_complete(audio, info, bool(errors.strip()))
    return audio


def _drain(pipe: IO[bytes], sink: list[bytes]) -> None:
    size = 0
    for line in iter(pipe.readline, b""):
        if size < _MAX_STDERR:
            sink.append(line)
            size += len(line)
    pipe.close()


def _read_samples(pipe: IO[bytes], expected_seconds: float) -> npt.NDArray[np.float32]:
    """Read the whole pipe into one float32 array, growing a preallocated buffer as needed."""
    capacity = max(_READ_BYTES, int((expected_seconds + 2) * SAMPLE_RATE * _BYTES_PER_SAMPLE))
    buffer = bytearray(capacity)
    view = memoryview(buffer)
    filled = 0
    while True:
        if filled == len(buffer):
            buffer.extend(bytes(len(buffer) // 2))
            view = memoryview(buffer)
        count = pipe.readinto(view[filled:])  # type: ignore[attr-defined]
        if not count:
            break
        filled += count
    view.release()
    filled -= filled % _BYTES_PER_SAMPLE
    samples = np.frombuffer(buffer, dtype=np.float32, count=filled // _BYTES_PER_SAMPLE)
    # The buffer was sized from the probed duration; copy only if much of it went unused, so a
    # long recording is never held twice.
    return samples.copy() if len(buffer) - filled > filled // 10 else samples


def _check_complete(audio: Audio, info: AudioInfo, ffmpeg_complained: bool) -> None:
    if audio.duration == 0:
        raise AudioError("audio.not_audio")
    shortfall = info.duration - audio.duration
    allowed = max(_SHORTFALL_SECONDS, _SHORTFALL_FRACTION * info.duration)
    if shortfall > allowed and (ffmpeg_complained or not info.duration_is_estimate):
        raise AudioError(
            "audio.truncated",
            decoded=clock(audio.duration),
            expected=clock(info.duration),
        )
