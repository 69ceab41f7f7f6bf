"""Score predicted claims against a gold file (shared/spec/claims.md, Scoring)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from onrecord.core.records import Claim

Key = tuple[str, str, bool]


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
        }


@dataclass
class Evaluation:
    micro: Score = field(default_factory=Score)
    per_type: dict[str, Score] = field(default_factory=lambda: defaultdict(Score))
    target_right: int = 0
    date_right: int = 0
    matched: int = 0
    false_positives: list[dict[str, Any]] = field(default_factory=list)
    misses: list[dict[str, Any]] = field(default_factory=list)
    wrong_target: list[dict[str, Any]] = field(default_factory=list)
    wrong_date: list[dict[str, Any]] = field(default_factory=list)

    @property
    def target_accuracy(self) -> float:
        return self.target_right / self.matched if self.matched else 0.0

    @property
    def date_accuracy(self) -> float:
        return self.date_right / self.matched if self.matched else 0.0

    def to_dict(self, errors: bool = False) -> dict[str, Any]:
        out = {
            "micro": self.micro.to_dict(),
            "target_accuracy": round(self.target_accuracy, 4),
            "date_accuracy": round(self.date_accuracy, 4),
            "matched": self.matched,
            "per_type": {k: v.to_dict() for k, v in sorted(self.per_type.items())},
        }
        if errors:
            out |= {
                "false_positives": self.false_positives,
                "misses": self.misses,
                "wrong_target": self.wrong_target,
                "wrong_date": self.wrong_date,
            }
        return out


def _key(claim: dict[str, Any]) -> Key:
    return (claim["holder"], claim["claim_type"], bool(claim["negated"]))


def evaluate(predicted: dict[str, list[Claim]], gold: Iterable[dict[str, Any]]) -> Evaluation:
    """Compare per article the sets of (holder, claim_type, negated); articles absent from gold are ignored."""
    result = Evaluation()
    for record in gold:
        article_id = record["article_id"]
        gold_by_key: dict[Key, dict[str, Any]] = {}
        for claim in record.get("claims", []):
            gold_by_key.setdefault(_key(claim), claim)
        pred_by_key: dict[Key, Claim] = {}
        for claim in sorted(predicted.get(article_id, []), key=lambda c: -c.confidence):
            pred_by_key.setdefault((claim.holder, claim.claim_type, claim.negated), claim)
        for key, claim in pred_by_key.items():
            if key in gold_by_key:
                _count(result, key, "tp")
                _compare(result, article_id, key, claim, gold_by_key[key])
            else:
                _count(result, key, "fp")
                result.false_positives.append(
                    {"article_id": article_id, "key": list(key), "evidence": claim.evidence, "speaker": claim.speaker}
                )
        for key, claim in gold_by_key.items():
            if key not in pred_by_key:
                _count(result, key, "fn")
                result.misses.append(
                    {
                        "article_id": article_id,
                        "key": list(key),
                        "evidence": claim.get("evidence"),
                        "speaker": claim.get("speaker"),
                    }
                )
    return result


def _count(result: Evaluation, key: Key, kind: str) -> None:
    for score in (result.micro, result.per_type[key[1]]):
        setattr(score, kind, getattr(score, kind) + 1)


def _compare(result: Evaluation, article_id: str, key: Key, claim: Claim, gold: dict[str, Any]) -> None:
    result.matched += 1
    where = {"article_id": article_id, "key": list(key), "evidence": claim.evidence}
    if claim.target == gold.get("target"):
        result.target_right += 1
    else:
        result.wrong_target.append(where | {"predicted": claim.target, "gold": gold.get("target")})
    if claim.claim_date == gold.get("claim_date"):
        result.date_right += 1
    else:
        result.wrong_date.append(where | {"predicted": claim.claim_date, "gold": gold.get("claim_date")})


def format_report(result: Evaluation, errors: bool = False) -> str:
    m = result.micro
    lines = [
        f"claims (holder, claim_type, negated): precision {m.precision:.3f}  recall {m.recall:.3f}  "
        f"F1 {m.f1:.3f}  (tp {m.tp}, fp {m.fp}, fn {m.fn})",
        f"target accuracy {result.target_accuracy:.3f}  claim_date accuracy {result.date_accuracy:.3f}  "
        f"over {result.matched} matched claims",
        "",
        f"{'claim_type':<22}{'tp':>5}{'fp':>5}{'fn':>5}{'P':>8}{'R':>8}{'F1':>8}",
    ]
    for name, score in sorted(result.per_type.items()):
        lines.append(
            f"{name:<22}{score.tp:>5}{score.fp:>5}{score.fn:>5}{score.precision:>8.3f}"
            f"{score.recall:>8.3f}{score.f1:>8.3f}"
        )
    if errors:
        for title, rows in (
            ("FALSE POSITIVES", result.false_positives),
            ("MISSES", result.misses),
            ("WRONG TARGET", result.wrong_target),
            ("WRONG DATE", result.wrong_date),
        ):
            lines += ["", f"{title} ({len(rows)})"]
            for row in rows:
                extra = f" predicted={row['predicted']} gold={row['gold']}" if "predicted" in row else ""
                lines.append(f"- {row['article_id']} {tuple(row['key'])}{extra}: {row.get('evidence')}")
    return "\n".join(lines)
