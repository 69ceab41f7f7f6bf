"""The learned reader's weights: a linear model per claim type over named features, and one for negation.

Stored as a folder: `model.json` (labels, thresholds, training facts and scores: the model card's figures) and
`weights.npz` (the feature vocabulary and the weight matrices). Reading needs numpy only; training (nlp.learned.
train) uses scikit-learn.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from onrecord.core.errors import ConfigError

FORMAT = 2


@dataclass
class LinearModel:
    """P(label | features) = sigmoid(sum of the features' weights + bias), one column per label."""

    vocabulary: dict[str, int]
    weights: np.ndarray  # (features, labels)
    bias: np.ndarray  # (labels,)
    labels: list[str]

    def matrix(self, rows: Sequence[Iterable[str]]) -> tuple[np.ndarray, np.ndarray]:
        """CSR-like (row, column) index arrays of the known features of each row (binary features)."""
        index_rows: list[int] = []
        index_cols: list[int] = []
        vocabulary = self.vocabulary
        for r, feats in enumerate(rows):
            seen = {vocabulary[f] for f in feats if f in vocabulary}
            index_rows.extend([r] * len(seen))
            index_cols.extend(seen)
        return np.asarray(index_rows, dtype=np.int64), np.asarray(index_cols, dtype=np.int64)

    def probabilities(self, rows: Sequence[Iterable[str]]) -> np.ndarray:
        if not rows:
            return np.zeros((0, len(self.labels)), dtype=np.float32)
        r, c = self.matrix(rows)
        logits = np.tile(self.bias.astype(np.float64), (len(rows), 1))
        if len(r):
            np.add.at(logits, r, self.weights[c].astype(np.float64))
        return (1.0 / (1.0 + np.exp(-logits))).astype(np.float32)


PARTS = ("claim", "types", "holder", "negation")


@dataclass
class ReaderModel:
    """What a language's learned reader loads. Four linear models, one job each:
    `claim` — does a sentence state a position on a topic at all (sentence features);
    `types` — which claim types, given that it does (sentence features; multi-label);
    `holder` — is this party the one stating it (features of the party in the sentence);
    `negation` — is the type stated as not true (sentence features plus the type).
    A type is read where P(claim) * P(type | claim) reaches its threshold (chosen on the corpus dev split); it is
    held by the most likely party, and by any other whose holder probability reaches `second_holder`."""

    parts: dict[str, LinearModel]
    thresholds: dict[str, float]
    card: dict[str, Any] = field(default_factory=dict)

    def __getattr__(self, name: str) -> LinearModel:
        parts = self.__dict__.get("parts", {})
        if name in parts:
            return parts[name]
        raise AttributeError(name)

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        arrays: dict[str, Any] = {}  # keyword arguments of savez_compressed
        for name, model in self.parts.items():
            words = sorted(model.vocabulary, key=model.vocabulary.__getitem__)
            arrays[f"{name}_vocabulary"] = np.array(words, dtype=np.str_)
            arrays[f"{name}_weights"] = model.weights.astype(np.float32)
            arrays[f"{name}_bias"] = model.bias.astype(np.float32)
        np.savez_compressed(folder / "weights.npz", **arrays)
        meta = {
            "format": FORMAT,
            "labels": {name: m.labels for name, m in self.parts.items()},
            "thresholds": self.thresholds,
            "card": self.card,
        }
        (folder / "model.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> ReaderModel:
        try:
            meta = json.loads((folder / "model.json").read_text(encoding="utf-8"))
            data = np.load(folder / "weights.npz", allow_pickle=False)
        except FileNotFoundError as exc:
            raise ConfigError(f"{exc.filename}: reader model not found (run `make train`?)") from None
        except (ValueError, OSError) as exc:
            raise ConfigError(f"{folder}: unreadable reader model: {exc}") from None
        if meta.get("format") != FORMAT or set(meta.get("labels", {})) != set(PARTS):
            raise ConfigError(
                f"{folder}/model.json: model format {meta.get('format')!r}, expected {FORMAT} "
                f"with parts {', '.join(PARTS)} (run `make train`)"
            )
        parts = {}
        for name, labels in meta["labels"].items():
            words = data[f"{name}_vocabulary"].tolist()
            parts[name] = LinearModel(
                {w: i for i, w in enumerate(words)}, data[f"{name}_weights"], data[f"{name}_bias"], labels
            )
        return cls(parts, meta["thresholds"], meta.get("card", {}))
