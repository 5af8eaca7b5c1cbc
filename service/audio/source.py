"""Where ffprobe and ffmpeg read a recording from: a file, or a sealed object in the vault.

A sealed recording is decrypted into an anonymous in-memory file (``memfd_create``): it has no
name in any file system, lives only as long as this process keeps it open, and is gone the
moment it is closed. The tools get it as their standard input and read the URL
``/proc/self/fd/0``, which re-opens that same in-memory file: unlike a pipe it is seekable, which
phone M4A and Zoom MP4 recordings need (their index, the ``moov`` atom, is often at the end).

Memory: the in-memory file holds the whole recording as uploaded (an hour of phone AAC is about
50 MB, an hour of 16-bit stereo WAV about 600 MB) for as long as the ``media_input`` block runs.

A missing, shredded or altered object raises ``VaultError`` when the block is entered, before
any tool runs: the recording as uploaded was fine, the stored copy is not, so it is not reported
as an ``AudioError`` (whose messages tell the user to check or re-copy their file).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from service.vault import Vault

_STDIN_URL = "/proc/self/fd/0"

# What ffprobe and ffmpeg may open, given before their input. Only the containers recorders,
# phones and meeting tools write (a demuxer matches by any of its names: "mov" is also mp4, m4a
# and 3gp; "matroska" also webm); never a playlist or script format (hls, concat, ...), whose
# entries would make ffmpeg open other files on this machine. Only plain files: no network
# or other protocol, even nested.
INPUT_FORMATS = (
    "aac,ac3,aiff,amr,amrnb,amrwb,ape,asf,au,avi,caf,dss,eac3,flac,flv,gsm,matroska,mov,mp3,"
    "mpeg,mpegts,ogg,oma,rm,tta,voc,w64,wav,wv"
)
INPUT_ARGS = {"format_whitelist": INPUT_FORMATS, "protocol_whitelist": "file"}
INPUT_OPTIONS = tuple(arg for key, value in INPUT_ARGS.items() for arg in (f"-{key}", value))


@dataclass(frozen=True)
class SealedAudio:
    """A recording stored in ``vault`` as ``object_id``."""

    vault: Vault
    object_id: str


@dataclass(frozen=True)
class MediaInput:
    """What ffprobe and ffmpeg read: ``url`` on their command line, and ``stdin`` (a file
    descriptor) as their standard input when the URL refers to it."""

    url: str
    stdin: int | None = None

    @classmethod
    def of(cls, source: Path | MediaInput) -> MediaInput:
        return source if isinstance(source, MediaInput) else cls(_file_url(source))

    @property
    def size(self) -> int:
        """Bytes in the recording."""
        if self.stdin is None:
            return os.stat(self.url).st_size
        return os.fstat(self.stdin).st_size

    def open(self) -> BinaryIO:
        """A reading handle of its own, at offset 0 (for the few checks made in Python)."""
        if self.stdin is None:
            return open(self.url, "rb")
        return open(f"/proc/self/fd/{self.stdin}", "rb")  # re-opens the memfd, offset 0


@contextmanager
def media_input(source: Path | SealedAudio) -> Iterator[MediaInput]:
    """``source`` made readable by ffprobe and ffmpeg for the duration of the block."""
    if isinstance(source, Path):
        yield MediaInput(_file_url(source))
        return
    fd = os.memfd_create("intervju-audio", os.MFD_CLOEXEC)
    try:
        for frame in source.vault.open(source.object_id):
            _write_all(fd, frame)
        os.lseek(fd, 0, os.SEEK_SET)
        yield MediaInput(_STDIN_URL, stdin=fd)
    finally:
        os.close(fd)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _file_url(path: Path) -> str:
    """An absolute path: a relative name such as ``concat:a|b`` or ``subfile:…`` would be read
    by ffmpeg as a protocol."""
    return str(path.absolute())
