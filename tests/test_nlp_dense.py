"""Dense sentence vectors beside the named features (nlp.learned.dense): pooling, training, reading, saving.

The vectors here are made by the test so that what decides the label is known: a label carried only by the
vectors must be learned from them, and one carried by a named feature must still be read from that feature.
"""

from __future__ import annotations

import numpy as np
import pytest

from onrecord.nlp.learned.dense import HybridLinear, fit_hybrid, mean_pool


def test_mean_pool_ignores_padding_and_normalises():
    rng = np.random.default_rng(0)
    hidden = rng.normal(size=(1, 5, 8)).astype(np.float32)
    short = mean_pool(hidden[:, :3], np.ones((1, 3)))
    padded = mean_pool(hidden, np.array([[1, 1, 1, 0, 0]]))  # the same sentence padded with two junk tokens
    np.testing.assert_allclose(short, padded, atol=1e-6)
    assert np.linalg.norm(padded[0]) == pytest.approx(1.0, abs=1e-5)
    expected = hidden[0, :3].mean(axis=0)
    np.testing.assert_allclose(padded[0], expected / np.linalg.norm(expected), atol=1e-5)


def _data(n: int, seed: int):
    """Rows of named features and vectors: `claim` is set where the vector's first dimension is positive (the
    named features are noise for it); `quoted` where the row has the feature "r:quote" (the vectors are noise)."""
    rng = np.random.default_rng(seed)
    vectors = rng.normal(size=(n, 6)).astype(np.float32)
    words = [f"w{k}" for k in range(20)]
    rows, targets = [], []
    for i in range(n):
        quoted = bool(rng.random() < 0.4)
        row = list(rng.choice(words, size=4, replace=False)) + (["r:quote"] if quoted else [])
        rows.append(tuple(row))
        targets.append([int(vectors[i, 0] > 0), int(quoted)])
    return rows, vectors, np.array(targets, dtype=np.int8)


def test_hybrid_learns_from_vectors_and_named_features():
    rows, vectors, targets = _data(400, seed=1)
    model = fit_hybrid(rows, vectors, targets, ["claim", "quoted"], c=1.0)
    test_rows, test_vectors, test_targets = _data(200, seed=2)
    p = model.probabilities(test_rows, test_vectors)
    assert p.shape == (200, 2)
    accuracy = ((p >= 0.5) == test_targets.astype(bool)).mean(axis=0)
    assert accuracy[0] >= 0.9  # read from the vectors
    assert accuracy[1] >= 0.95  # read from "r:quote"
    # the same sentences with their vectors turned round: the vector-borne label flips, the other does not
    flipped = model.probabilities(test_rows, -test_vectors)
    assert ((flipped[:, 0] >= 0.5) == (p[:, 0] >= 0.5)).mean() <= 0.1
    np.testing.assert_array_equal(flipped[:, 1] >= 0.5, p[:, 1] >= 0.5)


def test_hybrid_is_deterministic_and_survives_saving(tmp_path):
    rows, vectors, targets = _data(300, seed=3)
    first = fit_hybrid(rows, vectors, targets, ["claim", "quoted"], c=0.5, scale=2.0)
    second = fit_hybrid(rows, vectors, targets, ["claim", "quoted"], c=0.5, scale=2.0)
    np.testing.assert_array_equal(first.dense, second.dense)
    path = tmp_path / "weights.npz"
    np.savez_compressed(path, **first.arrays("claim"))
    loaded = HybridLinear.from_arrays(np.load(path, allow_pickle=False), "claim", ["claim", "quoted"])
    assert loaded.scale == 2.0
    np.testing.assert_allclose(loaded.probabilities(rows, vectors), first.probabilities(rows, vectors), atol=1e-6)


def test_rows_and_vectors_must_match():
    rows, vectors, targets = _data(50, seed=4)
    with pytest.raises(ValueError, match="50 rows but 49 sentence vectors"):
        fit_hybrid(rows, vectors[:49], targets, ["claim", "quoted"], c=1.0)
    model = fit_hybrid(rows, vectors, targets, ["claim", "quoted"], c=1.0)
    with pytest.raises(ValueError, match="2 rows but 1 sentence vectors"):
        model.probabilities(rows[:2], vectors[:1])
    assert model.probabilities([], vectors[:0]).shape == (0, 2)
