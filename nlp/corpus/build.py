"""Assemble the corpus files from the annotators' work (run once per annotation round; kept to be repeatable).

Input: the drawn passages (select.py), one folder per annotator of `<batch>.jsonl` files (one line per passage:
pid and claims with the evidence copied from the passage), and the adjudicated claims of the doubly annotated
passages where the two annotators disagreed. Output: nlp/corpus/data/passages.jsonl, gold.jsonl and
annotations.jsonl (see store.py), with every evidence turned into a span of its passage and no copied text.
"""

from __future__ import annotations

import argparse
import json
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

from onrecord.nlp.corpus.sources import default_shared, records
from onrecord.nlp.corpus.store import DATA_DIR, CorpusError, keys, read_jsonl, split_for, text_hash, write_jsonl
from onrecord.nlp.prefilter import split_sentences

FIELDS = ("holder", "claim_type", "negated", "target", "speaker", "via", "claim_date")
_FOLD = str.maketrans(
    {"“": '"', "”": '"', "„": '"', "«": '"', "»": '"', "‘": "'", "’": "'", "–": "-", "—": "-", "\u00a0": " "}
)
_WORD = re.compile(r"\w+")


def _normalised(text: str) -> tuple[str, list[int]]:
    """Text with quotes and dashes folded and whitespace runs collapsed, and the original offset of each char."""
    out: list[str] = []
    where: list[int] = []
    space = False
    for i, ch in enumerate(text.translate(_FOLD)):
        if ch.isspace():
            if not space and out:
                out.append(" ")
                where.append(i)
            space = True
            continue
        space = False
        out.append(ch)
        where.append(i)
    return "".join(out), where


def evidence_span(text: str, evidence: str) -> tuple[int, int, str]:
    """(start, end, how) of an annotator's evidence in the passage: exact, folded, else the best sentence."""
    evidence = evidence.strip()
    if evidence:
        at = text.find(evidence)
        if at >= 0:
            return at, at + len(evidence), "exact"
        folded, where = _normalised(text)
        needle = _normalised(evidence)[0].strip()
        at = folded.find(needle) if needle else -1
        if at >= 0:
            return where[at], where[at + len(needle) - 1] + 1, "folded"
    wanted = {w.lower() for w in _WORD.findall(evidence)}
    best, best_span = -1.0, (0, len(text))
    for start, end in split_sentences(text):
        words = {w.lower() for w in _WORD.findall(text[start:end])}
        score = len(words & wanted) / (len(words | wanted) or 1)
        if score > best:
            best, best_span = score, (start, end)
    return best_span[0], best_span[1], "sentence"


def convert(claims: list[dict[str, Any]], text: str, counts: dict[str, int]) -> list[dict[str, Any]]:
    out = []
    seen = set()
    for claim in claims:
        start, end, how = evidence_span(text, claim.get("evidence") or "")
        counts[how] += 1
        row = {k: claim.get(k) for k in FIELDS}
        row["negated"] = bool(row["negated"])
        row["evidence_start"], row["evidence_end"] = start, end
        key = tuple(row[k] for k in ("holder", "claim_type", "negated", "evidence_start"))
        if key in seen:
            continue
        seen.add(key)
        out.append(row)
    return out


def build(
    passage_files: list[Path],
    annotation_dirs: list[Path],
    adjudicated_dir: Path | None,
    shared: Path,
    out_dir: Path = DATA_DIR,
    keep: Path | None = None,
) -> dict[str, Any]:
    """Write the corpus files from the annotators' folders; with `keep`, the corpus files already in that folder
    are kept and the new round's passages added (a passage annotated again replaces its old record)."""
    refs = {}
    for path in passage_files:
        with open(path, encoding="utf-8") as lines:
            for line in lines:
                ref = json.loads(line)
                refs[ref["pid"]] = ref
    work: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(dict)
    for folder in annotation_dirs:
        for path in sorted(folder.glob("*.jsonl")):
            with open(path, encoding="utf-8") as lines:
                for line in lines:
                    if line.strip():
                        row = json.loads(line)
                        if row.get("pid") in refs:
                            work[row["pid"]].setdefault(folder.name, row.get("claims") or [])
    adjudicated: dict[str, list[dict[str, Any]]] = {}
    if adjudicated_dir and adjudicated_dir.exists():
        for path in sorted(adjudicated_dir.glob("*.jsonl")):
            with open(path, encoding="utf-8") as lines:
                for line in lines:
                    if line.strip():
                        row = json.loads(line)
                        adjudicated[row["pid"]] = row.get("claims") or []
    texts: dict[str, str] = {}
    wanted: dict[str, set[str]] = defaultdict(set)
    for pid in work:
        wanted[refs[pid]["corpus"]].add(refs[pid]["record"])
    for corpus, ids in wanted.items():
        for record in records(shared, corpus):
            if record["id"] in ids:
                for pid in work:
                    ref = refs[pid]
                    if ref["corpus"] == corpus and ref["record"] == record["id"]:
                        texts[pid] = record["text"][ref["start"] : ref["end"]]
    counts: dict[str, int] = defaultdict(int)
    passages, gold, annotations = [], [], []
    unresolved = []
    for pid in sorted(work, key=lambda p: (refs[p]["lang"], p)):
        ref, text = refs[pid], texts[pid]
        if text_hash(text) != ref["sha256"]:
            raise CorpusError(f"{pid}: the text of {ref['corpus']}/{ref['record']} no longer matches the drawn passage")
        by_annotator = work[pid]
        names = sorted(by_annotator)
        if len(names) >= 2:
            for name in names[:2]:
                annotations.append(
                    {"pid": pid, "annotator": name, "claims": convert(by_annotator[name], text, defaultdict(int))}
                )
            first, second = (by_annotator[n] for n in names[:2])
            if keys(first) == keys(second):
                final, how = first, "agreed"
            elif pid in adjudicated:
                final, how = adjudicated[pid], "adjudicated"
            else:
                unresolved.append(pid)
                continue
        else:
            final, how = by_annotator[names[0]], "single"
        counts[how] += 1
        passages.append(
            {
                "pid": pid,
                "lang": ref["lang"],
                "corpus": ref["corpus"],
                "record": ref["record"],
                "start": ref["start"],
                "end": ref["end"],
                "sha256": ref["sha256"],
                "kind": ref["kind"],
                "speaks_for": ref.get("speaks_for"),
                "split": split_for(ref["corpus"], ref["record"]),
                "draw": ref.get("draw", 1),
            }
        )
        gold.append({"pid": pid, "claims": convert(final, text, counts), "source": how})
    added = len(passages)
    if keep is not None:
        new = {p["pid"] for p in passages}
        old = [p for p in read_jsonl(keep / "passages.jsonl") if p["pid"] not in new]
        old_ids = {p["pid"] for p in old}
        passages = sorted(old + passages, key=lambda p: (p["lang"], p["pid"]))
        order = {p["pid"]: i for i, p in enumerate(passages)}
        gold = sorted(
            [g for g in read_jsonl(keep / "gold.jsonl") if g["pid"] in old_ids] + gold, key=lambda g: order[g["pid"]]
        )
        annotations = sorted(
            [a for a in read_jsonl(keep / "annotations.jsonl") if a["pid"] in old_ids] + annotations,
            key=lambda a: (order[a["pid"]], a["annotator"]),
        )
    write_jsonl(out_dir / "passages.jsonl", passages)
    write_jsonl(out_dir / "gold.jsonl", gold)
    write_jsonl(out_dir / "annotations.jsonl", annotations)
    return {
        "passages": len(passages),
        "added": added,
        "unresolved": len(unresolved),
        "unresolved_pids": unresolved[:20],
        **dict(counts),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--passages", type=Path, action="append", required=True)
    parser.add_argument("--annotations", type=Path, action="append", required=True, help="an annotator's folder")
    parser.add_argument("--adjudicated", type=Path, default=None)
    parser.add_argument("--shared", type=Path, default=default_shared())
    parser.add_argument("--out", type=Path, default=DATA_DIR)
    parser.add_argument(
        "--keep",
        type=Path,
        default=None,
        help="a corpus folder whose passages are kept, the new round added (default: write the annotators' work only)",
    )
    args = parser.parse_args(argv)
    summary = build(args.passages, args.annotations, args.adjudicated, args.shared, args.out, args.keep)
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
