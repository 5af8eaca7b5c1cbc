"""Probe a recording before decoding it: is it audio, how long, which codec.

Any recorder format ffmpeg knows is accepted, whatever the file's extension says: MP3, WMA
(Olympus), WAV, M4A/AAC (phones), OGG/Opus, FLAC, MP4/WebM/MKV (Zoom, Teams), DSS (Olympus).
"""

from __future__ import annotations

import json
import logging
import shutil
import struct
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from service.audio.source import INPUT_OPTIONS, MediaInput
from service.errors import AudioError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class AudioInfo:
    duration: float  # seconds
    format_name: str
    codec: str
    sample_rate: int
    channels: int
    size_bytes: int
    duration_is_estimate: bool  # ffprobe guessed it from the bit rate


def probe_audio(source: Path | MediaInput) -> AudioInfo:
    """Describe the first audio stream of ``source`` (a file, or a ``media_input``), or raise an
    ``AudioError`` a person can act on."""
    if shutil.which("ffprobe") is None:
        raise AudioError("audio.ffmpeg_missing")
    media = MediaInput.of(source)
    size = media.size
    if size == 0:
        raise AudioError("audio.empty")
    data, warnings = _run_ffprobe(media)
    streams = [s for s in data.get("streams", []) if s.get("codec_type") == "audio"]
    if not streams:
        raise AudioError("audio.no_audio_stream")
    stream = streams[0]
    fmt = data.get("format", {})
    duration = _first_float(fmt.get("duration"), stream.get("duration"))
    if duration is None or duration <= 0:
        raise AudioError("audio.not_audio")
    info = AudioInfo(
        duration=duration,
        format_name=str(fmt.get("format_name", "unknown")),
        codec=str(stream.get("codec_name", "unknown")),
        sample_rate=int(stream.get("sample_rate") or 0),
        channels=int(stream.get("channels") or 0),
        size_bytes=size,
        duration_is_estimate="estimating duration from bitrate" in warnings,
    )
    if info.format_name == "wav":
        _check_wav_complete(media, size)
    return info


def _run_ffprobe(media: MediaInput) -> tuple[dict[str, Any], str]:
    """ffprobe's JSON description and its (lower-cased) warnings."""
    cmd = [
        "ffprobe", "-v", "warning", "-show_format", "-show_streams", "-of", "json",
        *INPUT_OPTIONS, media.url,
    ]  # fmt: skip
    stdin = subprocess.DEVNULL if media.stdin is None else media.stdin
    result = subprocess.run(cmd, stdin=stdin, capture_output=True, check=False, timeout=120)
    warnings = result.stderr.decode("utf-8", "replace").lower()
    if result.returncode != 0:
        logger.info("ffprobe refused a file (exit %d)", result.returncode)
        if "moov atom not found" in warnings:
            raise AudioError("audio.incomplete")
        raise AudioError("audio.not_audio")
    try:
        return json.loads(result.stdout), warnings
    except json.JSONDecodeError:
        raise AudioError("audio.not_audio") from None


def _first_float(*values: object) -> float | None:
    for value in values:
        try:
            return float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            continue
    return None


def _check_wav_complete(media: MediaInput, size: int) -> None:
    """A RIFF file whose ``data`` chunk claims more bytes than the file holds was cut short.

    ffprobe computes a WAV's duration from the file size, so this is the only way to tell.
    """
    with media.open() as handle:
        header = handle.read(12)
        if len(header) < 12 or header[:4] != b"RIFF" or header[8:12] != b"WAVE":
            return  # RF64 and friends keep their sizes elsewhere
        byte_rate = 0
        offset = 12
        while offset + 8 <= size:
            handle.seek(offset)
            chunk_id, chunk_size = struct.unpack("<4sI", handle.read(8))
            if chunk_id == b"fmt ":
                fmt = handle.read(min(chunk_size, 16))
                if len(fmt) >= 12:
                    byte_rate = struct.unpack("<I", fmt[8:12])[0]
            elif chunk_id == b"data":
                available = size - offset - 8
                # 0 and 0xFFFFFFFF mean "streamed, size unknown".
                if 0 < chunk_size < 0xFFFFFFFF and chunk_size > available + 1 and byte_rate:
                    raise AudioError(
                        "audio.truncated",
                        decoded=clock(available / byte_rate),
                        expected=clock(chunk_size / byte_rate),
                    )
                return
            offset += 8 + chunk_size + (chunk_size & 1)


def clock(seconds: float) -> str:
    """``75.4`` -> ``1:15``; hours when needed (``1:02:05``)."""
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    if hours:
        return f"{hours}:{rest // 60:02d}:{rest % 60:02d}"
    return f"{rest // 60}:{rest % 60:02d}"
