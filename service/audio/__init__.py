"""Recordings in: probe with ffprobe, decode with ffmpeg to 16 kHz mono float32 in memory."""

from service.audio.decode import SAMPLE_RATE, Audio, decode_audio
from service.audio.probe import AudioInfo, probe_audio
from service.audio.source import MediaInput, SealedAudio, media_input

__all__ = [
    "SAMPLE_RATE",
    "Audio",
    "AudioInfo",
    "MediaInput",
    "SealedAudio",
    "decode_audio",
    "media_input",
    "probe_audio",
]
