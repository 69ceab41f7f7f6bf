"""Word clusters: words that occur in the same company share a cluster, so the reader's features generalise past
the exact words it was trained on ("reaffirmed" and "reiterated", "urged" and "pressed" fall together).

The clusters are learned, by `make train`, from the text of the training records alone (never dev or test): word
co-occurrence counts within a small window, weighted by positive pointwise mutual information, reduced by a
truncated SVD and grouped by k-means. A cluster is a feature like any word ("k:354"). Reading needs the word ->
cluster table only, shipped in the model's weights file; building it uses scikit-learn.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np

# Clusters per language, about one per ten words with a cluster. Chosen by 5-fold cross-validation over the real
# training records plus the dev split (F1 of the whole reader, thresholds chosen on the pooled reads; test unread):
#   en (20,766 words): none 0.374 / dev 0.411; 512: 0.382 / 0.423; 1024: 0.374 / 0.399; 2048: 0.386 / 0.428
#   ru (12,245 words): none 0.327 / dev 0.365; 256: 0.320 / 0.427; 512: 0.322 / 0.408; 1024: 0.341 / 0.394;
#                      2048: 0.322 / 0.403
# The gain is small and the grid noisy (k-means draws differ): about +0.01 on average over the sizes tried.
CLUSTERS = {"en": 2048, "ru": 1024}
DIMENSIONS = 100
WINDOW = 3  # words either side that count as company
MIN_COUNT = {"en": 5, "ru": 3}  # a word seen fewer times has no cluster (Russian has far less text)
SEED = 0


def cluster_features(words: Iterable[str], table: dict[str, int]) -> list[str]:
    """The cluster feature of each word that has one."""
    return [f"k:{table[w]}" for w in words if w in table]


def build_clusters(
    sentences: Sequence[Sequence[str]],
    clusters: int = 1024,
    dimensions: int = DIMENSIONS,
    window: int = WINDOW,
    min_count: int = 5,
    seed: int = SEED,
) -> dict[str, int]:
    """word -> cluster for every word seen at least `min_count` times in `sentences` (lists of lower-cased words).
    Deterministic for the same sentences and seed."""
    from scipy.sparse import coo_matrix, csr_matrix
    from sklearn.cluster import MiniBatchKMeans
    from sklearn.decomposition import TruncatedSVD

    counts = Counter(w for sentence in sentences for w in sentence)
    vocabulary = sorted((w for w, n in counts.items() if n >= min_count), key=lambda w: (-counts[w], w))
    size = len(vocabulary)
    if size < max(2 * clusters, dimensions + 1):
        raise ValueError(f"word clusters: {size} words seen {min_count}+ times, too few for {clusters} clusters")
    index = {w: i for i, w in enumerate(vocabulary)}
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    for sentence in sentences:
        ids = np.array([index.get(w, -1) for w in sentence], dtype=np.int64)
        for offset in range(1, window + 1):
            a, b = ids[:-offset], ids[offset:]
            both = (a >= 0) & (b >= 0)
            rows += [a[both], b[both]]
            cols += [b[both], a[both]]
    r = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
    c = np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64)
    pairs = coo_matrix((np.ones(len(r), dtype=np.float64), (r, c)), shape=(size, size)).tocsr().tocoo()
    total = pairs.data.sum()
    word_sums = np.asarray(pairs.sum(axis=1)).ravel() / total
    context = np.asarray(pairs.sum(axis=0)).ravel() ** 0.75  # smoothed: rare contexts count less
    context /= context.sum()
    pmi = np.log((pairs.data / total) / (word_sums[pairs.row] * context[pairs.col]))
    keep = pmi > 0
    ppmi = csr_matrix((pmi[keep], (pairs.row[keep], pairs.col[keep])), shape=(size, size))
    vectors = TruncatedSVD(n_components=dimensions, random_state=seed).fit_transform(ppmi)
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)
    labels = MiniBatchKMeans(n_clusters=clusters, random_state=seed, batch_size=4096, n_init=3).fit(vectors).labels_
    return {w: int(k) for w, k in zip(vocabulary, labels, strict=True)}
