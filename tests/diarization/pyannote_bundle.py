"""A pyannote pipeline directory in the community-1 layout, with randomly initialised weights.

``pyannote/speaker-diarization-community-1`` is gated on the hub, so tests cannot fetch it. This
builds the same layout from pyannote.audio's own classes, which is what a pulled copy looks
like to ``Pipeline.from_pretrained(<dir>)``:

    config.yaml                   SpeakerDiarization, $model/segmentation|embedding|plda
    segmentation/pytorch_model.bin  PyanNet, powerset over 3 speakers (2 at once), 10 s chunks
    embedding/pytorch_model.bin     WeSpeaker ResNet34 (256-dimensional embeddings)
    plda/xvec_transform.npz         mean1, mean2, lda (centering, whitening, LDA to 128)
    plda/plda.npz                   mu, tr, psi (the PLDA model VBx clustering needs)

The output of such a pipeline is meaningless as diarisation, but the whole of pyannote runs on
it: loading, segmentation, embeddings, PLDA, VBx clustering and the speaker-count constraints.
Imports pyannote.audio; import this module only after ``enforce_offline()``.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import lightning
import numpy as np
import torch
import yaml
from pyannote.audio.core.model import Model
from pyannote.audio.core.task import Problem, Resolution, Specifications
from pyannote.audio.models.embedding import WeSpeakerResNet34
from pyannote.audio.models.segmentation import PyanNet

EMBEDDING_DIMENSION = 256
LDA_DIMENSION = 128

# community-1's config.yaml (its parameters are pyannote's defaults for this pipeline)
CONFIG: dict[str, dict[str, Any]] = {
    "pipeline": {
        "name": "pyannote.audio.pipelines.SpeakerDiarization",
        "params": {
            "clustering": "VBxClustering",
            "segmentation": "$model/segmentation",
            "segmentation_batch_size": 32,
            "embedding": "$model/embedding",
            "embedding_batch_size": 32,
            "embedding_exclude_overlap": True,
            "plda": "$model/plda",
        },
    },
    "params": {
        "clustering": {"threshold": 0.6, "Fa": 0.07, "Fb": 0.8},
        "segmentation": {"min_duration_off": 0.0},
    },
}


def build_bundle(path: Path, seed: int = 0, **params: Any) -> Path:
    """Write a random-weight community-1 layout into ``path`` (created) and return it.

    ``params`` override the pipeline's parameters in ``config.yaml``; by default the test
    bundle differs from community-1 in two of them, which change no code path: chunks every
    5 s instead of every 1 s (``segmentation_step`` 0.5, not 0.1: five times fewer chunks
    through the embedding model, where a test spends most of its time) and embeddings in
    batches of 4, not 32 (so that even a short recording reports progress within the step).
    """
    torch.manual_seed(seed)
    path.mkdir(parents=True, exist_ok=True)
    config = copy.deepcopy(CONFIG)
    config["pipeline"]["params"].update(
        {"segmentation_step": 0.5, "embedding_batch_size": 4, **params}
    )
    (path / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))

    segmentation = PyanNet()
    segmentation.specifications = Specifications(
        problem=Problem.MONO_LABEL_CLASSIFICATION,
        resolution=Resolution.FRAME,
        duration=10.0,
        classes=["speaker#1", "speaker#2", "speaker#3"],
        powerset_max_classes=2,
        permutation_invariant=True,
    )
    segmentation.setup()  # adds the powerset classifier
    _calibrate_classifier(segmentation)
    _save(segmentation, path / "segmentation")

    embedding = WeSpeakerResNet34()
    embedding.specifications = Specifications(
        problem=Problem.REPRESENTATION, resolution=Resolution.CHUNK, duration=5.0
    )
    embedding.setup()
    _save(embedding, path / "embedding")

    _write_plda(path / "plda", np.random.default_rng(seed))
    return path


def _save(model: Model, folder: Path) -> None:
    """Save ``model`` the way pyannote's checkpoints are saved (``Model.from_pretrained`` reads
    the class and specifications from the ``pyannote.audio`` key, the rest through Lightning)."""
    checkpoint = {
        "state_dict": model.state_dict(),
        "hyper_parameters": dict(model.hparams),
        "pytorch-lightning_version": lightning.__version__,
    }
    model.on_save_checkpoint(checkpoint)
    folder.mkdir(exist_ok=True)
    torch.save(checkpoint, folder / "pytorch_model.bin")


def _calibrate_classifier(model: PyanNet) -> None:
    """Centre and scale the random powerset classifier so its choice varies with the input.

    Left as initialised, a random PyanNet gives the same class ("speakers 1 and 2 at once") to
    every frame of every chunk, so no embedding is ever clean enough to cluster and VBx never
    runs. Standardising each class score on a fixed test signal (tones, noise and silence) and
    discouraging the two-speaker classes makes the model pick silence or one of three speakers
    frame by frame, which is enough for every later step of the pipeline to do real work.
    """
    t = np.arange(10 * 16_000) / 16_000
    rng = np.random.default_rng(1)
    signal = np.zeros_like(t)
    for k in range(5):
        burst = slice(k * 32_000, k * 32_000 + 20_000)
        tone = np.sign(np.sin(2 * np.pi * (100 + 60 * k) * t[burst]))
        signal[burst] = 0.3 * tone + 0.05 * rng.standard_normal(20_000)
    features: list[torch.Tensor] = []
    handle = model.classifier.register_forward_hook(
        lambda _module, inputs, _output: features.append(inputs[0][0])
    )
    with torch.no_grad():
        model.eval()(torch.from_numpy(signal).float()[None, None])
        handle.remove()
        scores = features[0] @ model.classifier.weight.T + model.classifier.bias
        mean, std = scores.mean(dim=0), scores.std(dim=0)
        model.classifier.weight.div_(std[:, None])
        # classes: {}, {1}, {2}, {3}, {1, 2}, {1, 3}, {2, 3}
        prior = torch.tensor([0.0, 0.0, 0.0, 0.0, -3.0, -3.0, -3.0])
        model.classifier.bias.copy_((model.classifier.bias - mean) / std + prior)


def _write_plda(folder: Path, rng: np.random.Generator) -> None:
    """A plausible PLDA: a random orthonormal LDA to 128 dimensions, an identity within-class
    transform and decreasing between-class variances (``psi``), as VBx expects."""
    folder.mkdir(exist_ok=True)
    lda, _ = np.linalg.qr(rng.standard_normal((EMBEDDING_DIMENSION, LDA_DIMENSION)))
    np.savez(
        folder / "xvec_transform.npz",
        mean1=0.01 * rng.standard_normal(EMBEDDING_DIMENSION),
        mean2=0.01 * rng.standard_normal(LDA_DIMENSION),
        lda=lda,
    )
    np.savez(
        folder / "plda.npz",
        mu=np.zeros(LDA_DIMENSION),
        tr=np.eye(LDA_DIMENSION),
        psi=np.linspace(5.0, 0.1, LDA_DIMENSION),
    )
