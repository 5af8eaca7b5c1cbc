"""Speaker embeddings from the GE2E encoder that ships inside the ``resemblyzer`` package.

Only the weights (``resemblyzer/pretrained.pt``, 17 MB) are used: the network (3-layer LSTM,
256 units, a linear layer, ReLU, L2 norm) is small enough to define here, and the package's own
import pulls in webrtcvad (which needs ``pkg_resources``) and librosa (numba) for nothing. The
40-band mel spectrogram is computed with numpy exactly as resemblyzer does it through librosa
(25 ms Hann window, 10 ms hop, power 2, Slaney mel scale and norm; a test checks the match).

Spans of any length are embedded in one batched LSTM pass (packed sequences), so a 1.6 s block
and a 0.4 s backchannel are treated alike; the LSTM's last hidden state is the embedding.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import numpy as np
import numpy.typing as npt
import torch
from torch import nn

from service.audio import SAMPLE_RATE
from service.errors import ModelError

N_FFT = 400  # 25 ms
HOP = 160  # 10 ms: one mel frame
N_MELS = 40
EMBEDDING_SIZE = 256
TARGET_DBFS = -30.0  # resemblyzer normalises volume to this before embedding
_BATCH = 256  # spans per LSTM call: bounds memory on long recordings


class GE2EEncoder(nn.Module):
    """resemblyzer's VoiceEncoder network, without its audio helpers."""

    def __init__(self) -> None:
        super().__init__()
        self.lstm = nn.LSTM(N_MELS, 256, 3, batch_first=True)
        self.linear = nn.Linear(256, EMBEDDING_SIZE)
        self.relu = nn.ReLU()

    def forward(self, mels: nn.utils.rnn.PackedSequence) -> torch.Tensor:
        _, (hidden, _) = self.lstm(mels)
        raw = self.relu(self.linear(hidden[-1]))
        return raw / torch.linalg.vector_norm(raw, dim=1, keepdim=True).clamp_min(1e-8)


def weights_path() -> Path:
    """``pretrained.pt`` inside the installed resemblyzer package (found without importing it)."""
    spec = importlib.util.find_spec("resemblyzer")
    if spec is None or not spec.submodule_search_locations:
        raise ModelError("diarization.backend_missing", name="resemblyzer", hint="pip install -e .")
    path = Path(next(iter(spec.submodule_search_locations))) / "pretrained.pt"
    if not path.is_file():
        raise ModelError("diarization.backend_missing", name="resemblyzer", hint="pip install -e .")
    return path


def load_encoder(device: str = "cpu") -> GE2EEncoder:
    encoder = GE2EEncoder()
    checkpoint = torch.load(weights_path(), map_location="cpu", weights_only=True)
    state = {k: v for k, v in checkpoint["model_state"].items() if not k.startswith("similarity")}
    encoder.load_state_dict(state)
    return encoder.to(device).eval()


@cache
def mel_filters() -> npt.NDArray[np.float32]:
    """librosa.filters.mel(sr=16000, n_fft=400, n_mels=40): Slaney scale, Slaney norm."""
    fft_freqs = np.linspace(0, SAMPLE_RATE / 2, N_FFT // 2 + 1)
    mel_points = np.linspace(_hz_to_mel(0.0), _hz_to_mel(SAMPLE_RATE / 2), N_MELS + 2)
    hz_points = _mel_to_hz(mel_points)
    spacing = np.diff(hz_points)
    ramps = hz_points[:, None] - fft_freqs[None, :]
    lower = -ramps[:-2] / spacing[:-1, None]
    upper = ramps[2:] / spacing[1:, None]
    weights = np.maximum(0, np.minimum(lower, upper))
    weights *= (2.0 / (hz_points[2:] - hz_points[:-2]))[:, None]
    return weights.astype(np.float32)


def _hz_to_mel(hz: npt.ArrayLike) -> npt.NDArray[np.float64]:
    hz = np.asarray(hz, dtype=np.float64)
    f_sp, min_log_hz, logstep = 200.0 / 3, 1000.0, np.log(6.4) / 27.0
    linear = hz / f_sp
    log = (min_log_hz / f_sp) + np.log(np.maximum(hz, 1e-10) / min_log_hz) / logstep
    return np.where(hz >= min_log_hz, log, linear)


def _mel_to_hz(mel: npt.ArrayLike) -> npt.NDArray[np.float64]:
    mel = np.asarray(mel, dtype=np.float64)
    f_sp, min_log_hz, logstep = 200.0 / 3, 1000.0, np.log(6.4) / 27.0
    min_log_mel = min_log_hz / f_sp
    return np.where(
        mel >= min_log_mel, min_log_hz * np.exp(logstep * (mel - min_log_mel)), f_sp * mel
    )


def mel_spectrogram(samples: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """Frames x 40 mel power spectrogram (centred frames, zero padding, like librosa)."""
    padded = np.pad(samples.astype(np.float32), N_FFT // 2)
    count = 1 + (len(padded) - N_FFT) // HOP
    frames = np.lib.stride_tricks.as_strided(
        padded, shape=(count, N_FFT), strides=(padded.strides[0] * HOP, padded.strides[0])
    )
    window = np.hanning(N_FFT + 1)[:-1].astype(np.float32)  # periodic Hann, as scipy/librosa
    power = np.abs(np.fft.rfft(frames * window, axis=1)) ** 2
    return (power.astype(np.float32) @ mel_filters().T).astype(np.float32)


def normalise_volume(samples: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """Scale quiet speech up to ``TARGET_DBFS`` (never down), as resemblyzer does."""
    rms = float(np.sqrt(np.mean(np.square(samples, dtype=np.float64)))) if len(samples) else 0.0
    if rms <= 1e-6:
        return samples
    gain = 10 ** ((TARGET_DBFS - 20 * np.log10(rms)) / 20)
    return samples * np.float32(gain) if gain > 1 else samples


class SpeakerEmbedder:
    """Embeds time spans of one recording: ``embed(mel, spans) -> (n, 256)``, unit length."""

    def __init__(self, device: str = "cpu") -> None:
        self.device = device
        self.encoder = load_encoder(device)

    def embed(
        self, mel: npt.NDArray[np.float32], spans: Sequence[tuple[int, int]]
    ) -> npt.NDArray[np.float32]:
        """``spans`` are [first, last) mel frame indices into ``mel``."""
        result = np.zeros((len(spans), EMBEDDING_SIZE), dtype=np.float32)
        order = sorted(range(len(spans)), key=lambda i: spans[i][0] - spans[i][1])
        with torch.inference_mode():
            for first in range(0, len(order), _BATCH):
                chosen = order[first : first + _BATCH]  # longest first, as packing wants
                tensors = [torch.from_numpy(mel[spans[i][0] : spans[i][1]]) for i in chosen]
                lengths = torch.tensor([len(t) for t in tensors])
                padded = nn.utils.rnn.pad_sequence(tensors, batch_first=True).to(self.device)
                packed = nn.utils.rnn.pack_padded_sequence(
                    padded, lengths, batch_first=True, enforce_sorted=True
                )
                result[chosen] = self.encoder(packed).cpu().numpy()
        return result
