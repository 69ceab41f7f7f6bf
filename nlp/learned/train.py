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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from onrecord.core.config import Config, load_config
from onrecord.nlp.corpus.sources import WRITTEN_CORPUS as WRITTEN
from onrecord.nlp.corpus.sources import default_shared
from onrecord.nlp.corpus.store import Passage, materialise
from onrecord.nlp.evaluate import Score
from onrecord.nlp.learned.features import LOOKS_AHEAD, Candidate, Featurizer
from onrecord.nlp.learned.model import LinearModel, ReaderModel
from onrecord.nlp.learned.reader import MODELS_DIR, negation_features

MIN_FEATURE_COUNT = 2
C_GRID = (0.25, 0.5, 1.0, 2.0, 4.0)
THRESHOLD_GRID = (0.02, 0.03, 0.05, 0.07, *(round(0.05 * k, 2) for k in range(2, 19)))
PER_TYPE_MIN_DEV = 20  # a type gets its own threshold only with this many dev gold claims
# A type with fewer training claims than this is not learned: the reader keeps the rule engine's claims of it
# (the model card names them: list_submitted and list_received in English, by MIN_REAL_CLAIMS, at the last count).
MIN_TRAIN_CLAIMS = 30
# ... of which at least this many in real text. By the cross-validation of WRITTEN_WEIGHT, 10 and 0 score alike (en
# 0.381 / 0.381, ru 0.331 / 0.335); 10 keeps the rules, exact on them, for the types real English text hardly has
# (list_submitted 4 real training claims, list_received 6).
MIN_REAL_CLAIMS = 10
FOLDS = 5  # out-of-fold reading of the training records, for the thresholds
SECOND_HOLDER_GRID = (0.5, 0.7, 0.9, 1.1)  # 1.1: never a second holder
# How much a passage written by the project (nlp.corpus.written) counts beside a real one, per language. Chosen by
# 5-fold cross-validation over the real training records plus the dev split (each fold's models trained on the
# other folds and all written passages; thresholds chosen on the pooled reads), never on test:
#   en: real only 0.379, weight 0.25 0.381, 0.5 0.376, 1.0 0.372 (English news records alone 0.288 -> 0.310 at 0.25)
#   ru: real only 0.252, weight 0.5 0.318, 1.0 0.305
WRITTEN_WEIGHT = {"en": 0.25, "ru": 0.5}
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


def examples(
    passages: Iterable[Passage], featurizer: Featurizer, rules: dict[str, list] | None = None
) -> list[Example]:
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
        out.append(
            Example(
                passage.pid,
                f"{passage.ref['corpus']}/{passage.ref['record']}",
                candidates,
                labels,
                negated,
                gold,
                len(reached),
                sentence_labels,
                sentence_negated,
                holds,
                {(c.holder, c.claim_type, c.negated) for c in ruled},
            )
        )
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


def fit_linear(
    rows: Sequence[Sequence[str]],
    targets: np.ndarray,
    labels: list[str],
    c: float,
    row_weights: np.ndarray | None = None,
) -> LinearModel:
    """One logistic regression per label column of `targets` (n_rows, n_labels); `row_weights`, one per row, say
    how much each row counts (a written passage less than a real one)."""
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
        model.fit(x, y, sample_weight=row_weights)
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


def is_written(example: Example) -> bool:
    """Whether a passage was written by the project (nlp.corpus.written) rather than drawn from real text."""
    return example.record.startswith(f"{WRITTEN}/")


def written_weight(example: Example, weight: float) -> float:
    """How much a training passage counts: a real one 1, one written by the project `weight`."""
    return weight if is_written(example) else 1.0


def train_models(
    train: list[Example], labels: list[str], c: float | dict[str, float], written: float = 1.0
) -> dict[str, LinearModel]:
    """The four parts of a reader model (see nlp.learned.model.ReaderModel); `c` is one regularisation for all
    parts or one per part; `written` is the weight of a passage written by the project (a real one weighs 1)."""
    cs = c if isinstance(c, dict) else dict.fromkeys(("claim", "types", "holder", "negation"), c)
    units = sentences(train)
    if not units:
        raise SystemExit("train: no candidates in the training split")
    rows = [ex.candidates[idx[0]].sentence_features for ex, _, idx in units]
    weights = np.array([written_weight(ex, written) for ex, _, _ in units])
    types = np.array([[label in ex.sentence_labels[s] for label in labels] for ex, s, _ in units], dtype=np.int8)
    stated = [i for i in range(len(rows)) if types[i].any()]
    parts = {
        "claim": fit_linear(rows, types.max(axis=1, keepdims=True), ["claim"], cs["claim"], weights),
        "types": fit_linear(
            [rows[i] for i in stated] or [["none"]],
            types[stated] if stated else np.zeros((1, len(labels)), dtype=np.int8),
            labels,
            cs["types"],
            weights[stated] if stated else None,
        ),
    }
    holder_rows = [cand.features for ex in train for cand in ex.candidates]
    holds = np.array([[h] for ex in train for h in ex.holds], dtype=np.int8)
    holder_weights = np.array([written_weight(ex, written) for ex in train for _ in ex.candidates])
    parts["holder"] = fit_linear(holder_rows, holds, ["holds"], cs["holder"], holder_weights)
    neg_rows, neg_targets, neg_weights = [], [], []
    for ex, s, idx in units:
        for claim_type, negated in ex.sentence_negated[s].items():
            neg_rows.append(negation_features(ex.candidates[idx[0]], claim_type))
            neg_targets.append([int(negated)])
            neg_weights.append(written_weight(ex, written))
    parts["negation"] = fit_linear(
        neg_rows or [["T:none"]],
        np.array(neg_targets or [[0]], dtype=np.int8),
        ["negated"],
        cs["negation"],
        np.array(neg_weights) if neg_weights else None,
    )
    return parts


class DevScorer:
    """Scores thresholds quickly: the models run once per sentence, keys are rebuilt per threshold setting.
    Reads exactly as nlp.learned.reader does (score = P(claim) * P(type | claim); top holder, plus any other at or
    above `second_holder`)."""

    def __init__(
        self,
        data: list[Example],
        parts: dict[str, LinearModel],
        learned: set[str] | None = None,
        rules_only: Iterable[str] = (),
        events: Iterable[str] = (),
    ):
        self.data = data
        self.labels = parts["types"].labels
        self.learned = set(self.labels) if learned is None else learned
        self.rules_only = set(rules_only)  # learned types read only from the rule engine's claims the model backs
        self.events = set(events)  # types a sentence that looks ahead does not state (config: event: true)
        self.units = sentences(data)
        rows = [ex.candidates[idx[0]].sentence_features for ex, _, idx in self.units]
        self.scores = parts["types"].probabilities(rows) * parts["claim"].probabilities(rows)[:, :1]
        self.holders: list[list[tuple[str, float]]] = []
        self.negated: list[np.ndarray] = []
        for ex, _, idx in self.units:
            p = parts["holder"].probabilities([ex.candidates[k].features for k in idx])[:, 0]
            ranked = ((ex.candidates[k].holder, float(q)) for k, q in zip(idx, p, strict=True))
            self.holders.append(sorted(ranked, key=lambda item: -item[1]))
            first = ex.candidates[idx[0]]
            self.negated.append(
                parts["negation"].probabilities([negation_features(first, label) for label in self.labels])[:, 0]
            )
        # the rule engine's claims of each sentence (their holder's candidate carries "rule:<type>:<negated>")
        self.ruled: list[set[Key]] = [
            {
                (ex.candidates[k].holder, *key)
                for k in idx
                for f in ex.candidates[k].features
                if (key := rule_key(f)) is not None
            }
            for ex, _, idx in self.units
        ]
        self.index = {label: j for j, label in enumerate(self.labels)}

    def predicted(self, thresholds: dict[str, float]) -> dict[str, set[Key]]:
        cut = np.array([thresholds.get(label, thresholds["*"]) for label in self.labels])
        second = thresholds.get("second_holder", 1.1)
        out: dict[str, set[Key]] = {}
        backed = thresholds.get("rule_backed", 1.1)
        for (ex, _, idx), score, holders, negated, ruled in zip(
            self.units, self.scores, self.holders, self.negated, self.ruled, strict=False
        ):
            blocked = self.events if LOOKS_AHEAD in ex.candidates[idx[0]].sentence_features else set()
            for key in ruled:  # a rule claim the model does not rule out
                if (
                    key[1] in self.learned
                    and key[1] not in blocked
                    and score[self.index[key[1]]] >= thresholds.get(f"rule_backed:{key[1]}", backed)
                ):
                    out.setdefault(ex.pid, set()).add(key)
            chosen = [holders[0][0]] + [h for h, q in holders[1:] if q >= second]
            for j in np.nonzero(score >= cut)[0]:
                if self.labels[j] not in self.learned or self.labels[j] in blocked or self.labels[j] in self.rules_only:
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


class Scorer(Protocol):
    """What the threshold choices read: DevScorer, or PooledScorer over several of them."""

    labels: list[str]
    learned: set[str]
    rules_only: set[str]

    def score(self, thresholds: dict[str, float], only: str | None = None) -> Score: ...


class PooledScorer:
    """Several scorers read as one: the dev split together with out-of-fold predictions on the training records
    (each fold read by models that did not see it), so that thresholds rest on some 1,700 claims, not 240."""

    def __init__(self, scorers: list[DevScorer]):
        self.scorers = scorers
        self.labels = scorers[0].labels
        self.learned = scorers[0].learned

    @property
    def rules_only(self) -> set[str]:
        return self.scorers[0].rules_only

    @rules_only.setter
    def rules_only(self, value: set[str]) -> None:
        for scorer in self.scorers:
            scorer.rules_only = set(value)

    def score(self, thresholds: dict[str, float], only: str | None = None) -> Score:
        parts = [scorer.score(thresholds, only) for scorer in self.scorers]
        return Score(sum(p.tp for p in parts), sum(p.fp for p in parts), sum(p.fn for p in parts))


def out_of_fold(
    data: dict,
    labels: list[str],
    c: dict[str, float],
    events: set[str],
    folds: int = FOLDS,
    log=print,
    written: float = 1.0,
) -> list[DevScorer]:
    """Scorers of the real training records, FOLDS folds by record, each read by models trained on the other folds."""
    records = sorted({ex.record for ex in data["train"]})
    random.Random(1).shuffle(records)
    fold_of = {record: k % folds for k, record in enumerate(records)}
    learned = learned_types(data["train"], labels)
    scorers = []
    for k in range(folds):
        rest = [ex for ex in data["train"] if fold_of[ex.record] != k]
        # thresholds rest on real text: written passages train the fold models but are not read for the choice
        held = [ex for ex in data["train"] if fold_of[ex.record] == k and not is_written(ex)]
        scorers.append(DevScorer(held, train_models(rest, labels, c, written), learned, events=events))
        log(f"  fold {k + 1}/{folds} read by models trained on the other folds")
    return scorers


def choose_thresholds(scorer: Scorer, dev_support: Counter[str]) -> dict[str, float]:
    """On dev: one threshold for every type and the second-holder threshold, then a type's own threshold where it
    has PER_TYPE_MIN_DEV gold claims."""
    settings = [{"*": t, "second_holder": h} for t in THRESHOLD_GRID for h in SECOND_HOLDER_GRID]
    thresholds = max(settings, key=lambda th: (scorer.score(th).f1, th["*"], th["second_holder"]))
    for label in scorer.labels:
        if dev_support[label] >= PER_TYPE_MIN_DEV:
            best = max(THRESHOLD_GRID, key=lambda t: (scorer.score(thresholds | {label: t}, only=label).f1, t))
            thresholds = thresholds | {label: best}
    return thresholds


RULE_BACKED_GRID = (0.0, 0.01, 0.02, 0.03, 0.05, 0.07, 0.1, 0.15, 0.2, 1.1)  # 1.1: the model's claims only


def rule_key(feature: str) -> tuple[str, bool] | None:
    """(claim type, negated) of a candidate feature "rule:<type>:<negated>", else None."""
    parts = feature.split(":")
    if len(parts) == 3 and parts[0] == "rule" and parts[2] in ("True", "False"):
        return parts[1], parts[2] == "True"
    return None


def choose_rule_backed(scorer: Scorer, thresholds: dict[str, float], support: Counter[str]) -> dict[str, float]:
    """On the held-out reads: how likely the model must find a claim type in a sentence to keep the rule engine's
    claim of that type there — one bar for all types, then a type's own where it has PER_TYPE_MIN_DEV gold claims
    (the rules are exact on forms the model saw too rarely to learn, but not always on topic)."""
    best = max(RULE_BACKED_GRID, key=lambda t: (scorer.score(thresholds | {"rule_backed": t}).f1, t))
    thresholds = thresholds | {"rule_backed": best}
    for label in sorted(scorer.learned):
        if support[label] >= PER_TYPE_MIN_DEV:
            own = max(
                RULE_BACKED_GRID,
                key=lambda t: (scorer.score(thresholds | {f"rule_backed:{label}": t}, only=label).f1, t == best, t),
            )
            if own != best:
                thresholds = thresholds | {f"rule_backed:{label}": own}
    return thresholds


def choose_rules_only(scorer: Scorer, thresholds: dict[str, float]) -> set[str]:
    """On the held-out reads, greedily: the learned types better read from the rule engine's claims alone (those
    the model backs) than from the model's own guesses too — where the rules are exact and the model is not.
    Only a type whose rule claims are kept at all (its rule-backed bar reachable) may be chosen: choosing another
    would stop the reader from ever reading that type, which no F1 gain justifies (a configured type stays)."""
    chosen: set[str] = set()
    best = scorer.score(thresholds).f1
    for label in sorted(scorer.learned):
        if thresholds.get(f"rule_backed:{label}", thresholds.get("rule_backed", 1.1)) > 1.0:
            continue
        scorer.rules_only = chosen | {label}
        f1 = scorer.score(thresholds).f1
        if f1 > best:
            best, chosen = f1, chosen | {label}
    scorer.rules_only = chosen
    return chosen


def by_record(data: list[Example], share: float, seed: int = 0) -> list[Example]:
    """A share of the training records (all passages of each chosen record), for the learning curve."""
    records = sorted({ex.record for ex in data})
    random.Random(seed).shuffle(records)
    chosen = set(records[: max(1, round(len(records) * share))])
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
    data = {s: examples(ps, featurizer, rule_claims(config, ps) if rule_features else None) for s, ps in split.items()}
    return split, data


def learned_types(train: list[Example], labels: list[str]) -> set[str]:
    """The claim types with at least MIN_TRAIN_CLAIMS gold claims in the training passages, MIN_REAL_CLAIMS of them
    in real text (written passages help a type the real text has; they do not stand in for it)."""
    counts = Counter(k[1] for ex in train for k in ex.gold)
    real = Counter(k[1] for ex in train if not is_written(ex) for k in ex.gold)
    return {label for label in labels if counts[label] >= MIN_TRAIN_CLAIMS and real[label] >= MIN_REAL_CLAIMS}


def fit(
    data: dict, labels: list[str], log=print, events: Iterable[str] = (), written: float = 1.0
) -> tuple[dict[str, float], dict[str, float], dict[str, LinearModel], list]:
    """Train for every C of the grid and keep the best on dev; then, part by part, keep another C's version of a
    part where that scores better on dev (one pass of coordinate ascent). Returns (C per part, thresholds, parts,
    grid)."""
    dev_support: Counter[str] = Counter(k[1] for ex in data["dev"] for k in ex.gold)
    learned = learned_types(data["train"], labels)
    best = None
    grid = []
    versions: dict[float, dict[str, LinearModel]] = {}
    for c in C_GRID:
        parts = versions[c] = train_models(data["train"], labels, c, written)
        scorer = DevScorer(data["dev"], parts, learned, events=events)
        thresholds = choose_thresholds(scorer, dev_support)
        f1 = scorer.score(thresholds).f1
        grid.append({"C": c, "dev_f1": round(f1, 4)})
        log(f"  C={c}: dev F1 {f1:.3f} (threshold {thresholds['*']}, second holder {thresholds['second_holder']})")
        if best is None or f1 > best[0]:
            best = (f1, dict.fromkeys(parts, c), thresholds, parts)
    assert best is not None
    f1, chosen, thresholds, parts = best
    for name in ("claim", "types", "holder", "negation"):
        for c in C_GRID:
            if c == chosen[name]:
                continue
            trial = dict(parts, **{name: versions[c][name]})
            scorer = DevScorer(data["dev"], trial, learned, events=events)
            trial_thresholds = choose_thresholds(scorer, dev_support)
            trial_f1 = scorer.score(trial_thresholds).f1
            if trial_f1 > f1:
                f1, parts, thresholds, chosen = trial_f1, trial, trial_thresholds, dict(chosen, **{name: c})
        log(f"  {name}: C={chosen[name]} (dev F1 {f1:.3f})")
    return chosen, thresholds, parts, grid


def curve(
    data: dict, labels: list[str], c: dict[str, float], log=print, events: Iterable[str] = (), written: float = 1.0
) -> list[dict[str, Any]]:
    dev_support: Counter[str] = Counter(k[1] for ex in data["dev"] for k in ex.gold)
    points: list[dict[str, Any]] = []
    for share in (0.25, 0.5, 1.0):
        part = by_record(data["train"], share)
        scorer = DevScorer(
            data["dev"], train_models(part, labels, c, written), learned_types(part, labels), events=events
        )
        points.append(
            {
                "train_share": share,
                "train_passages": len(part),
                "dev": scorer.score(choose_thresholds(scorer, dev_support)).to_dict(),
            }
        )
        log(f"  learning curve {int(share * 100)}%: dev F1 {points[-1]['dev']['f1']:.3f}")
    return points


def learning_curve(
    config: Config, language: str, shared: Path | None = None, rule_features: bool = True
) -> list[dict[str, Any]]:
    """Dev scores of the reader trained on 25 / 50 / 100 % of the train records (C chosen on dev at 100 %)."""
    shared = shared or default_shared()
    labels = [c.id for c in config.claim_types]
    _, data = prepare(config, language, shared, rule_features)
    events = event_types(config)
    written = WRITTEN_WEIGHT.get(language, 0.5)
    c, *_ = fit(data, labels, log=lambda line: None, events=events, written=written)
    return curve(data, labels, c, log=lambda line: None, events=events, written=written)


def event_types(config: Config) -> set[str]:
    """The claim types a sentence that looks ahead does not state (config: event: true)."""
    return {c.id for c in config.claim_types if c.event}


def train_language(
    config: Config,
    language: str,
    shared: Path,
    out_dir: Path,
    with_curve: bool = True,
    rule_features: bool = True,
    log=print,
    written_weight: float | None = None,
) -> dict[str, Any]:
    """Train one language's reader into out_dir/<language>; `written_weight` overrides WRITTEN_WEIGHT."""
    started = time.time()
    labels = [c.id for c in config.claim_types]
    split, data = prepare(config, language, shared, rule_features)
    log(
        f"{language}: {len(split['train'])} train / {len(split['dev'])} dev / {len(split['test'])} test passages; "
        f"{sum(len(ex.candidates) for ex in data['train'])} train candidates"
    )
    events = event_types(config)
    written = WRITTEN_WEIGHT.get(language, 0.5) if written_weight is None else written_weight
    c, thresholds, parts, grid = fit(data, labels, log, events, written)
    # The thresholds again, on dev and out-of-fold training reads together (C stays as dev chose it).
    pooled = PooledScorer(
        [
            DevScorer(data["dev"], parts, learned_types(data["train"], labels), events=events),
            *out_of_fold(data, labels, c, events, log=log, written=written),
        ]
    )
    support: Counter[str] = Counter(k[1] for scorer in pooled.scorers for ex in scorer.data for k in ex.gold)
    thresholds = choose_thresholds(pooled, support)
    rules_only: set[str] = set()
    if rule_features:
        thresholds = choose_rule_backed(pooled, thresholds, support)
        rules_only = choose_rules_only(pooled, thresholds)
    log(
        f"  thresholds (dev and out-of-fold train): {thresholds}; types read from the rules' claims only: "
        f"{sorted(rules_only) or 'none'}"
    )
    scores = {}
    for name in ("dev", "test"):  # test: scored once, after every choice; it chooses nothing
        scorer = DevScorer(data[name], parts, learned_types(data["train"], labels), rules_only, events)
        result = scorer.score(thresholds)
        reach = sum(ex.reachable for ex in data[name]), sum(len(ex.gold) for ex in data[name])
        scores[name] = result.to_dict() | {"gold_reachable": f"{reach[0]}/{reach[1]}"}
        scores[name]["per_type"] = {
            label: scorer.score(thresholds, only=label).to_dict()
            for label in labels
            if any(label == k[1] for ex in data[name] for k in ex.gold)
        }
    learning = curve(data, labels, c, log, events, written) if with_curve else []
    card = {
        "language": language,
        "trained": time.strftime("%Y-%m-%d"),
        "seconds": round(time.time() - started, 1),
        "rule_features": rule_features,
        "learned_types": sorted(learned_types(data["train"], labels)),
        "rule_types": sorted(set(labels) - learned_types(data["train"], labels)),
        "rules_only_types": sorted(rules_only),
        "data": {s: {"passages": len(split[s]), "gold_claims": sum(len(p.gold) for p in split[s])} for s in split},
        "written": {  # of the train split: passages written by the project (nlp.corpus.written), not real text
            "passages": sum(p.ref["corpus"] == WRITTEN for p in split["train"]),
            "gold_claims": sum(len(p.gold) for p in split["train"] if p.ref["corpus"] == WRITTEN),
        },
        "model": {
            "kind": "logistic regressions (claim, claim type, holder, negation) over named binary features"
            + (" and the rule engine's claims" if rule_features else ""),
            "C": c,
            "C_grid_dev": grid,
            "features": {name: len(m.vocabulary) for name, m in parts.items()},
            "min_feature_count": MIN_FEATURE_COUNT,
            "class_weight": CLASS_WEIGHT,
            "written_weight": written,
        },
        "thresholds": thresholds,
        "scores": scores,
        "learning_curve": learning,
    }
    model = ReaderModel(parts, thresholds, card)
    model.save(out_dir / language)
    (out_dir / language / "MODEL.md").write_text(model_card(card), encoding="utf-8")
    log(f"  {language}: dev F1 {scores['dev']['f1']:.3f}  test F1 {scores['test']['f1']:.3f} -> {out_dir / language}")
    return card


def model_card(card: dict[str, Any]) -> str:
    d, m, s = card["data"], card["model"], card["scores"]
    lines = [
        f"# onrecord learned reader — {card['language']}",
        "",
        "Made by `make train` (`python -m onrecord.nlp.learned.train`) from the claims corpus (nlp/corpus/data/, "
        "docs/annotation-guide.md). C was chosen on the dev split; the thresholds (claim types, second holder, "
        "how strongly the model must back a rule-engine claim) and the types read from the rules alone on the "
        "dev split together with out-of-fold reads of the training records (5 folds by record, each read by "
        "models trained on the others), which rests them on some 1,700 claims instead of 240. The test split "
        "was scored once afterwards and chose nothing.",
        "",
        "## Data",
        "",
        "| split | passages | gold claims |",
        "|---|---|---|",
    ]
    lines += [f"| {name} | {v['passages']} | {v['gold_claims']} |" for name, v in d.items()]
    written = card.get("written") or {}
    if written.get("passages"):
        lines += [
            "",
            f"Of the train split, {written['passages']} passages ({written['gold_claims']} gold claims) were written "
            "by the project (nlp/corpus/written/: news, media and official styles the real text has too little of) "
            f"and count {m.get('written_weight', 1.0)} of a real passage in training; dev and test are real text "
            "only, and the thresholds rest on real text alone.",
        ]
    lines += [
        "",
        "## Model",
        "",
        f"{m['kind']}; C = {m['C']} (grid on dev: "
        + ", ".join(f"{g['C']}: {g['dev_f1']}" for g in m["C_grid_dev"])
        + "); features per part "
        f"{json.dumps(m['features'])} (each seen at least {m['min_feature_count']} times in train); "
        f"thresholds {json.dumps(card['thresholds'])}.",
        "",
        "Claim types learned (at least "
        + str(MIN_TRAIN_CLAIMS)
        + f" training claims, {MIN_REAL_CLAIMS} of them in real text): "
        + (", ".join(card.get("learned_types", [])) or "none")
        + ". Read by the rule engine instead (too few "
        "to learn from): " + (", ".join(card.get("rule_types", [])) or "none") + ". Learned, but read from the rule "
        "engine's claims the model backs, not from the model's own guesses: "
        + (", ".join(card.get("rules_only_types", [])) or "none")
        + ".",
        "",
        "## Scores (passage keys (holder, claim_type, negated), micro)",
        "",
        "| split | P | R | F1 | tp | fp | fn | gold reachable by a candidate |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name in ("dev", "test"):
        v = s[name]
        lines.append(
            f"| {name} | {v['precision']:.3f} | {v['recall']:.3f} | {v['f1']:.3f} | {v['tp']} | {v['fp']} | "
            f"{v['fn']} | {v['gold_reachable']} |"
        )
    if card["learning_curve"]:
        lines += [
            "",
            "## Learning curve (dev F1 by share of train records)",
            "",
            "| share | passages | dev F1 |",
            "|---|---|---|",
        ]
        lines += [
            f"| {int(p['train_share'] * 100)}% | {p['train_passages']} | {p['dev']['f1']:.3f} |"
            for p in card["learning_curve"]
        ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", default=None, help="config.yaml (default: ./config.yaml)")
    parser.add_argument("--shared", type=Path, default=None, help="../shared (default: beside the checkout)")
    parser.add_argument("--out", type=Path, default=MODELS_DIR, help=f"model folder (default {MODELS_DIR})")
    parser.add_argument("--language", action="append", help="en, ru, uk (default: all three)")
    parser.add_argument("--no-curve", action="store_true", help="skip the learning curve")
    parser.add_argument(
        "--no-rule-features", action="store_true", help="train without the rule engine's claims as features"
    )
    parser.add_argument(
        "--written-weight",
        type=float,
        default=None,
        help="how much a passage written by the project counts beside a real one (default: WRITTEN_WEIGHT)",
    )
    args = parser.parse_args(argv)
    config = load_config(args.config)
    shared = args.shared or default_shared()
    for language in args.language or ["en", "ru", "uk"]:
        train_language(
            config,
            language,
            shared,
            args.out,
            with_curve=not args.no_curve,
            rule_features=not args.no_rule_features,
            log=lambda line: print(line, file=sys.stderr, flush=True),
            written_weight=args.written_weight,
        )


if __name__ == "__main__":
    main()
