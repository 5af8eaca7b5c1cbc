"""Files that are not usable recordings fail with a message a researcher understands."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

from bench.synth import speak, write_audio
from service.audio import decode_audio, probe_audio
from service.errors import AudioError


def load(path: Path) -> None:
    decode_audio(path, probe_audio(path))


@pytest.fixture(scope="module")
def voice() -> np.ndarray:
    return speak("Dette opptaket blir kuttet av midt i en setning om arbeidsdagen.")


def _truncate(path: Path, fraction: float = 0.55) -> Path:
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * fraction)])
    return path


@pytest.mark.parametrize(
    ("setup", "key"),
    [
        (lambda d: d / "empty.mp3", "audio.empty"),
        (lambda d: d / "random.mp3", "audio.not_audio"),
        (lambda d: d / "notes.wav", "audio.not_audio"),
    ],
    ids=["empty", "random-bytes", "text-named-wav"],
)
def test_not_audio(tmp_path: Path, setup, key: str) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "empty.mp3").write_bytes(b"")
    (tmp_path / "random.mp3").write_bytes(np.random.default_rng(1).bytes(20_000))
    (tmp_path / "notes.wav").write_text("Intervjuguide: 1. Fortell om jobben din.\n" * 50)
    with pytest.raises(AudioError) as caught:
        load(setup(tmp_path))
    assert caught.value.key == key
    assert caught.value.message("nb") and caught.value.message("en")


@pytest.mark.parametrize(
    ("name", "args", "key"),
    [
        ("cut.wav", [], "audio.truncated"),
        ("cut.mp3", ["-b:a", "64k"], "audio.truncated"),
        ("cut.flac", [], "audio.truncated"),
        ("cut.m4a", ["-c:a", "aac"], "audio.incomplete"),
    ],
)
def test_truncated_recording(
    tmp_path: Path, voice: np.ndarray, name: str, args: list[str], key: str
) -> None:
    path = _truncate(write_audio(voice, tmp_path / name, *args))
    with pytest.raises(AudioError) as caught:
        load(path)
    assert caught.value.key == key
    assert "Kopier filen på nytt" in caught.value.message("nb")


def test_truncated_message_says_how_much_was_read(tmp_path: Path, voice: np.ndarray) -> None:
    path = _truncate(write_audio(voice, tmp_path / "cut.mp3"), 0.5)
    with pytest.raises(AudioError) as caught:
        load(path)
    expected = f"0:{round(len(voice) / 16000):02d}"
    assert expected in caught.value.message("en")


def test_video_without_audio(tmp_path: Path) -> None:
    path = tmp_path / "screen.mp4"
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "color=c=black:s=64x64:d=1",
            "-c:v",
            "mpeg4",
            str(path),
        ],
        check=True,
    )
    with pytest.raises(AudioError) as caught:
        load(path)
    assert caught.value.key == "audio.no_audio_stream"


def test_missing_ffmpeg_is_explained(
    tmp_path: Path, voice: np.ndarray, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_audio(voice, tmp_path / "ok.wav")
    monkeypatch.setenv("PATH", str(tmp_path / "nowhere"))
    with pytest.raises(AudioError) as caught:
        probe_audio(path)
    assert caught.value.key == "audio.ffmpeg_missing"
    assert "make setup" in caught.value.message("nb")


def test_decoding_writes_no_files(tmp_path: Path, voice: np.ndarray) -> None:
    path = write_audio(voice, tmp_path / "in.m4a", "-c:a", "aac")
    before = set(os.listdir(tmp_path))
    load(path)
    assert set(os.listdir(tmp_path)) == before


def _local_recording(tmp_path: Path) -> Path:
    """A recording somewhere else on the machine (ADTS AAC, which HLS accepts as a segment)."""
    secret = tmp_path / "elsewhere" / "secret.aac"
    secret.parent.mkdir()
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=d=3", "-c:a", "aac", str(secret)],
        check=True,
    )
    return secret


def test_a_playlist_cannot_make_ffmpeg_read_other_files(tmp_path: Path) -> None:
    # Without a format whitelist ffprobe reads this "mp3" as HLS and opens the file it names.
    secret = _local_recording(tmp_path)
    playlist = tmp_path / "opptak.mp3"
    playlist.write_text(
        f"#EXTM3U\n#EXT-X-TARGETDURATION:3\n#EXTINF:3.0,\nfile://{secret}\n#EXT-X-ENDLIST\n"
    )
    with pytest.raises(AudioError):
        probe_audio(playlist)
    concat = tmp_path / "opptak.m4a"
    concat.write_text(f"ffconcat version 1.0\nfile {secret}\n")
    with pytest.raises(AudioError):
        probe_audio(concat)


def test_a_sealed_playlist_is_refused(tmp_path: Path) -> None:
    from service.audio.source import SealedAudio, media_input
    from service.vault import Vault

    secret = _local_recording(tmp_path)
    vault = Vault(tmp_path / "vault", os.urandom(32))
    playlist = f"#EXTM3U\n#EXT-X-TARGETDURATION:3\n#EXTINF:3.0,\nfile://{secret}\n#EXT-X-ENDLIST\n"
    vault.store("audio-x", [playlist.encode()])
    with media_input(SealedAudio(vault, "audio-x")) as media, pytest.raises(AudioError):
        probe_audio(media)


def test_a_file_name_is_never_read_as_a_protocol(
    tmp_path: Path, voice: np.ndarray, monkeypatch: pytest.MonkeyPatch
) -> None:
    # "subfile:" and "concat:" are ffmpeg protocols; a file really called that is just a file.
    monkeypatch.chdir(tmp_path)
    name = Path("concat:intervju.wav")
    write_audio(voice, tmp_path / "intervju.wav").rename(name)
    info = probe_audio(name)
    assert info.duration > 1.0
    load(name)
