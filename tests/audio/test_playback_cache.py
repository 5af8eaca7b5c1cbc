"""PlaybackCache: a few encoded recordings, briefly, bounded by count, bytes and time."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from service.audio.playback import PlaybackCache


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def encoder(data: bytes, calls: list[str], name: str) -> Callable[[], bytes]:
    def encode() -> bytes:
        calls.append(name)
        return data

    return encode


def test_encodes_once_then_serves_from_memory_until_the_time_is_up() -> None:
    clock = Clock()
    cache = PlaybackCache(ttl_seconds=60, clock=clock)
    calls: list[str] = []
    assert cache.get("a", encoder(b"mp3", calls, "a")) == b"mp3"
    clock.now = 59
    assert cache.get("a", encoder(b"other", calls, "a")) == b"mp3"
    clock.now = 121
    assert len(cache) == 0
    assert cache.get("a", encoder(b"new", calls, "a")) == b"new"
    assert calls == ["a", "a"]


def test_least_recently_used_goes_first_by_count_and_by_bytes() -> None:
    cache = PlaybackCache(max_entries=2, max_bytes=10)
    calls: list[str] = []
    cache.get("a", encoder(b"aaaa", calls, "a"))
    cache.get("b", encoder(b"bbbb", calls, "b"))
    cache.get("a", encoder(b"", calls, "a"))  # a is used again: b is now the oldest
    cache.get("c", encoder(b"cccc", calls, "c"))
    assert calls == ["a", "b", "c"]
    cache.get("a", encoder(b"", calls, "a"))
    assert calls == ["a", "b", "c"]  # a stayed
    cache.get("b", encoder(b"bbbbbbbb", calls, "b"))  # 8 + 4 > 10 bytes: only b stays
    assert len(cache) == 1
    cache.get("b", encoder(b"", calls, "b"))
    assert calls == ["a", "b", "c", "b"]


def test_too_large_is_served_but_not_kept_and_forget_drops_one() -> None:
    cache = PlaybackCache(max_bytes=4)
    calls: list[str] = []
    assert cache.get("big", encoder(b"12345", calls, "big")) == b"12345"
    assert len(cache) == 0
    cache.get("a", encoder(b"1", calls, "a"))
    cache.forget("a")
    cache.forget("never")
    assert len(cache) == 0


def test_parallel_requests_for_one_recording_encode_it_once() -> None:
    cache = PlaybackCache()
    calls: list[str] = []
    started = threading.Event()
    release = threading.Event()

    def slow() -> bytes:
        calls.append("x")
        started.set()
        release.wait(5)
        return b"mp3"

    results: list[bytes] = []
    first = threading.Thread(target=lambda: results.append(cache.get("x", slow)))
    second = threading.Thread(target=lambda: results.append(cache.get("x", slow)))
    first.start()
    started.wait(5)
    second.start()
    release.set()
    first.join(5)
    second.join(5)
    assert results == [b"mp3", b"mp3"]
    assert calls == ["x"]


def test_a_recording_is_dropped_when_its_time_is_up_even_if_nobody_asks_again() -> None:
    """Expiry must not wait for the next request: a recording played once and never again
    (the review page closed, the job verified elsewhere) leaves memory after ``ttl_seconds``."""
    cache = PlaybackCache(ttl_seconds=0.2, clock=lambda: 0.0)  # the clock alone never expires it
    cache.get("a", encoder(b"mp3", [], "a"))
    assert len(cache) == 1
    deadline = time.monotonic() + 5
    while len(cache) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(cache) == 0


def test_a_recording_forgotten_while_it_was_being_encoded_is_not_kept() -> None:
    """Verification (or withdrawal) while a request is encoding: the encoded copy must not be
    stored after ``forget``, or the deleted recording stays in memory."""
    cache = PlaybackCache()

    def deleted_meanwhile() -> bytes:
        cache.forget("x")  # the recording is shredded while ffmpeg still runs
        return b"mp3"

    assert cache.get("x", deleted_meanwhile) == b"mp3"  # the request under way gets its answer
    assert len(cache) == 0
    calls: list[str] = []
    assert cache.get("x", encoder(b"again", calls, "x")) == b"again"
    assert calls == ["x"]
