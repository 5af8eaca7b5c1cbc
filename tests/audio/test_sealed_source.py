"""A recording sealed in the vault decodes exactly like the file it came from, with no plaintext
on disk: decrypted into an anonymous in-memory file that ffprobe and ffmpeg read as stdin."""

from __future__ import annotations

import os
import subprocess
import threading
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from bench.synth import speak, write_audio
from service.audio import (
    AudioInfo,
    MediaInput,
    SealedAudio,
    decode_audio,
    media_input,
    probe_audio,
)
from service.errors import AudioError
from service.vault import Vault, VaultError

# (file name, extra ffmpeg arguments)
FORMATS = [
    ("dictaphone.wav", []),
    ("dictaphone.mp3", ["-b:a", "64k"]),
    ("olympus.wma", ["-c:a", "wmav2", "-ar", "44100", "-ac", "2"]),
    ("phone.m4a", ["-c:a", "aac", "-b:a", "96k"]),  # ffmpeg's default: moov atom at the end
    ("voice.opus", ["-c:a", "libopus", "-b:a", "32k"]),
]
LONG_PHONE = "phone-long.m4a"


@pytest.fixture(scope="module")
def recordings(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Plaintext recordings, kept apart from each test's ``tmp_path`` (which holds the vault)."""
    folder = tmp_path_factory.mktemp("plain")
    voice = speak("Dette er et lite intervju om arbeid og helse.")
    made = {name: write_audio(voice, folder / name, *args) for name, args in FORMATS}
    wav = made["dictaphone.wav"]
    zoom = folder / "zoom_0.mp4"
    inputs = ["-f", "lavfi", "-i", "color=c=gray:s=64x48:d=3", "-i", str(wav)]
    codecs = ["-c:v", "mpeg4", "-c:a", "aac", "-shortest"]
    subprocess.run(["ffmpeg", "-v", "error", *inputs, *codecs, str(zoom)], check=True)
    made[zoom.name] = zoom
    # Long enough (about 10 s) that its moov atom lies beyond what a pipe's buffer holds.
    made[LONG_PHONE] = write_audio(np.tile(voice, 3), folder / LONG_PHONE, "-c:a", "aac")
    return made


@pytest.fixture
def box(tmp_path: Path) -> Vault:
    return Vault(tmp_path / "vault", os.urandom(32))


def seal(box: Vault, path: Path) -> SealedAudio:
    with path.open("rb") as handle:
        box.store("upload", iter(lambda: handle.read(4096), b""))
    return SealedAudio(box, "upload")


def files_under(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}


def memfds() -> list[str]:
    links = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            links.append(os.readlink(f"/proc/self/fd/{fd}"))
        except OSError:  # the descriptor listdir itself used
            continue
    return [link for link in links if "intervju-audio" in link]


class Watcher:
    """Lists every file under a folder, over and over, while the block runs."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.seen: set[str] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        while not self._stop.is_set():
            self.seen |= files_under(self.folder)
            self._stop.wait(0.005)

    def __enter__(self) -> Watcher:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.seen |= files_under(self.folder)


def decode_plain(path: Path) -> tuple[AudioInfo, npt.NDArray[np.float32]]:
    info = probe_audio(path)
    return info, decode_audio(path, info).samples


def moov_at_end(path: Path) -> bool:
    data = path.read_bytes()
    return data.find(b"mdat") < data.find(b"moov")


def decodes_from_a_pipe(path: Path) -> bool:
    command = ["ffmpeg", "-v", "error", "-i", "pipe:0", "-f", "f32le", "pipe:1"]
    result = subprocess.run(command, input=path.read_bytes(), capture_output=True, check=False)
    return result.returncode == 0 and len(result.stdout) > 0


@pytest.mark.parametrize("name", [*(f[0] for f in FORMATS), "zoom_0.mp4", LONG_PHONE])
def test_sealed_recording_decodes_like_the_file(
    recordings: dict[str, Path], box: Vault, tmp_path: Path, name: str
) -> None:
    path = recordings[name]
    if name.endswith((".m4a", ".mp4")):
        assert moov_at_end(path), "the test needs files with their index at the end"
    if name == LONG_PHONE:
        assert not decodes_from_a_pipe(path), "the test needs a file a pipe cannot decode"
    expected_info, expected = decode_plain(path)
    sealed = seal(box, path)
    with Watcher(tmp_path) as watcher, media_input(sealed) as media:
        assert media.url == "/proc/self/fd/0" and media.stdin is not None
        assert os.readlink(f"/proc/self/fd/{media.stdin}").startswith("/memfd:intervju-audio")
        info = probe_audio(media)
        audio = decode_audio(media, info)
    assert info == expected_info
    assert np.array_equal(audio.samples, expected)
    assert watcher.seen == {"vault/data/upload.sealed", "vault/keys/upload.key"}
    assert memfds() == []


def test_the_in_memory_file_can_be_read_twice(recordings: dict[str, Path], box: Vault) -> None:
    sealed = seal(box, recordings["phone.m4a"])
    with media_input(sealed) as media:
        first = decode_audio(media, probe_audio(media)).samples
        again = decode_audio(media, probe_audio(media)).samples
        with media.open() as handle:
            assert handle.read() == recordings["phone.m4a"].read_bytes()
    assert np.array_equal(first, again)


def test_a_path_is_read_in_place(recordings: dict[str, Path]) -> None:
    path = recordings["dictaphone.mp3"]
    with media_input(path) as media:
        assert media == MediaInput(str(path))
        assert media.size == path.stat().st_size
        assert probe_audio(media) == probe_audio(path)


def test_a_tampered_object_raises_a_vault_error_before_decoding(
    recordings: dict[str, Path], box: Vault, tmp_path: Path
) -> None:
    """Not an AudioError: the uploaded recording was fine, the stored copy is not."""
    sealed = seal(box, recordings["phone.m4a"])
    stored = tmp_path / "vault" / "data" / "upload.sealed"
    data = bytearray(stored.read_bytes())
    data[len(data) // 2] ^= 1
    stored.write_bytes(bytes(data))
    with pytest.raises(VaultError, match="altered"), media_input(sealed):
        pytest.fail("the block must not run")
    assert memfds() == []


def test_a_shredded_object_raises_a_vault_error(recordings: dict[str, Path], box: Vault) -> None:
    sealed = seal(box, recordings["dictaphone.wav"])
    box.shred("upload")
    with pytest.raises(VaultError, match="no key"), media_input(sealed):
        pytest.fail("the block must not run")


def _cut(path: Path, folder: Path) -> Path:
    data = path.read_bytes()
    cut = folder / f"cut-{path.name}"
    cut.write_bytes(data[: int(len(data) * 0.55)])
    return cut


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("empty", "audio.empty"),
        ("random", "audio.not_audio"),
        ("dictaphone.wav", "audio.truncated"),  # read by the RIFF check, in Python
        ("dictaphone.mp3", "audio.truncated"),
        ("phone.m4a", "audio.incomplete"),  # no moov atom: it was at the end
    ],
)
def test_bad_recordings_fail_the_same_way_when_sealed(
    recordings: dict[str, Path],
    box: Vault,
    tmp_path_factory: pytest.TempPathFactory,
    name: str,
    key: str,
) -> None:
    folder = tmp_path_factory.mktemp("bad")
    if name == "empty":
        path = folder / "empty.mp3"
        path.write_bytes(b"")
    elif name == "random":
        path = folder / "random.mp3"
        path.write_bytes(np.random.default_rng(1).bytes(20_000))
    else:
        path = _cut(recordings[name], folder)
    with pytest.raises(AudioError) as plain:
        decode_plain(path)
    sealed = seal(box, path)
    with pytest.raises(AudioError) as caught, media_input(sealed) as media:
        decode_audio(media, probe_audio(media))
    assert (plain.value.key, caught.value.key) == (key, key)
    assert caught.value.message("en") == plain.value.message("en")
