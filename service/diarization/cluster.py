"""Group speaker embeddings into speakers: spectral clustering, then a smoothed assignment.

Spectral clustering follows the usual recipe for speaker embeddings (NME-SC, Park et al. 2019):
cosine affinity, keep each row's strongest neighbours, symmetrise, take the Laplacian's
smallest eigenvectors and run k-means on them. The speaker count comes from the hint when there
is one; otherwise each count in range is tried and the one whose clusters separate best
(silhouette, cosine) wins, and one voice is chosen when no split separates well. (On the
benchmark the eigengap and centroid-similarity rules each miscounted a case that this gets.)

Assignment then walks through the blocks in time order (Viterbi) so one odd block cannot chop
a turn into fragments, while a pause makes a speaker change cheaper than inside speech.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score

PRUNE_SHARE = 0.25  # neighbours kept per row of the affinity matrix (share of all blocks)
MIN_NEIGHBOURS = 6
ONE_VOICE = 0.3  # below this best silhouette, the recording is taken to hold one voice ...
FEW_BLOCKS = 80  # ... and higher with fewer blocks, where silhouettes run high by chance;
MIN_TO_SPLIT = 10  # under this many blocks (~15 s of speech), one voice unless told otherwise
MAX_CLUSTERED = 1500  # more blocks than this: cluster an even sample, assign the rest
SWITCH_IN_SPEECH = 0.35  # Viterbi cost of a speaker change between touching blocks
SWITCH_AT_PAUSE = 0.05  # ... and across a pause
SHARPNESS = 8.0  # scales cosine similarity into a log-likelihood


@dataclass(frozen=True)
class Clusters:
    labels: npt.NDArray[np.int64]  # one per input embedding
    centroids: npt.NDArray[np.float32]  # k x dim, unit length


def _unit(rows: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    norms = np.linalg.norm(rows, axis=-1, keepdims=True)
    return (rows / np.maximum(norms, 1e-8)).astype(np.float32)


def centroids_of(
    embeddings: npt.NDArray[np.float32], labels: npt.NDArray[np.int64], k: int
) -> npt.NDArray[np.float32]:
    dim = embeddings.shape[1]
    sums = np.zeros((k, dim), dtype=np.float32)
    np.add.at(sums, labels, embeddings)
    return _unit(sums)


def spectral_clusters(embeddings: npt.NDArray[np.float32], low: int, high: int) -> Clusters:
    """Cluster unit-length ``embeddings`` into between ``low`` and ``high`` speakers."""
    n = len(embeddings)
    if n > MAX_CLUSTERED:  # eigendecomposition is cubic in n; the centroids need no more
        step = n / MAX_CLUSTERED
        sample = embeddings[(np.arange(MAX_CLUSTERED) * step).astype(int)]
        centroids = spectral_clusters(sample, low, high).centroids
        return Clusters(np.argmax(embeddings @ centroids.T, axis=1).astype(np.int64), centroids)
    high = max(1, min(high, n - 1))
    low = max(1, min(low, high))
    if high == 1:
        labels = np.zeros(n, dtype=np.int64)
        return Clusters(labels, centroids_of(embeddings, labels, 1))
    vectors = _spectral_embedding(embeddings, high)
    best: tuple[float, npt.NDArray[np.int64]] | None = None
    for k in range(max(2, low), high + 1):
        labels = _kmeans(vectors[:, :k], k)
        if len(np.unique(labels)) < 2:
            continue
        score = float(silhouette_score(embeddings, labels, metric="cosine"))
        if best is None or score > best[0]:
            best = (score, labels)
    one_voice = ONE_VOICE + 0.2 * max(0.0, 1.0 - n / FEW_BLOCKS)
    if best is None or (low == 1 and (best[0] < one_voice or n < MIN_TO_SPLIT)):
        labels = np.zeros(n, dtype=np.int64)
    else:
        labels = best[1]
    _, labels = np.unique(labels, return_inverse=True)
    return Clusters(labels, centroids_of(embeddings, labels, int(labels.max()) + 1))


def _spectral_embedding(embeddings: npt.NDArray[np.float32], k: int) -> npt.NDArray[np.float64]:
    """The ``k`` smallest eigenvectors of the normalised Laplacian of the pruned affinity."""
    n = len(embeddings)
    affinity = np.clip(embeddings @ embeddings.T, 0.0, 1.0).astype(np.float64)
    keep = min(n, max(MIN_NEIGHBOURS, int(PRUNE_SHARE * n)))
    pruned = np.zeros_like(affinity)
    strongest = np.argpartition(-affinity, keep - 1, axis=1)[:, :keep]
    rows = np.arange(n)[:, None]
    pruned[rows, strongest] = affinity[rows, strongest]
    symmetric = (pruned + pruned.T) / 2
    scale = 1.0 / np.sqrt(np.maximum(symmetric.sum(axis=1), 1e-10))
    laplacian = np.eye(n) - scale[:, None] * symmetric * scale[None, :]
    _, vectors = np.linalg.eigh(laplacian)
    return np.asarray(vectors[:, :k])


def _kmeans(features: npt.NDArray[np.float64], k: int) -> npt.NDArray[np.int64]:
    rows = _unit(features.astype(np.float32))
    model = KMeans(n_clusters=k, n_init=10, random_state=0).fit(rows)
    return np.asarray(model.labels_, dtype=np.int64)


def smooth_assign(
    embeddings: npt.NDArray[np.float32],
    centroids: npt.NDArray[np.float32],
    weights: npt.NDArray[np.float32],
    after_pause: npt.NDArray[np.bool_],
) -> npt.NDArray[np.int64]:
    """Most likely speaker sequence for blocks in time order (Viterbi).

    ``weights`` scale each block's evidence (its length in seconds, capped); ``after_pause``
    marks blocks that follow silence, where changing speaker costs less.
    """
    n, k = len(embeddings), len(centroids)
    if n == 0 or k == 1:
        return np.zeros(n, dtype=np.int64)
    scores = SHARPNESS * (embeddings @ centroids.T) * weights[:, None]
    switch = np.where(after_pause, SWITCH_AT_PAUSE, SWITCH_IN_SPEECH) * SHARPNESS
    best = scores[0].copy()
    back = np.zeros((n, k), dtype=np.int64)
    for i in range(1, n):
        stay = best
        move = best.max() - switch[i]
        origin = np.where(stay >= move, np.arange(k), int(best.argmax()))
        best = np.maximum(stay, move) + scores[i]
        back[i] = origin
    path = np.zeros(n, dtype=np.int64)
    path[-1] = int(best.argmax())
    for i in range(n - 1, 0, -1):
        path[i - 1] = back[i, path[i]]
    return path
