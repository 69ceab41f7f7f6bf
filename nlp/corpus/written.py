"""Add passages written by the project to the claims corpus, as training data only.

Real English news is scarce in the corpus (most English passages are White House briefings), and what there is
has been drawn to the last topic window. Writers of the project therefore wrote short news, media and official
passages of their own, each with its gold claims, by docs/annotation-guide.md — never copying a real text. They
are kept in `nlp/corpus/written/records.jsonl` (the corpus "onrecord-written", whose every record is in the train
split: dev and test stay real text) and referenced from the corpus files like any other passage.

    python -m onrecord.nlp.corpus.written --writer DIR [--writer DIR ...] [--check DIR]

A writer's folder holds JSON Lines files of {id, title, source, published, speaks_for, text, claims: [{holder,
claim_type, negated, target, speaker, via, claim_date, evidence}]}. `--check` is a folder of a second reader's
blind annotations ({id, claims}) of some of those passages: their agreement with the writers is printed; the
writer's reading is the gold.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from onrecord.core.config import Config, load_config
from onrecord.nlp.corpus.build import build
from onrecord.nlp.corpus.select import passage_ref
from onrecord.nlp.corpus.sources import CORPORA, WRITTEN_CORPUS, default_shared
from onrecord.nlp.corpus.stats import agreement as key_agreement
from onrecord.nlp.corpus.store import DATA_DIR, CorpusError, keys, read_jsonl, write_jsonl

CORPUS = WRITTEN_CORPUS
DRAW = 10
RECORD_FIELDS = ("id", "lang", "title", "source", "published", "speaks_for", "text")


def rows(folders: Iterable[Path]) -> list[dict[str, Any]]:
    """Every passage of the writers' folders, in file order."""
    out = []
    for folder in folders:
        for path in sorted(folder.glob("*.jsonl")):
            for number, row in enumerate(read_jsonl(path), 1):
                row["_where"] = f"{path}:{number}"
                out.append(row)
    return out


def problems(row: dict[str, Any], config: Config) -> list[str]:
    """What makes a written passage unusable: its text, a holder, type or target not configured, an evidence that is
    not in its text."""
    parties = {p.id for p in config.parties}
    types = {c.id for c in config.claim_types}
    text = row.get("text")
    found = []
    if not isinstance(text, str) or not text.strip():
        return ["no text"]
    if row.get("speaks_for") not in parties | {None}:
        found.append(f"speaks_for {row.get('speaks_for')!r} is not a party")
    for claim in row.get("claims") or []:
        if claim.get("holder") not in parties:
            found.append(f"holder {claim.get('holder')!r} is not a party")
        if claim.get("claim_type") not in types:
            found.append(f"claim type {claim.get('claim_type')!r} is not configured")
        if claim.get("target") not in parties | {None}:
            found.append(f"target {claim.get('target')!r} is not a party")
        if not isinstance(claim.get("evidence"), str) or claim["evidence"] not in text:
            found.append(f"evidence {str(claim.get('evidence'))[:40]!r} is not in the text")
    return found


def record_of(row: dict[str, Any]) -> dict[str, Any]:
    return {"lang": "en"} | {k: row.get(k) for k in RECORD_FIELDS if k in row} | {"id": row["id"]}


def add(writers: list[Path], config: Config, data_dir: Path = DATA_DIR, shared: Path | None = None) -> dict[str, Any]:
    """Store the writers' passages as records of the written corpus and add them, with their gold, to the corpus
    files of `data_dir` (a passage already there is replaced). Unusable passages are skipped and named."""
    spec = CORPORA[CORPUS]
    assert spec.folder is not None
    store = spec.folder / spec.file
    known = {r["id"]: r for r in read_jsonl(store)} if store.exists() else {}
    good, skipped = [], []
    for row in rows(writers):
        found = problems(row, config)
        if found:
            skipped.append(f"{row['_where']}: {'; '.join(found)}")
        elif row["id"] in known and known[row["id"]]["text"] != row["text"]:
            skipped.append(f"{row['_where']}: id {row['id']} is already a different passage")
        else:
            good.append(row)
            known[row["id"]] = record_of(row)
    write_jsonl(store, sorted(known.values(), key=lambda r: r["id"]))
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        refs, annotations = [], []
        for row in good:
            record = known[row["id"]]
            ref = passage_ref(record["lang"], CORPUS, record, 0, len(record["text"]), "written") | {"draw": DRAW}
            refs.append(ref)
            annotations.append({"pid": ref["pid"], "claims": row.get("claims") or []})
        write_jsonl(work / "passages.jsonl", refs)
        write_jsonl(work / "writers" / "claims.jsonl", annotations)
        summary = build(
            [work / "passages.jsonl"],
            [work / "writers"],
            None,
            shared or default_shared(),
            data_dir,
            keep=data_dir if (data_dir / "passages.jsonl").exists() else None,
        )
    return summary | {"written": len(good), "skipped": skipped}


def agreement(writers: list[Path], check: Path) -> dict[str, Any]:
    """Passage-level and claim-key agreement (nlp.corpus.stats.agreement, the writer as the first annotator) of a
    second reader's blind annotations with the writers' gold."""
    gold = {row["id"]: row.get("claims") or [] for row in rows(writers)}
    theirs = {row["id"]: row.get("claims") or [] for row in rows([check]) if row["id"] in gold}
    pairs = [
        {"pid": pid, "annotator": who, "claims": claims}
        for pid, claimed in theirs.items()
        for who, claims in (("a-writer", gold[pid]), ("b-checker", claimed))
    ]
    both = key_agreement(pairs)
    same = sum(keys(gold[pid]) == keys(claimed) for pid, claimed in theirs.items())
    return {
        "passages": len(theirs),
        "same_keys": same,
        "passage_agreement": round(same / len(theirs), 3) if theirs else None,
        "claim_f1": round(both["f1"], 3),
        "writer_only": both["fn"],
        "checker_only": both["fp"],
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--writer", type=Path, action="append", required=True, help="a writer's folder")
    parser.add_argument("--check", type=Path, default=None, help="a second reader's blind annotations")
    parser.add_argument("--config", default=None, help="config.yaml (default: ./config.yaml)")
    parser.add_argument("--out", type=Path, default=DATA_DIR, help="the corpus folder to add to")
    parser.add_argument("--shared", type=Path, default=None)
    args = parser.parse_args(argv)
    config = load_config(args.config)
    try:
        summary = add(args.writer, config, args.out, args.shared)
    except CorpusError as exc:
        raise SystemExit(f"written: {exc}") from None
    for line in summary.pop("skipped"):
        print(f"skipped {line}")
    if args.check:
        summary["check"] = agreement(args.writer, args.check)
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
