"""Attribution quality on PolNeAR (political news with hand-annotated source, cue and content spans).

Usage: .venv/bin/python benchmarks/attribution.py [--split test] [--limit N]
Runs nlp.attribution.find_attributions (speech and attitude verbs of nlp/patterns/en.yaml and
en_attribution.yaml, nominal cues, "according to", quotes across sentence ends) over every sentence of the
split's articles and prints source, cue and content span precision, recall and F1 by
token overlap: over all tokens that gold attributions naming a source mark as source / cue / content, against
the tokens of predicted attributions that name a source. One annotation file per article (the first by
name when several annotators marked it). Figures only; nothing asserted.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from onrecord.nlp.attribution import find_attributions  # noqa: E402
from onrecord.nlp.lexicon import grammar_for  # noqa: E402
from onrecord.nlp.pipeline import load_model  # noqa: E402

DEFAULT_CORPUS = REPO.parent / "shared" / "corpus" / "polnear" / "data"
KINDS = ("Source", "Cue", "Content")


def read_ann(path: Path) -> list[dict[str, list[tuple[int, int]]]]:
    """Attributions of a brat file: for each E line, its Source/Cue/Content character spans."""
    spans: dict[str, list[tuple[int, int]]] = {}
    events = []
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if line.startswith("T") and len(parts) >= 2:
            _, _, offsets = parts[1].partition(" ")
            spans[parts[0]] = [tuple(map(int, piece.split())) for piece in offsets.split(";")]
        elif line.startswith("E") and len(parts) >= 2:
            events.append(dict(arg.split(":", 1) for arg in parts[1].split()))
    out = []
    for event in events:
        out.append({kind: spans.get(event[kind], []) for kind in KINDS if kind in event})
    return out


def token_set(doc, char_spans: list[tuple[int, int]]) -> set[int]:
    out = set()
    for start, end in char_spans:
        span = doc.char_span(start, end, alignment_mode="expand")
        if span is not None:
            out.update(t.i for t in span if not t.is_punct and not t.is_space)
    return out


def prf(tp: int, predicted: int, gold: int) -> tuple[float, float, float]:
    p = tp / predicted if predicted else 0.0
    r = tp / gold if gold else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=str(DEFAULT_CORPUS))
    parser.add_argument("--split", default="test")
    parser.add_argument("--limit", type=int, default=None)
    args = parser.parse_args()

    base = Path(args.corpus) / args.split
    nlp = load_model("en_core_web_sm")
    grammar = grammar_for("en")
    texts = sorted((base / "text").glob("*.txt"))[: args.limit]
    counts = {kind: [0, 0, 0] for kind in KINDS}  # tp, predicted, gold
    content_all = [0, 0, 0]
    gold_n = pred_n = matched = 0
    started = time.perf_counter()
    for text_path in texts:
        anns = sorted((base / "attributions").glob(text_path.stem + "_*.ann"))
        if not anns:
            continue
        text = text_path.read_text(encoding="utf-8")
        doc = nlp(text)
        gold = read_ann(anns[0])
        predicted = [a for sentence in doc.sents for a in find_attributions(sentence, grammar)]
        gold_named = [g for g in gold if g.get("Source")]
        pred_named = [a for a in predicted if a.source]
        gold_n += len(gold_named)
        pred_n += len(pred_named)
        gold_sets = {kind: set().union(*(token_set(doc, g.get(kind, [])) for g in gold_named)) for kind in KINDS}
        pred_sets = {
            "Source": {i for a in pred_named for i in a.source},
            "Cue": {i for a in pred_named for i in a.cue},
            "Content": {i for a in pred_named for i in a.content},
        }
        for kind in KINDS:
            counts[kind][0] += len(gold_sets[kind] & pred_sets[kind])
            counts[kind][1] += len(pred_sets[kind])
            counts[kind][2] += len(gold_sets[kind])
        all_gold = set().union(*(token_set(doc, g.get("Content", [])) for g in gold))
        all_pred = {i for a in predicted for i in a.content}
        content_all[0] += len(all_gold & all_pred)
        content_all[1] += len(all_pred)
        content_all[2] += len(all_gold)
        gold_cues = [token_set(doc, g.get("Cue", [])) for g in gold_named]
        matched += sum(1 for cue in gold_cues if any(cue & set(a.cue) for a in pred_named))
    elapsed = time.perf_counter() - started
    print(
        f"PolNeAR {args.split}: {len(texts)} articles, {gold_n} gold attributions naming a source, "
        f"{pred_n} predicted ({elapsed:.1f} s, peak RSS "
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB)"
    )
    print(f"{'span (token overlap)':<28}{'P':>8}{'R':>8}{'F1':>8}")
    for kind in KINDS:
        p, r, f = prf(*counts[kind])
        print(f"{kind.lower() + ' (with source)':<28}{p:>8.3f}{r:>8.3f}{f:>8.3f}")
    p, r, f = prf(*content_all)
    print(f"{'content (all attributions)':<28}{p:>8.3f}{r:>8.3f}{f:>8.3f}")
    print(
        f"gold attributions with a source whose cue is found: {matched}/{gold_n} "
        f"({matched / gold_n if gold_n else 0:.3f})"
    )


if __name__ == "__main__":
    main()
