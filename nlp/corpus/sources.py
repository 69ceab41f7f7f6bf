"""The corpora the claims corpus is cut from (../shared/corpus, and the project's own written passages), and what
each record may be used for.

Four corpora have a train pool (../shared/eval/train-pool/<corpus>.txt): only the records listed there may be read;
the rest are held out for evaluation elsewhere. The others may be used whole.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path


@dataclass(frozen=True)
class CorpusFile:
    name: str  # folder under shared/corpus
    file: str  # JSON Lines file in that folder
    kind: str  # official | news
    speaks_for: dict[str, str]  # record `source` -> party, for official sources
    pooled: bool  # only the records of eval/train-pool/<name>.txt may be read
    folder: Path | None = None  # where the file is when not under shared/corpus/<name> (our own texts)
    split: str | None = None  # every record in this split (our own texts train only), else decided per record


WRITTEN = Path(__file__).resolve().with_name("written")  # passages written by the project (nlp.corpus.written)
WRITTEN_CORPUS = "onrecord-written"  # their corpus name: every record in train

CORPORA: dict[str, CorpusFile] = {
    c.name: c
    for c in (
        CorpusFile(
            "ua-ru-press-releases",
            "press_releases.jsonl",
            "official",
            {"en.kremlin.ru": "russia", "president.gov.ua": "ukraine"},
            True,
        ),
        CorpusFile("resistinua-statements", "statements.jsonl", "official", {"*": "ukraine"}, True),
        CorpusFile("wh-briefings-ru-ua", "wh_briefings_ru_ua.jsonl", "official", {"*": "usa"}, False),
        CorpusFile(
            "kremlin-putin-ukraine-2022-2025",
            "kremlin_putin_ukraine_2022_2025.jsonl",
            "official",
            {"*": "russia"},
            False,
        ),
        CorpusFile("gdelt-en-war-2022-2024", "gdelt_en_war_2022_2024.jsonl", "news", {}, False),
        CorpusFile("agent-crawl-news-2026", "agent_crawl_news_2026.jsonl", "news", {}, False),
        CorpusFile("ukraine-crisis-2014-bias", "articles.jsonl", "news", {}, False),
        CorpusFile("telegram-news-ru", "telegram_news_ru.jsonl", "news", {}, True),
        CorpusFile("ru-war-headlines", "ru_war_headlines.jsonl", "news", {}, True),
        CorpusFile("1tv-news-ledes-2022-2026", "1tv_news_ledes_2022_2026.jsonl", "news", {}, False),
        CorpusFile(WRITTEN_CORPUS, "records.jsonl", "news", {}, False, folder=WRITTEN, split="train"),
    )
}


def default_shared() -> Path:
    """../shared beside the checkout (where CI lays it), else beside the current folder."""
    here = Path(__file__).resolve()
    for base in (here.parents[2], Path.cwd()):
        candidate = base.parent / "shared"
        if (candidate / "corpus").is_dir():
            return candidate
    return here.parents[2].parent / "shared"


@cache
def pool(shared: Path, corpus: str) -> frozenset[str] | None:
    """The record ids of a pooled corpus that may be read; None for a corpus usable whole."""
    if not CORPORA[corpus].pooled:
        return None
    path = shared / "eval" / "train-pool" / f"{corpus}.txt"
    return frozenset(line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip())


def records(shared: Path, corpus: str) -> Iterator[dict]:
    """The records of a corpus that may be read (the train pool only, for a pooled corpus)."""
    spec = CORPORA[corpus]
    allowed = pool(shared, corpus)
    folder = spec.folder or shared / "corpus" / spec.name
    with open(folder / spec.file, encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            if allowed is not None and record["id"] not in allowed:
                continue
            yield record


def speaks_for(corpus: str, record: dict) -> str | None:
    if CORPORA[corpus].folder is not None:  # our own texts: each record says whom it speaks for
        return record.get("speaks_for")
    table = CORPORA[corpus].speaks_for
    return table.get(record.get("source") or "", table.get("*"))
