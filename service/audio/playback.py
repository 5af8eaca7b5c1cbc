"""A sealed recording made playable in a browser, in memory: MP3, mono, 48 kbit/s.

The review page plays the recording while the researcher reads the transcript. The browser
cannot read the vault, so ffmpeg decodes the sealed recording (from ``media_input``'s in-memory
file) and encodes it to MP3 through a pipe: no plaintext, decoded or encoded, touches the disk.
MP3 plays in every browser; at 48 kbit/s mono speech stays clear and an hour is about 22 MB.
LAME's faster algorithm (``-compression_level 7``, no audible difference for speech at this rate)
encodes a 50-minute interview in about 8 s on one CPU core, half the time of its default.

``PlaybackCache`` keeps a few encoded recordings for a few minutes, so that the browser's range
requests (seeking) do not decode the whole recording again each time. A timer drops each one
when its time is up, whether or not anyone asks again, and ``forget`` drops it the moment its
recording is deleted (``Consent`` calls it on every deletion: verify, withdrawal, end date); a
recording deleted while it was being encoded is not kept.
"""

from __future__ import annotations

import logging
import subprocess
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from service.audio.source import INPUT_OPTIONS, SealedAudio, media_input
from service.errors import AudioError

logger = logging.getLogger(__name__)

MEDIA_TYPE = "audio/mpeg"
BITRATE = "48k"
SAMPLE_RATE = 24_000  # Hz; speech needs no more, and MP3 at 48 kbit/s sounds best here
_MAX_STDERR = 4096


def encode_for_browser(source: SealedAudio) -> bytes:
    """The whole recording as a mono constant-bit-rate MP3 (seekable by byte offset)."""
    with media_input(source) as media:
        command = [
            "ffmpeg", "-nostdin", "-hide_banner", "-v", "error",
            *INPUT_OPTIONS, "-i", media.url,
            "-map", "0:a:0", "-vn", "-ac", "1", "-ar", str(SAMPLE_RATE),
            "-c:a", "libmp3lame", "-b:a", BITRATE, "-compression_level", "7",
            "-write_xing", "0", "-id3v2_version", "0", "-map_metadata", "-1",
            "-f", "mp3", "pipe:1",
        ]  # fmt: skip
        try:
            done = subprocess.run(command, stdin=media.stdin, capture_output=True, check=False)
        except FileNotFoundError:
            raise AudioError("audio.ffmpeg_missing") from None
    if done.returncode != 0 or not done.stdout:
        # ffmpeg's messages may quote metadata (titles often name people): log their size only
        logger.warning(
            "ffmpeg exited with %d while encoding for playback (%d bytes of messages)",
            done.returncode,
            len(done.stderr[:_MAX_STDERR]),
        )
        raise AudioError("audio.not_audio")
    return done.stdout


@dataclass(frozen=True)
class _Entry:
    data: bytes
    stored_at: float
    timer: threading.Timer  # drops the entry when its time is up


class PlaybackCache:
    """A bounded, short-lived LRU of encoded recordings, keyed by job id.

    At most ``max_entries`` recordings and ``max_bytes`` bytes, each for ``ttl_seconds`` since it
    was encoded (a timer drops it then, even if it is never asked for again). One encoding at a
    time: the browser's parallel range requests for the same job wait for the first one instead
    of running ffmpeg twice."""

    def __init__(
        self,
        max_entries: int = 4,
        max_bytes: int = 128 * 1024 * 1024,
        ttl_seconds: float = 600.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.ttl_seconds = ttl_seconds
        self._clock = clock
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._forgotten = 0  # how many times ``forget`` was called
        self._lock = threading.Lock()  # guards _entries and _forgotten
        self._encoding = threading.Lock()  # one ffmpeg at a time

    def get(self, job_id: str, encode: Callable[[], bytes]) -> bytes:
        """The cached bytes of ``job_id``, else ``encode()``'s (then cached)."""
        cached = self._lookup(job_id)
        if cached is not None:
            return cached
        with self._encoding:
            cached = self._lookup(job_id)
            if cached is not None:
                return cached
            with self._lock:
                forgotten = self._forgotten
            data = encode()
            self._store(job_id, data, forgotten)
            return data

    def forget(self, job_id: str) -> None:
        """Drop ``job_id``'s recording (its audio was deleted), also one being encoded now."""
        with self._lock:
            self._forgotten += 1
            self._drop(job_id)

    def __len__(self) -> int:
        with self._lock:
            self._expire()
            return len(self._entries)

    def _lookup(self, job_id: str) -> bytes | None:
        with self._lock:
            self._expire()
            entry = self._entries.get(job_id)
            if entry is None:
                return None
            self._entries.move_to_end(job_id)
            return entry.data

    def _store(self, job_id: str, data: bytes, forgotten: int) -> None:
        if len(data) > self.max_bytes:
            return  # served once, never kept
        with self._lock:
            if self._forgotten != forgotten:
                return  # a recording was deleted while this one was encoded: maybe this one
            self._drop(job_id)
            timer = threading.Timer(self.ttl_seconds, self._time_up, args=(job_id,))
            timer.daemon = True
            self._entries[job_id] = _Entry(data, self._clock(), timer)
            timer.start()
            while len(self._entries) > self.max_entries or self._size() > self.max_bytes:
                self._drop(next(iter(self._entries)))

    def _time_up(self, job_id: str) -> None:
        """Run by the entry's own timer; a newer entry for the job has a timer of its own."""
        with self._lock:
            entry = self._entries.get(job_id)
            if entry is not None and entry.timer is threading.current_thread():
                self._drop(job_id)

    def _drop(self, job_id: str) -> None:
        """Remove ``job_id``'s entry and stop its timer (the lock is held)."""
        entry = self._entries.pop(job_id, None)
        if entry is not None:
            entry.timer.cancel()

    def _size(self) -> int:
        return sum(len(entry.data) for entry in self._entries.values())

    def _expire(self) -> None:
        now = self._clock()
        for job_id in [k for k, e in self._entries.items() if now - e.stored_at > self.ttl_seconds]:
            self._drop(job_id)
