"""Word clusters of the learned reader: learned from co-occurrence, shipped in the model file, read as features."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from onrecord.core.config import load_config
from onrecord.core.records import Article
from onrecord.nlp.learned.clusters import build_clusters, cluster_features
from onrecord.nlp.learned.features import Featurizer
from onrecord.nlp.learned.model import LinearModel, ReaderModel
from onrecord.nlp.learned.reader import LearnedReader

ROOT = Path(__file__).resolve().parents[1]

AGREE = ["signed", "initialled", "ratified", "approved"]  # said of an accord
PRESS = ["urged", "pressed", "implored", "begged"]  # said to a person
FILLER = ["today", "again", "quietly", "finally", "once", "twice", "later", "soon"]


def sentences(seed: int = 0) -> list[list[str]]:
    """Invented text in which the AGREE verbs share one company and the PRESS verbs another."""
    r = random.Random(seed)
    out = []
    for _ in range(3000):
        if r.random() < 0.5:
            out.append(["the", "delegates", r.choice(AGREE), "the", "accord", r.choice(FILLER)])
        else:
            out.append(["she", r.choice(PRESS), "him", "to", "stay", r.choice(FILLER)])
    return out


def test_words_in_the_same_company_share_a_cluster_and_others_do_not():
    table = build_clusters(sentences(), clusters=4, dimensions=6, window=2, min_count=1)
    agree = {table[w] for w in AGREE}
    press = {table[w] for w in PRESS}
    assert len(agree) == 1 and len(press) == 1, (agree, press)
    assert agree != press


def test_the_same_text_gives_the_same_clusters():
    a = build_clusters(sentences(), clusters=4, dimensions=6, window=2, min_count=1)
    b = build_clusters(sentences(), clusters=4, dimensions=6, window=2, min_count=1)
    assert a == b


def test_too_little_text_is_refused_with_a_reason():
    with pytest.raises(ValueError, match="too few"):
        build_clusters([["one", "two", "three"]], clusters=512, min_count=1)


def test_cluster_features_skip_words_without_a_cluster():
    assert cluster_features(["urged", "zzz", "pressed"], {"urged": 3, "pressed": 3}) == ["k:3", "k:3"]


def test_clusters_travel_in_the_model_file_and_become_the_readers_features(tmp_path):
    config = load_config(ROOT / "config.yaml")
    table = {"urged": 7, "pressed": 7, "kyiv": 2}
    parts = {
        name: LinearModel({"k:7": 0}, np.ones((1, 1), dtype=np.float32), np.zeros(1, dtype=np.float32), [name])
        for name in ("claim", "types", "holder", "negation")
    }
    ReaderModel(parts, {"*": 0.5}, {"rule_features": False}, table).save(tmp_path / "en")
    loaded = ReaderModel.load(tmp_path / "en")
    assert loaded.clusters == table
    reader = LearnedReader(config, "en", folder=tmp_path / "en")
    text = "Volodymyr Zelensky urged Russia to agree to a prisoner exchange."
    article = Article(
        id="c1",
        url="https://test.example/c1",
        canonical_url="https://test.example/c1",
        source="test.example",
        title="",
        text=text,
        published="2025-05-20",
        language="en",
    )
    candidates = reader.featurizer.candidates(article)
    assert candidates and all("k:7" in c.sentence_features for c in candidates)
    plain = Featurizer(config, "en").candidates(article)
    assert not any(f.startswith("k:") for c in plain for f in c.sentence_features)
    # a model without clusters loads as before, with none
    ReaderModel(parts, {"*": 0.5}).save(tmp_path / "old")
    assert ReaderModel.load(tmp_path / "old").clusters == {}
