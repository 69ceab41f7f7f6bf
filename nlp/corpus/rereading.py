"""Blind re-readings of a sample of the dev split: how far two readers who did not make the gold agree with it.

The gold of the claims corpus was annotated once (most passages) by the guide. A target for the reader ("F1 0.75")
means something only beside what a careful reader reaches on the same passages, so a sample of dev passages —
every one with gold claims, topped up with passages without drawn at random — was read again by two readers
who saw neither the gold nor each other's work nor the extractor, by the same guide. Their readings are kept in
`nlp/corpus/data/rereadings.jsonl` (pid, reader, claims with evidence spans, like gold.jsonl: no copied text) and
scored like the reader: micro P/R/F1 over the passage keys (holder, claim_type, negated).

`onrecord corpus stats` prints each re-reader against the gold and the two against each other; `onrecord eval
--corpus --split dev --reread` scores the reader on exactly the re-read passages beside them. The re-readings
never train and never choose anything: they only say how high the bar can sensibly be set.

Adding a reading (maintainers): `python -m onrecord.nlp.corpus.rereading --reading A.jsonl --reader r1`, where
each line of A.jsonl is {"id": pid, "claims": [{holder, claim_type, negated, target, evidence}]} and the evidence
is copied from the passage (turned into a span here, as nlp.corpus.build does for the gold).
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from onrecord.nlp.corpus.store import (
    DATA_DIR,
    LANGUAGES,
    CorpusError,
    keys,
    load_gold,
    load_refs,
    materialise,
    read_jsonl,
    write_jsonl,
)
from onrecord.nlp.evaluate import Key, Score

FILE = "rereadings.jsonl"


def load(data_dir: Path = DATA_DIR) -> dict[str, dict[str, set[Key]]]:
    """reader -> pid -> keys of every re-read passage (an empty dict where the corpus has no re-readings)."""
    path = data_dir / FILE
    if not path.exists():
        return {}
    out: dict[str, dict[str, set[Key]]] = defaultdict(dict)
    for row in read_jsonl(path):
        out[row["reader"]][row["pid"]] = keys(row["claims"])
    return dict(out)


def score(gold: dict[str, set[Key]], predicted: dict[str, set[Key]], pids: Iterable[str]) -> Score:
    """Micro counts of `predicted` against `gold` over the passages `pids` (a passage missing from either: no keys)."""
    result = Score()
    for pid in pids:
        g, p = gold.get(pid, set()), predicted.get(pid, set())
        result.tp += len(g & p)
        result.fp += len(p - g)
        result.fn += len(g - p)
    return result


def readers_of(
    readings: dict[str, dict[str, set[Key]]], pids: Iterable[str]
) -> tuple[dict[str, dict[str, set[Key]]], list[str]]:
    """The readers who read any of `pids` (their readings of those passages only, by reader name) and the
    passages of `pids` that all of them read, sorted."""
    wanted = set(pids)
    mine = {
        reader: {pid: k for pid, k in by_pid.items() if pid in wanted} for reader, by_pid in sorted(readings.items())
    }
    mine = {reader: by_pid for reader, by_pid in mine.items() if by_pid}
    common = sorted(set.intersection(*(set(by_pid) for by_pid in mine.values()))) if mine else []
    return mine, common


def agreement(data_dir: Path = DATA_DIR) -> dict[str, dict[str, Any]]:
    """Per language with re-readings: the passages re-read, each reader against the gold, and the first two readers
    against each other (F1 is symmetric, so which is taken as gold does not matter)."""
    readings = load(data_dir)
    if not readings:
        return {}
    lang_of = {r["pid"]: r["lang"] for r in load_refs(data_dir)}
    gold = {pid: keys(claims) for pid, claims in load_gold(data_dir).items()}
    out: dict[str, dict[str, Any]] = {}
    for language in LANGUAGES:
        mine, pids = readers_of(readings, (pid for pid, lang in lang_of.items() if lang == language))
        if not mine:
            continue
        figures: dict[str, Any] = {
            "passages": len(pids),
            "gold_keys": sum(len(gold.get(pid, ())) for pid in pids),
            "readers": {reader: score(gold, by_pid, pids).to_dict() for reader, by_pid in mine.items()},
        }
        if len(mine) >= 2:
            first, second = list(mine.values())[:2]
            figures["between_readers"] = score(first, second, pids).to_dict()
        out[language] = figures
    return out


def format_agreement(figures: dict[str, dict[str, Any]]) -> str:
    if not figures:
        return ""
    lines = ["blind re-reading of dev (readers who saw neither the gold nor each other), against the gold:"]
    for language, f in figures.items():
        readers = "  ".join(
            f"{reader} P {s['precision']:.3f} R {s['recall']:.3f} F1 {s['f1']:.3f}"
            for reader, s in f["readers"].items()
        )
        between = f.get("between_readers")
        tail = f"; between them F1 {between['f1']:.3f}" if between else ""
        lines.append(f"{language:<5}{f['passages']:>5} passages ({f['gold_keys']} gold keys): {readers}{tail}")
    return "\n".join(lines)


def add(reading: Path, reader: str, shared: Path, data_dir: Path = DATA_DIR) -> int:
    """Convert one reader's reading (evidence copied) into spans and add it to rereadings.jsonl, replacing an
    earlier reading of the same passages by the same reader. Only dev passages may be re-read."""
    from onrecord.nlp.corpus.build import convert

    rows = list(read_jsonl(reading))
    refs = {r["pid"]: r for r in load_refs(data_dir)}
    wanted = {row["id"] for row in rows}
    unknown = sorted(wanted - set(refs))
    if unknown:
        raise CorpusError(f"{reading}: {len(unknown)} passages not in the corpus (first: {unknown[0]})")
    not_dev = sorted(pid for pid in wanted if refs[pid]["split"] != "dev")
    if not_dev:
        raise CorpusError(f"{reading}: {len(not_dev)} passages are not in the dev split (first: {not_dev[0]})")
    languages = {refs[pid]["lang"] for pid in wanted}
    texts = {p.pid: p.article.text for p in materialise(shared, data_dir, languages=languages, splits=["dev"])}
    counts: dict[str, int] = defaultdict(int)
    new = [
        {"pid": row["id"], "reader": reader, "claims": convert(row.get("claims") or [], texts[row["id"]], counts)}
        for row in rows
    ]
    path = data_dir / FILE
    old = [r for r in read_jsonl(path) if not (r["reader"] == reader and r["pid"] in wanted)] if path.exists() else []
    order = {pid: i for i, pid in enumerate(refs)}
    write_jsonl(path, sorted(old + new, key=lambda r: (r["reader"], order[r["pid"]])))
    return len(new)


def main(argv: list[str] | None = None) -> None:
    from onrecord.nlp.corpus.sources import default_shared

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reading", type=Path, required=True, help="one reader's JSON Lines (id, claims)")
    parser.add_argument("--reader", required=True, help="the reader's name in rereadings.jsonl (r1, r2, ...)")
    parser.add_argument("--shared", type=Path, default=default_shared())
    parser.add_argument("--corpus-dir", type=Path, default=DATA_DIR)
    args = parser.parse_args(argv)
    n = add(args.reading, args.reader, args.shared, args.corpus_dir)
    print(f"{args.reading}: {n} passages re-read by {args.reader}")
    print(format_agreement(agreement(args.corpus_dir)))


if __name__ == "__main__":
    main()
