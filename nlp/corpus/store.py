"""The claims corpus as the project keeps it: references into ../shared/corpus plus gold, never copied text.

`nlp/corpus/data/passages.jsonl` — one reference a line: pid, lang, corpus, record, start, end, sha256 of the
passage text, kind (topic | near | off), speaks_for, split (train | dev | test, decided by source record).
`nlp/corpus/data/gold.jsonl` — the adjudicated gold of every passage: pid and claims; a claim's evidence is a
span of the passage (evidence_start, evidence_end), its claim_date null where the publication date holds.
`nlp/corpus/data/annotations.jsonl` — the independent annotations of the doubly annotated passages (pid,
annotator, claims), from which agreement is computed.
`nlp/corpus/data/rereadings.jsonl` — blind second readings of a dev sample by readers who did not make the gold
(pid, reader, claims as spans): how far a careful reader agrees with the gold (nlp.corpus.rereading).

`materialise` reads the real texts, checks every passage against its hash, and gives articles and gold in the
format of `onrecord extract --input` and `onrecord eval --gold`.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from onrecord.core.errors import OnrecordError
from onrecord.core.records import Article
from onrecord.nlp.corpus.sources import CORPORA, records

DATA_DIR = Path(__file__).with_name("data")
SPLITS = ("train", "dev", "test")
LANGUAGES = ("en", "ru", "uk")
# Share of source records per split: a record and all its passages fall on one side.
SPLIT_SHARES = (("train", 0.70), ("dev", 0.15), ("test", 0.15))


def keys(claims: Iterable[dict[str, Any]]) -> set[tuple[str, str, bool]]:
    """The scored keys (holder, claim_type, negated) of gold claims."""
    return {(c["holder"], c["claim_type"], bool(c["negated"])) for c in claims}


class CorpusError(OnrecordError):
    """The corpus cannot be read or does not match the texts it refers to."""


def split_for(corpus: str, record: str) -> str:
    """The split of a source record: a stable function of its corpus and id, so passages of one record share it
    (a corpus kept for one split, like the project's own written passages, puts every record there)."""
    fixed = CORPORA[corpus].split if corpus in CORPORA else None
    if fixed is not None:
        return fixed
    value = int(hashlib.sha256(f"{corpus}\x1f{record}".encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
    edge = 0.0
    for name, share in SPLIT_SHARES:
        edge += share
        if value < edge:
            return name
    return SPLIT_SHARES[-1][0]


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    if not path.exists():
        raise CorpusError(f"{path}: not found")
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if line.strip():
                try:
                    yield json.loads(line)
                except json.JSONDecodeError as exc:
                    raise CorpusError(f"{path}:{number}: invalid JSON ({exc.msg})") from None


def write_jsonl(path: Path, rows: Iterable[dict[str, Any]]) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with open(path, "w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False, sort_keys=False) + "\n")
            count += 1
    return count


@dataclass
class Passage:
    """A materialised passage: its reference, the article the reader sees, and its gold."""

    ref: dict[str, Any]
    article: Article
    gold: list[dict[str, Any]] = field(default_factory=list)

    @property
    def pid(self) -> str:
        return self.ref["pid"]


def load_refs(data_dir: Path = DATA_DIR) -> list[dict[str, Any]]:
    return list(read_jsonl(data_dir / "passages.jsonl"))


def load_gold(data_dir: Path = DATA_DIR) -> dict[str, list[dict[str, Any]]]:
    return {row["pid"]: row["claims"] for row in read_jsonl(data_dir / "gold.jsonl")}


def materialise(
    shared: Path, data_dir: Path = DATA_DIR, languages: Iterable[str] = LANGUAGES, splits: Iterable[str] = SPLITS
) -> list[Passage]:
    """The passages of the chosen languages and splits, read from ../shared/corpus and checked against their hash."""
    languages, splits = set(languages), set(splits)
    refs = [r for r in load_refs(data_dir) if r["lang"] in languages and r["split"] in splits]
    gold = load_gold(data_dir)
    wanted: dict[str, set[str]] = defaultdict(set)
    for ref in refs:
        wanted[ref["corpus"]].add(ref["record"])
    texts: dict[tuple[str, str], dict[str, Any]] = {}
    for corpus, ids in wanted.items():
        if corpus not in CORPORA:
            raise CorpusError(f"passages.jsonl: unknown corpus {corpus!r}")
        try:
            for record in records(shared, corpus):
                if record["id"] in ids:
                    texts[(corpus, record["id"])] = record
        except FileNotFoundError as exc:
            raise CorpusError(f"{exc.filename}: not found (is ../shared beside the checkout?)") from None
    out = []
    for ref in refs:
        found = texts.get((ref["corpus"], ref["record"]))
        if found is None:
            raise CorpusError(f"{ref['pid']}: record {ref['record']!r} not found in {ref['corpus']}")
        record = found
        text = record["text"][ref["start"] : ref["end"]]
        if text_hash(text) != ref["sha256"]:
            raise CorpusError(
                f"{ref['pid']}: text of {ref['corpus']}/{ref['record']} "
                f"[{ref['start']}:{ref['end']}] does not match its hash"
            )
        published = record.get("published") or None
        article = Article(
            id=ref["pid"],
            url=record.get("url") or f"corpus:{ref['corpus']}/{ref['record']}",
            canonical_url=f"corpus:{ref['corpus']}/{ref['record']}#{ref['start']}",
            source=record.get("source") or ref["corpus"],
            title=record.get("title") or "",
            text=text,
            published=published,
            language=ref["lang"],
            speaks_for=ref.get("speaks_for"),
        )
        claims = []
        for claim in gold.get(ref["pid"], []):
            claim = dict(claim)
            claim["evidence"] = text[claim["evidence_start"] : claim["evidence_end"]]
            if not claim.get("claim_date") and published:
                claim["claim_date"] = published[:10]
            claims.append(claim)
        out.append(Passage(ref, article, claims))
    return out


def gold_records(passages: Iterable[Passage]) -> list[dict[str, Any]]:
    """Gold in the format of `onrecord eval --gold`: one line per passage, empty lists included."""
    return [{"article_id": p.pid, "claims": p.gold} for p in passages]


def export(shared: Path, out_dir: Path, data_dir: Path = DATA_DIR) -> dict[str, int]:
    """Write articles-<lang>-<split>.jsonl and gold-<lang>-<split>.jsonl for every language and split."""
    counts: dict[str, int] = {}
    passages = materialise(shared, data_dir)
    groups: dict[tuple[str, str], list[Passage]] = defaultdict(list)
    for passage in passages:
        groups[(passage.ref["lang"], passage.ref["split"])].append(passage)
    for (lang, split), items in sorted(groups.items()):
        write_jsonl(
            out_dir / f"articles-{lang}-{split}.jsonl",
            (
                {
                    "id": p.pid,
                    "url": p.article.url,
                    "source": p.article.source,
                    "published": p.article.published,
                    "title": p.article.title,
                    "text": p.article.text,
                    "language": lang,
                    "speaks_for": p.article.speaks_for,
                }
                for p in items
            ),
        )
        write_jsonl(out_dir / f"gold-{lang}-{split}.jsonl", gold_records(items))
        counts[f"{lang}-{split}"] = len(items)
    return counts
