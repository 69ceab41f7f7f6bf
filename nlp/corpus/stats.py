"""Corpus figures: sizes per language and split (and how much of train the project wrote), claims per type, and
agreement of the double annotation, and of the blind re-reading of a dev sample (nlp.corpus.rereading).

Agreement is F1 on the scored key (holder, claim_type, negated), per passage as in `onrecord eval`, with one
annotator's keys taken as gold and the other's as predicted (F1 is symmetric in the two), micro over passages.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from onrecord.nlp.corpus import rereading
from onrecord.nlp.corpus.sources import WRITTEN_CORPUS as WRITTEN
from onrecord.nlp.corpus.store import DATA_DIR, LANGUAGES, SPLITS, keys, load_gold, load_refs, read_jsonl


def agreement(annotations: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """{passages, tp, fp, fn, f1} of the first two annotators of each doubly annotated passage."""
    by_pid: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in annotations:
        by_pid[row["pid"]].append(row)
    tp = fp = fn = passages = 0
    for rows in by_pid.values():
        if len(rows) < 2:
            continue
        first, second = sorted(rows, key=lambda r: r["annotator"])[:2]
        a, b = keys(first["claims"]), keys(second["claims"])
        tp, fp, fn, passages = tp + len(a & b), fp + len(b - a), fn + len(a - b), passages + 1
    f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 1.0
    return {"passages": passages, "tp": tp, "fp": fp, "fn": fn, "f1": round(f1, 4)}


def corpus_stats(data_dir: Path = DATA_DIR) -> dict[str, Any]:
    refs = load_refs(data_dir)
    gold = load_gold(data_dir)
    annotations = list(read_jsonl(data_dir / "annotations.jsonl")) if (data_dir / "annotations.jsonl").exists() else []
    lang_of = {r["pid"]: r["lang"] for r in refs}
    reread = rereading.agreement(data_dir)
    out: dict[str, Any] = {}
    for lang in LANGUAGES:
        mine = [r for r in refs if r["lang"] == lang]
        by_type: Counter[str] = Counter()
        splits = {s: {"passages": 0, "claims": 0} for s in SPLITS}
        written = {"passages": 0, "claims": 0}  # of the train split: written by the project (nlp.corpus.written)
        for ref in mine:
            claims = gold.get(ref["pid"], [])
            by_type.update(c["claim_type"] for c in claims)
            splits[ref["split"]]["passages"] += 1
            splits[ref["split"]]["claims"] += len(claims)
            if ref["corpus"] == WRITTEN:
                written["passages"] += 1
                written["claims"] += len(claims)
        agree = agreement(a for a in annotations if lang_of.get(a["pid"]) == lang)
        out[lang] = {
            "passages": len(mine),
            "claims": sum(by_type.values()),
            "claims_by_type": dict(sorted(by_type.items())),
            "passages_with_claims": sum(1 for r in mine if gold.get(r["pid"])),
            "double_annotated": agree["passages"],
            "agreement_f1": agree["f1"],
            "agreement": agree,
            "splits": splits,
            "written": written,
            "rereading": reread.get(lang),
        }
    return out


def format_stats(stats: dict[str, Any]) -> str:
    lines = [
        f"{'lang':<5}{'passages':>9}{'claims':>8}{'w/claims':>9}{'double':>8}{'agree F1':>9}   "
        "train / dev / test passages (claims); of train, written by the project"
    ]
    for lang, s in stats.items():
        split = "  ".join(f"{v['passages']} ({v['claims']})" for v in s["splits"].values())
        written = s.get("written") or {}
        if written.get("passages"):
            split += f"; written {written['passages']} ({written['claims']})"
        lines.append(
            f"{lang:<5}{s['passages']:>9}{s['claims']:>8}{s['passages_with_claims']:>9}"
            f"{s['double_annotated']:>8}{s['agreement_f1']:>9.3f}   {split}"
        )
    reread = rereading.format_agreement({lang: s["rereading"] for lang, s in stats.items() if s.get("rereading")})
    if reread:
        lines += ["", reread]
    lines.append("")
    types = sorted({t for s in stats.values() for t in s["claims_by_type"]})
    lines.append(f"{'claim_type':<22}" + "".join(f"{lang:>7}" for lang in stats))
    for t in types:
        lines.append(f"{t:<22}" + "".join(f"{s['claims_by_type'].get(t, 0):>7}" for s in stats.values()))
    return "\n".join(lines)
