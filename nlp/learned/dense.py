"""Dense sentence vectors beside the named features: the parts of the issue-15 experiment worth keeping.

A sentence encoder (a small transformer, frozen) turns each candidate sentence into a vector; a `HybridLinear`
part reads P(label | sentence) = sigmoid(named-feature weights + vector · dense weights + bias), the same form as
nlp.learned.model.LinearModel with a dense term added. Reading needs numpy only; `fit_hybrid` (training) uses
scikit-learn. The encoder itself is not here: the experiment (all-MiniLM-L6-v2 for English, multilingual-e5-small
for Russian) found no gain worth its cost (see the issue-15 note), so nothing in the reader uses this yet.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from onrecord.nlp.learned.model import LinearModel


def mean_pool(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Sentence vectors from token vectors: the mean over the real tokens (mask 1), L2-normalised.
    hidden (sentences, tokens, dim), mask (sentences, tokens) -> (sentences, dim)."""
    weights = mask.astype(np.float64)[:, :, None]
    summed = (hidden.astype(np.float64) * weights).sum(axis=1)
    counts = np.maximum(weights.sum(axis=1), 1.0)
    means = summed / counts
    norms = np.maximum(np.linalg.norm(means, axis=1, keepdims=True), 1e-12)
    return (means / norms).astype(np.float32)


@dataclass
class HybridLinear:
    """P(label | sentence) = sigmoid(sum of its named features' weights + scale * vector . dense + bias).
    `sparse` holds the named-feature weights and the bias; `dense` is (dim, labels)."""

    sparse: LinearModel
    dense: np.ndarray
    scale: float = 1.0

    @property
    def labels(self) -> list[str]:
        return self.sparse.labels

    def probabilities(self, rows: Sequence[Iterable[str]], vectors: np.ndarray) -> np.ndarray:
        if not rows:
            return np.zeros((0, len(self.labels)), dtype=np.float32)
        if len(vectors) != len(rows):
            raise ValueError(f"{len(rows)} rows but {len(vectors)} sentence vectors")
        p = np.clip(self.sparse.probabilities(rows).astype(np.float64), 1e-7, 1 - 1e-7)
        logits = np.log(p / (1 - p)) + (vectors.astype(np.float64) * self.scale) @ self.dense.astype(np.float64)
        return (1.0 / (1.0 + np.exp(-logits))).astype(np.float32)

    def arrays(self, prefix: str) -> dict[str, Any]:
        """Keyword arguments for numpy.savez_compressed (as ReaderModel.save writes its parts)."""
        words = sorted(self.sparse.vocabulary, key=self.sparse.vocabulary.__getitem__)
        return {
            f"{prefix}_vocabulary": np.array(words, dtype=np.str_),
            f"{prefix}_weights": self.sparse.weights.astype(np.float32),
            f"{prefix}_bias": self.sparse.bias.astype(np.float32),
            f"{prefix}_dense": self.dense.astype(np.float32),
            f"{prefix}_scale": np.array([self.scale], dtype=np.float32),
        }

    @classmethod
    def from_arrays(cls, data: Any, prefix: str, labels: list[str]) -> HybridLinear:
        words = data[f"{prefix}_vocabulary"].tolist()
        sparse = LinearModel(
            {w: i for i, w in enumerate(words)}, data[f"{prefix}_weights"], data[f"{prefix}_bias"], labels
        )
        return cls(sparse, data[f"{prefix}_dense"], float(data[f"{prefix}_scale"][0]))


def fit_hybrid(
    rows: Sequence[Sequence[str]],
    vectors: np.ndarray,
    targets: np.ndarray,
    labels: list[str],
    c: float,
    scale: float = 1.0,
    min_count: int = 2,
) -> HybridLinear:
    """One logistic regression per label column of `targets` (rows, labels) over the named features seen at least
    `min_count` times and the scaled sentence vectors (deterministic: liblinear, random_state 0)."""
    from scipy.sparse import csr_matrix, hstack
    from sklearn.linear_model import LogisticRegression

    from onrecord.nlp.learned.train import design, vocabulary

    if len(vectors) != len(rows):
        raise ValueError(f"{len(rows)} rows but {len(vectors)} sentence vectors")
    vocab = vocabulary(rows, min_count)
    x = hstack([design(rows, vocab), csr_matrix(vectors.astype(np.float32) * scale)]).tocsr()
    n = len(vocab)
    weights = np.zeros((n + vectors.shape[1], len(labels)), dtype=np.float32)
    bias = np.full(len(labels), -8.0, dtype=np.float32)
    for j in range(len(labels)):
        y = targets[:, j]
        if y.min() == y.max():  # a label never (or always) seen: a constant
            bias[j] = 8.0 if y.max() else -8.0
            continue
        model = LogisticRegression(C=c, solver="liblinear", max_iter=300, random_state=0)
        model.fit(x, y)
        weights[:, j] = model.coef_[0]
        bias[j] = model.intercept_[0]
    keep = np.abs(weights[:n]).max(axis=1) > 1e-4 if n else np.zeros(0, dtype=bool)
    words = [w for w, i in sorted(vocab.items(), key=lambda item: item[1]) if keep[i]]
    sparse = LinearModel({w: i for i, w in enumerate(words)}, weights[:n][keep], bias, labels)
    return HybridLinear(sparse, weights[n:], scale)
