"""Train the learned reader of a language on the claims corpus: `make train` (python -m onrecord.nlp.learned.train).

Data: the corpus train split; every choice (regularisation, thresholds) is made on the dev split only. The
test split is scored once, after every choice, for the model card; nothing is chosen by it.
Deterministic: the same corpus, config and code give the same weights.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np

from onrecord.core.config import Config, load_config
from onrecord.nlp.corpus.sources import default_shared
from onrecord.nlp.corpus.store import Passage, materialise
from onrecord.nlp.learned.features import Candidate, Featurizer
from onrecord.nlp.learned.model import LinearModel, ReaderModel
from onrecord.nlp.evaluate import Score
from onrecord.nlp.learned.reader import MODELS_DIR, negation_features

MIN_FEATURE_COUNT = 2
C_GRID = (0.25, 0.5, 1.0, 2.0, 4.0)
THRESHOLD_GRID = (0.02, 0.03, 0.05, 0.07, *(round(0.05 * k, 2) for k in range(2, 19)))
PER_TYPE_MIN_DEV = 20  # a type gets its own threshold only with this many dev gold claims
# A type with fewer training claims than this is not learned: the reader keeps the rule engine's claims of it
# (the corpus has few: list_submitted, list_received, awaiting_counterpart, denial at the last count).
MIN_TRAIN_CLAIMS = 30
SECOND_HOLDER_GRID = (0.5, 0.7, 0.9, 1.1)  # 1.1: never a second holder
Key = tuple[str, str, bool]


@dataclass
class Example:
    """The candidates of one passage with their gold labels."""

    pid: str
    record: str
    candidates: list[Candidate]
    labels: list[set[str]]  # claim types of each candidate
    negated: list[dict[str, bool]]  # per candidate: type -> negated
    gold: set[Key]
    reachable: int  # gold keys that some candidate could produce
    sentence_labels: dict[int, set[str]]  # sentence index -> claim types stated in it (by anyone)
    sentence_negated: dict[int, dict[str, bool]]  # sentence index -> type -> negated
    holds: list[bool]  # per candidate: some gold claim of its sentence is held by its party
    rule_keys: set[Key]  # what the rule engine reads in the passage


def examples(passages: Iterable[Passage], featurizer: Featurizer,
             rules: dict[str, list] | None = None) -> list[Example]:
    out = []
    for passage in passages:
        ruled = (rules or {}).get(passage.pid, [])
        candidates = featurizer.candidates(passage.article, rule_claims=ruled)
        labels: list[set[str]] = [set() for _ in candidates]
        negated: list[dict[str, bool]] = [{} for _ in candidates]
        gold = {(c["holder"], c["claim_type"], bool(c["negated"])) for c in passage.gold}
        reached: set[Key] = set()
        sentence_labels: dict[int, set[str]] = {c.sentence: set() for c in candidates}
        sentence_negated: dict[int, dict[str, bool]] = {c.sentence: {} for c in candidates}
        holds = [False] * len(candidates)
        for claim in passage.gold:
            for k, candidate in enumerate(candidates):
                overlaps = candidate.start < claim["evidence_end"] and claim["evidence_start"] < candidate.end
                if not overlaps:
                    continue
                sentence_labels[candidate.sentence].add(claim["claim_type"])
                sentence_negated[candidate.sentence][claim["claim_type"]] = bool(claim["negated"])
                if candidate.holder == claim["holder"]:
                    holds[k] = True
                    labels[k].add(claim["claim_type"])
                    negated[k][claim["claim_type"]] = bool(claim["negated"])
                    reached.add((claim["holder"], claim["claim_type"], bool(claim["negated"])))
        out.append(Example(passage.pid, f"{passage.ref['corpus']}/{passage.ref['record']}", candidates, labels,
                           negated, gold, len(reached), sentence_labels, sentence_negated, holds,
                           {(c.holder, c.claim_type, c.negated) for c in ruled}))
    return out


def vocabulary(rows: Iterable[Sequence[str]], minimum: int = MIN_FEATURE_COUNT) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for feats in rows:
        counts.update(set(feats))
    kept = sorted(f for f, n in counts.items() if n >= minimum)
    return {f: i for i, f in enumerate(kept)}


def design(rows: Sequence[Sequence[str]], vocab: dict[str, int]):
    from scipy.sparse import csr_matrix
    indptr, indices = [0], []
    for feats in rows:
        cols = sorted({vocab[f] for f in feats if f in vocab})
        indices.extend(cols)
        indptr.append(len(indices))
    data = np.ones(len(indices), dtype=np.float32)
    return csr_matrix((data, indices, indptr), shape=(len(rows), len(vocab)))


CLASS_WEIGHT: str | None = None


def fit_linear(rows: Sequence[Sequence[str]], targets: np.ndarray, labels: list[str], c: float) -> LinearModel:
    """One logistic regression per label column of `targets` (n_rows, n_labels)."""
    from sklearn.linear_model import LogisticRegression
    vocab = vocabulary(rows)
    x = design(rows, vocab)
    weights = np.zeros((len(vocab), len(labels)), dtype=np.float32)
    bias = np.full(len(labels), -8.0, dtype=np.float32)
    for j in range(len(labels)):
        y = targets[:, j]
        if y.min() == y.max():  # a label never (or always) seen: a constant
            bias[j] = 8.0 if y.max() else -8.0
            continue
        model = LogisticRegression(C=c, solver="liblinear", max_iter=200, random_state=0, class_weight=CLASS_WEIGHT)
        model.fit(x, y)
        weights[:, j] = model.coef_[0]
        bias[j] = model.intercept_[0]
    keep = np.abs(weights).max(axis=1) > 1e-4  # features every label ignores are dropped from the file
    words = [w for w, i in sorted(vocab.items(), key=lambda item: item[1]) if keep[i]]
    return LinearModel({w: i for i, w in enumerate(words)}, weights[keep], bias, labels)


def sentences(data: list[Example]) -> list[tuple[Example, int, list[int]]]:
    """(example, sentence index, indices of its candidates) of every sentence that has candidates."""
    out = []
    for ex in data:
        by: dict[int, list[int]] = {}
        for k, candidate in enumerate(ex.candidates):
            by.setdefault(candidate.sentence, []).append(k)
        out += [(ex, sentence, idx) for sentence, idx in by.items()]
    return out


def train_models(train: list[Example], labels: list[str], c: float | dict[str, float]) -> dict[str, LinearModel]:
    """The four parts of a reader model (see nlp.learned.model.ReaderModel); `c` is one regularisation for all
    parts or one per part."""
    cs = c if isinstance(c, dict) else {name: c for name in ("claim", "types", "holder", "negation")}
    units = sentences(train)
    if not units:
        raise SystemExit("train: no candidates in the training split")
    rows = [ex.candidates[idx[0]].sentence_features for ex, _, idx in units]
    types = np.array([[label in ex.sentence_labels[s] for label in labels] for ex, s, _ in units], dtype=np.int8)
    stated = [i for i in range(len(rows)) if types[i].any()]
    parts = {"claim": fit_linear(rows, types.max(axis=1, keepdims=True), ["claim"], cs["claim"]),
             "types": fit_linear([rows[i] for i in stated] or [["none"]],
                                 types[stated] if stated else np.zeros((1, len(labels)), dtype=np.int8), labels,
                                 cs["types"])}
    holder_rows = [cand.features for ex in train for cand in ex.candidates]
    holds = np.array([[h] for ex in train for h in ex.holds], dtype=np.int8)
    parts["holder"] = fit_linear(holder_rows, holds, ["holds"], cs["holder"])
    neg_rows, neg_targets = [], []
    for ex, s, idx in units:
        for claim_type, negated in ex.sentence_negated[s].items():
            neg_rows.append(negation_features(ex.candidates[idx[0]], claim_type))
            neg_targets.append([int(negated)])
    parts["negation"] = fit_linear(neg_rows or [["T:none"]], np.array(neg_targets or [[0]], dtype=np.int8),
                                   ["negated"], cs["negation"])
    return parts


class DevScorer:
    """Scores thresholds quickly: the models run once per sentence, keys are rebuilt per threshold setting.
    Reads exactly as nlp.learned.reader does (score = P(claim) * P(type | claim); top holder, plus any other at or
    above `second_holder`)."""

    def __init__(self, data: list[Example], parts: dict[str, LinearModel], learned: set[str] | None = None):
        self.data = data
        self.labels = parts["types"].labels
        self.learned = set(self.labels) if learned is None else learned
        self.units = sentences(data)
        rows = [ex.candidates[idx[0]].sentence_features for ex, _, idx in self.units]
        self.scores = parts["types"].probabilities(rows) * parts["claim"].probabilities(rows)[:, :1]
        self.holders: list[list[tuple[str, float]]] = []
        self.negated: list[np.ndarray] = []
        for ex, _, idx in self.units:
            p = parts["holder"].probabilities([ex.candidates[k].features for k in idx])[:, 0]
            self.holders.append(sorted(((ex.candidates[k].holder, float(q)) for k, q in zip(idx, p)),
                                       key=lambda item: -item[1]))
            first = ex.candidates[idx[0]]
            self.negated.append(parts["negation"].probabilities(
                [negation_features(first, label) for label in self.labels])[:, 0])

    def predicted(self, thresholds: dict[str, float]) -> dict[str, set[Key]]:
        cut = np.array([thresholds.get(label, thresholds["*"]) for label in self.labels])
        second = thresholds.get("second_holder", 1.1)
        out: dict[str, set[Key]] = {}
        for (ex, _, _), score, holders, negated in zip(self.units, self.scores, self.holders, self.negated):
            chosen = [holders[0][0]] + [h for h, q in holders[1:] if q >= second]
            for j in np.nonzero(score >= cut)[0]:
                if self.labels[j] not in self.learned:
                    continue
                for holder in chosen:
                    out.setdefault(ex.pid, set()).add((holder, self.labels[j], bool(negated[j] >= 0.5)))
        for ex in self.data:  # types not learned: the rule engine's reading
            kept = {k for k in ex.rule_keys if k[1] not in self.learned}
            if kept:
                out.setdefault(ex.pid, set()).update(kept)
        return out

    def score(self, thresholds: dict[str, float], only: str | None = None) -> Score:
        tp = fp = fn = 0
        predicted = self.predicted(thresholds)
        for ex in self.data:
            keys, gold = predicted.get(ex.pid, set()), ex.gold
            if only:
                keys = {k for k in keys if k[1] == only}
                gold = {k for k in gold if k[1] == only}
            tp, fp, fn = tp + len(keys & gold), fp + len(keys - gold), fn + len(gold - keys)
        return Score(tp, fp, fn)


def choose_thresholds(scorer: DevScorer, dev_support: Counter[str]) -> dict[str, float]:
    """On dev: one threshold for every type and the second-holder threshold, then a type's own threshold where it
    has PER_TYPE_MIN_DEV gold claims."""
    settings = [{"*": t, "second_holder": h} for t in THRESHOLD_GRID for h in SECOND_HOLDER_GRID]
    thresholds = max(settings, key=lambda th: (scorer.score(th).f1, th["*"], th["second_holder"]))
    for label in scorer.labels:
        if dev_support[label] >= PER_TYPE_MIN_DEV:
            best = max(THRESHOLD_GRID, key=lambda t: (scorer.score(thresholds | {label: t}, only=label).f1, t))
            thresholds = thresholds | {label: best}
    return thresholds


def by_record(data: list[Example], share: float, seed: int = 0) -> list[Example]:
    """A share of the training records (all passages of each chosen record), for the learning curve."""
    records = sorted({ex.record for ex in data})
    random.Random(seed).shuffle(records)
    chosen = set(records[: max(1, int(round(len(records) * share)))])
    return [ex for ex in data if ex.record in chosen]


def rule_claims(config: Config, passages: list[Passage]) -> dict[str, list]:
    """The rule engine's claims on each passage (features for a model trained with them)."""
    from onrecord.nlp.extractor import Extractor
    extractor = Extractor(config.with_engine("rules"))
    return {article.id: claims for article, claims in extractor.extract([p.article for p in passages])}


def prepare(config: Config, language: str, shared: Path, rule_features: bool) -> tuple[dict, dict]:
    """(passages, examples) per split."""
    featurizer = Featurizer(config, language)
    split = {s: materialise(shared, languages=[language], splits=[s]) for s in ("train", "dev", "test")}
    data = {s: examples(ps, featurizer, rule_claims(config, ps) if rule_features else None)
            for s, ps in split.items()}
    return split, data


def learned_types(train: list[Example], labels: list[str]) -> set[str]:
    """The claim types with at least MIN_TRAIN_CLAIMS gold claims in the training passages."""
    counts = Counter(k[1] for ex in train for k in ex.gold)
    return {label for label in labels if counts[label] >= MIN_TRAIN_CLAIMS}


def fit(data: dict, labels: list[str], log=print) -> tuple[dict[str, float], dict[str, float],
                                                         dict[str, LinearModel], list]:
    """Train for every C of the grid and keep the best on dev; then, part by part, keep another C's version of a
    part where that scores better on dev (one pass of coordinate ascent). Returns (C per part, thresholds, parts,
    grid)."""
    dev_support: Counter[str] = Counter(k[1] for ex in data["dev"] for k in ex.gold)
    learned = learned_types(data["train"], labels)
    best = None
    grid = []
    versions: dict[float, dict[str, LinearModel]] = {}
    for c in C_GRID:
        parts = versions[c] = train_models(data["train"], labels, c)
        scorer = DevScorer(data["dev"], parts, learned)
        thresholds = choose_thresholds(scorer, dev_support)
        f1 = scorer.score(thresholds).f1
        grid.append({"C": c, "dev_f1": round(f1, 4)})
        log(f"  C={c}: dev F1 {f1:.3f} (threshold {thresholds['*']}, second holder {thresholds['second_holder']})")
        if best is None or f1 > best[0]:
            best = (f1, {name: c for name in parts}, thresholds, parts)
    assert best is not None
    f1, chosen, thresholds, parts = best
    for name in ("claim", "types", "holder", "negation"):
        for c in C_GRID:
            if c == chosen[name]:
                continue
            trial = dict(parts, **{name: versions[c][name]})
            scorer = DevScorer(data["dev"], trial, learned)
            trial_thresholds = choose_thresholds(scorer, dev_support)
            trial_f1 = scorer.score(trial_thresholds).f1
            if trial_f1 > f1:
                f1, parts, thresholds, chosen = trial_f1, trial, trial_thresholds, dict(chosen, **{name: c})
        log(f"  {name}: C={chosen[name]} (dev F1 {f1:.3f})")
    return chosen, thresholds, parts, grid


def curve(data: dict, labels: list[str], c: dict[str, float], log=print) -> list[dict[str, Any]]:
    dev_support: Counter[str] = Counter(k[1] for ex in data["dev"] for k in ex.gold)
    points = []
    for share in (0.25, 0.5, 1.0):
        part = by_record(data["train"], share)
        scorer = DevScorer(data["dev"], train_models(part, labels, c), learned_types(part, labels))
        points.append({"train_share": share, "train_passages": len(part),
                       "dev": scorer.score(choose_thresholds(scorer, dev_support)).to_dict()})
        log(f"  learning curve {int(share * 100)}%: dev F1 {points[-1]['dev']['f1']:.3f}")
    return points


def learning_curve(config: Config, language: str | None = None, shared: Path | None = None,
                   rule_features: bool = True) -> list[dict[str, Any]]:
    """Dev scores of the reader trained on 25 / 50 / 100 % of the train records (C chosen on dev at 100 %)."""
    shared = shared or default_shared()
    labels = [c.id for c in config.claim_types]
    _, data = prepare(config, language, shared, rule_features)
    c, *_ = fit(data, labels, log=lambda line: None)
    return curve(data, labels, c, log=lambda line: None)


def train_language(config: Config, language: str, shared: Path, out_dir: Path, with_curve: bool = True,
                   rule_features: bool = True, log=print) -> dict[str, Any]:
    started = time.time()
    labels = [c.id for c in config.claim_types]
    split, data = prepare(config, language, shared, rule_features)
    log(f"{language}: {len(split['train'])} train / {len(split['dev'])} dev / {len(split['test'])} test passages; "
        f"{sum(len(ex.candidates) for ex in data['train'])} train candidates")
    c, thresholds, parts, grid = fit(data, labels, log)
    scores = {}
    for name in ("dev", "test"):  # test: scored once, after every choice; it chooses nothing
        scorer = DevScorer(data[name], parts, learned_types(data["train"], labels))
        result = scorer.score(thresholds)
        reach = sum(ex.reachable for ex in data[name]), sum(len(ex.gold) for ex in data[name])
        scores[name] = result.to_dict() | {"gold_reachable": f"{reach[0]}/{reach[1]}"}
        scores[name]["per_type"] = {label: scorer.score(thresholds, only=label).to_dict() for label in labels
                                    if any(label == k[1] for ex in data[name] for k in ex.gold)}
    learning = curve(data, labels, c, log) if with_curve else []
    card = {
        "language": language, "trained": time.strftime("%Y-%m-%d"), "seconds": round(time.time() - started, 1),
        "rule_features": rule_features,
        "learned_types": sorted(learned_types(data["train"], labels)),
        "rule_types": sorted(set(labels) - learned_types(data["train"], labels)),
        "data": {s: {"passages": len(split[s]), "gold_claims": sum(len(p.gold) for p in split[s])} for s in split},
        "model": {"kind": "logistic regressions (claim, claim type, holder, negation) over named binary features"
                          + (" and the rule engine's claims" if rule_features else ""),
                  "C": c, "C_grid_dev": grid, "features": {name: len(m.vocabulary) for name, m in parts.items()},
                  "min_feature_count": MIN_FEATURE_COUNT, "class_weight": CLASS_WEIGHT},
        "thresholds": thresholds, "scores": scores, "learning_curve": learning,
    }
    model = ReaderModel(parts, thresholds, card)
    model.save(out_dir / language)
    (out_dir / language / "MODEL.md").write_text(model_card(card), encoding="utf-8")
    log(f"  {language}: dev F1 {scores['dev']['f1']:.3f}  test F1 {scores['test']['f1']:.3f} -> {out_dir / language}")
    return card


def model_card(card: dict[str, Any]) -> str:
    d, m, s = card["data"], card["model"], card["scores"]
    lines = [f"# onrecord learned reader — {card['language']}", "",
             "Made by `make train` (`python -m onrecord.nlp.learned.train`) from the claims corpus (nlp/corpus/data/, "
             "docs/annotation-guide.md). Choices (C, thresholds) were made on the dev split; the test split was "
             "scored once afterwards and chose nothing.", "",
             "## Data", "", "| split | passages | gold claims |", "|---|---|---|"]
    lines += [f"| {name} | {v['passages']} | {v['gold_claims']} |" for name, v in d.items()]
    lines += ["", "## Model", "",
              f"{m['kind']}; C = {m['C']} (grid on dev: "
              + ", ".join(f"{g['C']}: {g['dev_f1']}" for g in m["C_grid_dev"]) + "); features per part "
              f"{json.dumps(m['features'])} (each seen at least {m['min_feature_count']} times in train); "
              f"thresholds {json.dumps(card['thresholds'])}.", "",
              "Claim types learned (at least " + str(MIN_TRAIN_CLAIMS) + " training claims): "
              + (", ".join(card.get("learned_types", [])) or "none") + ". Read by the rule engine instead (too few "
              "to learn from): " + (", ".join(card.get("rule_types", [])) or "none") + ".", "",
              "## Scores (passage keys (holder, claim_type, negated), micro)", "",
              "| split | P | R | F1 | tp | fp | fn | gold reachable by a candidate |", "|---|---|---|---|---|---|---|---|"]
    for name in ("dev", "test"):
        v = s[name]
        lines.append(f"| {name} | {v['precision']:.3f} | {v['recall']:.3f} | {v['f1']:.3f} | {v['tp']} | {v['fp']} | "
                     f"{v['fn']} | {v['gold_reachable']} |")
    if card["learning_curve"]:
        lines += ["", "## Learning curve (dev F1 by share of train records)", "", "| share | passages | dev F1 |",
                  "|---|---|---|"]
        lines += [f"| {int(p['train_share'] * 100)}% | {p['train_passages']} | {p['dev']['f1']:.3f} |"
                  for p in card["learning_curve"]]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", default=None, help="config.yaml (default: ./config.yaml)")
    parser.add_argument("--shared", type=Path, default=None, help="../shared (default: beside the checkout)")
    parser.add_argument("--out", type=Path, default=MODELS_DIR, help=f"model folder (default {MODELS_DIR})")
    parser.add_argument("--language", action="append", help="en, ru, uk (default: all three)")
    parser.add_argument("--no-curve", action="store_true", help="skip the learning curve")
    parser.add_argument("--no-rule-features", action="store_true",
                        help="train without the rule engine's claims as features")
    args = parser.parse_args(argv)
    config = load_config(args.config)
    shared = args.shared or default_shared()
    for language in args.language or ["en", "ru", "uk"]:
        train_language(config, language, shared, args.out, with_curve=not args.no_curve,
                       rule_features=not args.no_rule_features,
                       log=lambda line: print(line, file=sys.stderr, flush=True))


if __name__ == "__main__":
    main()
