"""Every recorder format ffmpeg can write decodes to the same 16 kHz mono signal."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from bench.synth import speak, write_audio
from service.audio import SAMPLE_RATE, decode_audio, probe_audio

# (file name, extra ffmpeg arguments, what the recorder/tool is)
FORMATS = [
    ("dictaphone.wav", [], "WAV PCM"),
    ("dictaphone.mp3", ["-b:a", "64k"], "Olympus MP3"),
    ("olympus.wma", ["-c:a", "wmav2", "-ar", "44100", "-ac", "2"], "Olympus WMA, 44.1 kHz stereo"),
    ("phone.m4a", ["-c:a", "aac", "-b:a", "96k"], "phone M4A/AAC"),
    ("phone.aac", ["-c:a", "aac", "-b:a", "96k"], "raw ADTS AAC"),
    ("voice.ogg", ["-c:a", "libvorbis"], "OGG Vorbis"),
    ("voice.opus", ["-c:a", "libopus", "-b:a", "32k"], "OGG Opus"),
    ("archive.flac", [], "FLAC"),
    ("zoom.webm", ["-c:a", "libopus"], "WebM/Opus"),
    ("teams.mkv", ["-c:a", "libvorbis"], "Matroska"),
]


@pytest.fixture(scope="module")
def voice() -> npt.NDArray[np.float32]:
    return speak("Dette er et lite intervju om arbeid og helse, tatt opp på en diktafon.")


def _envelope(samples: npt.NDArray[np.float32], hop: int = 320) -> npt.NDArray[np.float64]:
    frames = len(samples) // hop
    return np.sqrt((samples[: frames * hop].reshape(frames, hop).astype(np.float64) ** 2).mean(1))


def assert_same_signal(decoded: npt.NDArray[np.float32], original: npt.NDArray[np.float32]) -> None:
    assert decoded.dtype == np.float32
    assert abs(len(decoded) - len(original)) / SAMPLE_RATE < 0.12
    a, b = _envelope(decoded), _envelope(original)
    n = min(len(a), len(b)) - 11
    # Lossy codecs add a few ms of encoder delay: allow a shift of up to 10 hops (0.2 s).
    correlation = max(
        np.corrcoef(a[max(0, lag) : n + max(0, lag)], b[max(0, -lag) : n + max(0, -lag)])[0, 1]
        for lag in range(-10, 11)
    )
    assert correlation > 0.95, f"loudness envelope correlation {correlation:.3f}"


@pytest.mark.parametrize(("name", "args", "kind"), FORMATS, ids=[f[0] for f in FORMATS])
def test_format_decodes_to_the_same_speech(
    tmp_path: Path, voice: npt.NDArray[np.float32], name: str, args: list[str], kind: str
) -> None:
    path = write_audio(voice, tmp_path / name, *args)
    info = probe_audio(path)
    audio = decode_audio(path, info)
    assert audio.sample_rate == SAMPLE_RATE
    assert_same_signal(audio.samples, voice)
    if not info.duration_is_estimate:  # raw ADTS/MP3 without header: ffprobe only guesses
        assert abs(info.duration - len(voice) / SAMPLE_RATE) < 0.12


def test_zoom_mp4_with_video_track(tmp_path: Path, voice: npt.NDArray[np.float32]) -> None:
    seconds = len(voice) / SAMPLE_RATE
    wav = write_audio(voice, tmp_path / "voice.wav")
    mp4 = tmp_path / "zoom_0.mp4"
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            f"color=c=gray:s=160x120:d={seconds}",
            "-i",
            str(wav),
            "-c:v",
            "mpeg4",
            "-c:a",
            "aac",
            "-shortest",
            str(mp4),
        ],
        check=True,
    )
    info = probe_audio(mp4)
    assert info.codec == "aac"
    assert_same_signal(decode_audio(mp4, info).samples, voice)


def test_wrong_extension_is_read_by_content(tmp_path: Path, voice: npt.NDArray[np.float32]) -> None:
    mp3 = write_audio(voice, tmp_path / "x.mp3")
    disguised = tmp_path / "opptak.wav"
    mp3.rename(disguised)
    info = probe_audio(disguised)
    assert info.codec == "mp3"
    assert_same_signal(decode_audio(disguised, info).samples, voice)


def test_stereo_is_mixed_down(tmp_path: Path, voice: npt.NDArray[np.float32]) -> None:
    stereo = tmp_path / "stereo.wav"
    write_audio(voice, stereo, "-ac", "2", "-ar", "48000")
    info = probe_audio(stereo)
    assert (info.channels, info.sample_rate) == (2, 48000)
    assert_same_signal(decode_audio(stereo, info).samples, voice)


def test_ffmpeg_has_the_olympus_dss_demuxer_and_decoder() -> None:
    """DSS cannot be encoded to test it; at least the installed ffmpeg must read it."""
    formats = subprocess.run(["ffmpeg", "-hide_banner", "-formats"], capture_output=True, text=True)
    decoders = subprocess.run(
        ["ffmpeg", "-hide_banner", "-decoders"], capture_output=True, text=True
    )
    assert any(line.split()[1:2] == ["dss"] for line in formats.stdout.splitlines() if line.strip())
    assert "dss_sp" in decoders.stdout
