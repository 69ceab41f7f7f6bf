"""The claims corpus: references materialise exactly, splits keep records apart, agreement and eval figures are right.

Most tests build a small shared folder of their own (records written for these tests) so that they say exactly
what is expected; two read the shipped corpus against ../shared when it is there (CI lays it beside the clone).
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from pathlib import Path

import pytest
from click.testing import CliRunner

from onrecord.cli import cli
from onrecord.core.records import Claim
from onrecord.nlp.corpus import store
from onrecord.nlp.corpus.build import build, evidence_span
from onrecord.nlp.corpus.sources import default_shared
from onrecord.nlp.corpus.stats import agreement, corpus_stats
from onrecord.nlp.evaluate import evaluate

RECORDS = [
    {
        "id": "n1",
        "url": "https://news.example/1",
        "source": "news.example",
        "published": "2025-05-20T09:00:00Z",
        "title": "Swap talks",
        "lang": "en",
        "text": "Kremlin spokesman Dmitry Peskov said Russia had handed over its list. The weather was warm.",
    },
    {
        "id": "n2",
        "url": "https://news.example/2",
        "source": "news.example",
        "published": "2025-05-21",
        "title": "Markets",
        "lang": "en",
        "text": "Grain prices rose on Tuesday. Traders were calm.",
    },
]


def write_jsonl(path: Path, rows) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def ref(record: dict, start: int, end: int, split: str, pid: str) -> dict:
    text = record["text"][start:end]
    return {
        "pid": pid,
        "lang": "en",
        "corpus": "gdelt-en-war-2022-2024",
        "record": record["id"],
        "start": start,
        "end": end,
        "sha256": hashlib.sha256(text.encode()).hexdigest(),
        "kind": "topic",
        "speaks_for": None,
        "split": split,
    }


@pytest.fixture
def tiny(tmp_path):
    """(shared, data_dir): one usable-whole corpus with two records, two passages and their gold."""
    shared = tmp_path / "shared"
    write_jsonl(shared / "corpus" / "gdelt-en-war-2022-2024" / "gdelt_en_war_2022_2024.jsonl", RECORDS)
    data = tmp_path / "data"
    first = RECORDS[0]["text"].index(" The weather")
    write_jsonl(
        data / "passages.jsonl",
        [ref(RECORDS[0], 0, first, "dev", "p-1"), ref(RECORDS[1], 0, len(RECORDS[1]["text"]), "dev", "p-2")],
    )
    write_jsonl(
        data / "gold.jsonl",
        [
            {
                "pid": "p-1",
                "claims": [
                    {
                        "holder": "russia",
                        "claim_type": "list_submitted",
                        "negated": False,
                        "target": None,
                        "speaker": "Dmitry Peskov",
                        "via": None,
                        "claim_date": None,
                        "evidence_start": 0,
                        "evidence_end": first,
                    }
                ],
            },
            {"pid": "p-2", "claims": []},
        ],
    )
    write_jsonl(
        data / "annotations.jsonl",
        [
            {
                "pid": "p-1",
                "annotator": "x",
                "claims": [{"holder": "russia", "claim_type": "list_submitted", "negated": False}],
            },
            {
                "pid": "p-1",
                "annotator": "y",
                "claims": [
                    {"holder": "russia", "claim_type": "list_submitted", "negated": False},
                    {"holder": "russia", "claim_type": "commitment", "negated": False},
                ],
            },
        ],
    )
    return shared, data


def test_materialise_gives_the_referenced_text_and_gold(tiny):
    shared, data = tiny
    passages = {p.pid: p for p in store.materialise(shared, data)}
    first = passages["p-1"]
    assert first.article.text == RECORDS[0]["text"][: first.ref["end"]]
    assert first.article.text.endswith("handed over its list.")
    assert first.article.title == "Swap talks" and first.article.language == "en"
    assert first.gold[0]["evidence"] == first.article.text
    assert first.gold[0]["claim_date"] == "2025-05-20"  # null in the file: the publication date
    assert passages["p-2"].gold == []


def test_materialise_refuses_a_text_that_changed(tiny):
    shared, data = tiny
    changed = dict(RECORDS[0], text=RECORDS[0]["text"].replace("Russia", "Moscow"))
    write_jsonl(shared / "corpus" / "gdelt-en-war-2022-2024" / "gdelt_en_war_2022_2024.jsonl", [changed, RECORDS[1]])
    with pytest.raises(store.CorpusError, match="p-1: text of gdelt-en-war-2022-2024/n1"):
        store.materialise(shared, data)


def test_a_pooled_corpus_reads_only_its_pool(tmp_path):
    shared = tmp_path / "shared"
    record = dict(RECORDS[0], id="tg-held-out")
    write_jsonl(shared / "corpus" / "telegram-news-ru" / "telegram_news_ru.jsonl", [record])
    (shared / "eval" / "train-pool").mkdir(parents=True)
    (shared / "eval" / "train-pool" / "telegram-news-ru.txt").write_text("tg-other\n", encoding="utf-8")
    data = tmp_path / "data"
    row = ref(record, 0, 20, "train", "p-x") | {"corpus": "telegram-news-ru", "lang": "ru"}
    write_jsonl(data / "passages.jsonl", [row])
    write_jsonl(data / "gold.jsonl", [{"pid": "p-x", "claims": []}])
    with pytest.raises(store.CorpusError, match="not found in telegram-news-ru"):
        store.materialise(shared, data, languages=["ru"])


def test_split_is_a_function_of_the_record():
    assert store.split_for("c", "r1") == store.split_for("c", "r1")
    splits = {store.split_for("c", f"r{i}") for i in range(200)}
    assert splits == {"train", "dev", "test"}
    shares = defaultdict(int)
    for i in range(5000):
        shares[store.split_for("c", f"r{i}")] += 1
    assert 0.65 < shares["train"] / 5000 < 0.75 and 0.12 < shares["test"] / 5000 < 0.18


def test_agreement_is_f1_of_the_two_annotations():
    rows = [
        {"pid": "a", "annotator": "x", "claims": [{"holder": "russia", "claim_type": "demand", "negated": False}]},
        {"pid": "a", "annotator": "y", "claims": [{"holder": "russia", "claim_type": "demand", "negated": True}]},
        {"pid": "b", "annotator": "x", "claims": []},
        {"pid": "b", "annotator": "y", "claims": []},
        {"pid": "c", "annotator": "x", "claims": [{"holder": "usa", "claim_type": "demand", "negated": False}]},
        {"pid": "c", "annotator": "y", "claims": [{"holder": "usa", "claim_type": "demand", "negated": False}]},
    ]
    result = agreement(rows)
    assert (result["passages"], result["tp"], result["fp"], result["fn"]) == (3, 1, 1, 1)
    assert result["f1"] == 0.5


def test_stats_count_passages_claims_and_agreement(tiny):
    _, data = tiny
    stats = corpus_stats(data)
    assert stats["en"]["passages"] == 2 and stats["en"]["claims"] == 1
    assert stats["en"]["claims_by_type"] == {"list_submitted": 1}
    assert stats["en"]["double_annotated"] == 1 and stats["en"]["agreement_f1"] == pytest.approx(2 / 3, abs=1e-4)
    assert stats["en"]["splits"]["dev"] == {"passages": 2, "claims": 1}
    assert stats["ru"]["passages"] == 0


def test_evaluate_figures_on_hand_made_gold():
    def claim(article, holder, claim_type, negated=False, target=None, date="2025-05-20", confidence=0.9):
        return Claim(
            article_id=article,
            topic="prisoner-exchange",
            holder=holder,
            claim_type=claim_type,
            negated=negated,
            evidence="x",
            start=0,
            end=1,
            claim_date=date,
            speaker=None,
            target=target,
            source="s",
            via=None,
            confidence=confidence,
            extractor_version="t",
        )

    gold = [
        {
            "article_id": "a",
            "claims": [
                {
                    "holder": "russia",
                    "claim_type": "list_submitted",
                    "negated": False,
                    "target": "ukraine",
                    "claim_date": "2025-05-20",
                },
                {
                    "holder": "russia",
                    "claim_type": "awaiting_counterpart",
                    "negated": False,
                    "target": "ukraine",
                    "claim_date": "2025-05-20",
                },
            ],
        },
        {"article_id": "b", "claims": []},
        {
            "article_id": "c",
            "claims": [
                {"holder": "usa", "claim_type": "demand", "negated": False, "target": None, "claim_date": "2025-05-19"}
            ],
        },
    ]
    predicted = {
        "a": [
            claim("a", "russia", "list_submitted", target="ukraine"),
            claim("a", "russia", "list_submitted", target=None, confidence=0.1),
        ],  # a duplicate key
        "b": [claim("b", "ukraine", "concern")],
        "c": [claim("c", "usa", "demand"), claim("c", "eu", "demand", negated=True)],
    }
    result = evaluate(predicted, gold)
    assert (result.micro.tp, result.micro.fp, result.micro.fn) == (2, 2, 1)
    assert result.micro.precision == 0.5 and result.micro.recall == pytest.approx(2 / 3)
    assert result.matched == 2
    assert result.target_accuracy == 1.0  # a: the most confident copy of the key is compared; c: None == None
    assert result.date_accuracy == 0.5  # a right, c a day off
    assert result.per_type["demand"].tp == 1 and result.per_type["demand"].fp == 1


def test_eval_corpus_command_scores_each_language_and_split(tiny):
    shared, data = tiny
    result = CliRunner().invoke(
        cli,
        [
            "eval",
            "--corpus",
            "--shared",
            str(shared),
            "--corpus-dir",
            str(data),
            "--language",
            "en",
            "--split",
            "dev",
            "--engine",
            "rules",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)["results"]
    assert list(figures) == ["en/dev"]
    dev = figures["en/dev"]
    assert dev["passages"] == 2
    assert dev["micro"]["tp"] + dev["micro"]["fn"] == 1  # one gold key in the split


def test_eval_refuses_errors_outside_dev(tiny):
    shared, data = tiny
    result = CliRunner().invoke(
        cli, ["eval", "--corpus", "--shared", str(shared), "--corpus-dir", str(data), "--split", "test", "--errors"]
    )
    assert result.exit_code != 0
    assert "dev split only" in str(result.exception) + result.output


def test_a_new_round_is_added_to_the_kept_corpus(tiny, tmp_path):
    """build --keep: the corpus already annotated stays as it was, the new round's passages join it (agreed where
    two annotators read the same, single otherwise), and evidence becomes a span."""
    shared, data = tiny
    second = RECORDS[0]["text"].index("The weather")
    new = ref(RECORDS[0], second, len(RECORDS[0]["text"]), "train", "p-0new") | {"draw": 7}
    new.pop("split")
    passages = tmp_path / "draw.jsonl"
    write_jsonl(passages, [new])
    for name in ("g", "h"):
        write_jsonl(tmp_path / "round" / name / "batch00.jsonl", [{"pid": "p-0new", "claims": []}])
    out = tmp_path / "out"
    out.mkdir()
    summary = build([passages], [tmp_path / "round" / "g", tmp_path / "round" / "h"], None, shared, out, keep=data)
    assert (summary["passages"], summary["added"], summary["agreed"]) == (3, 1, 1)
    kept = [json.loads(line) for line in (out / "passages.jsonl").read_text().splitlines()]
    assert [p["pid"] for p in kept] == ["p-0new", "p-1", "p-2"]
    assert kept[0]["split"] == store.split_for("gdelt-en-war-2022-2024", "n1") and kept[0]["draw"] == 7
    old_gold = (data / "gold.jsonl").read_text().splitlines()
    new_gold = (out / "gold.jsonl").read_text().splitlines()
    assert new_gold[1:] == old_gold and json.loads(new_gold[0]) == {"pid": "p-0new", "claims": [], "source": "agreed"}
    annotators = [
        (a["pid"], a["annotator"]) for a in map(json.loads, (out / "annotations.jsonl").read_text().splitlines())
    ]
    assert annotators == [("p-0new", "g"), ("p-0new", "h"), ("p-1", "x"), ("p-1", "y")]


def test_evidence_span_copes_with_spacing_and_quotes():
    text = "He said:\u00a0“We  are waiting for it,” the spokesman added."
    start, end, how = evidence_span(text, '"We are waiting for it,"')
    assert how == "folded" and text[start:end] == "“We  are waiting for it,”"
    assert evidence_span(text, "He said:")[2] == "exact"


# -- the shipped corpus ------------------------------------------------------------------------------------------

SHARED = default_shared()
needs_shared = pytest.mark.skipif(not (SHARED / "corpus").is_dir(), reason="../shared not beside the checkout")


def test_shipped_splits_never_share_a_record():
    splits: dict[tuple[str, str], set[str]] = defaultdict(set)
    for row in store.load_refs():
        splits[(row["corpus"], row["record"])].add(row["split"])
        assert row["split"] == store.split_for(row["corpus"], row["record"])
    assert splits and all(len(s) == 1 for s in splits.values())


def test_shipped_gold_is_stored_as_spans_not_text():
    for line in (store.DATA_DIR / "gold.jsonl").read_text(encoding="utf-8").splitlines():
        for claim in json.loads(line)["claims"]:
            assert "evidence" not in claim and claim["evidence_end"] > claim["evidence_start"]


@needs_shared
@pytest.mark.slow
def test_shipped_corpus_materialises_exactly():
    passages = store.materialise(SHARED)
    assert len(passages) == len(store.load_refs())
    for passage in passages:  # materialise checked every hash; the evidence spans lie inside their passage
        for claim in passage.gold:
            assert claim["evidence"] and claim["evidence"] in passage.article.text


def test_corpus_stats_command_prints_the_figures_as_json(tiny):
    _, data = tiny
    result = CliRunner().invoke(cli, ["corpus", "stats", "--json", "--corpus-dir", str(data)])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert set(figures) == {"en", "ru", "uk"}
    en = figures["en"]
    assert {"passages", "claims", "claims_by_type", "double_annotated", "agreement_f1", "splits"} <= set(en)
    assert en["splits"]["dev"] == {"passages": 2, "claims": 1}
    assert en["splits"]["train"] == {"passages": 0, "claims": 0}


def test_corpus_materialise_command_writes_articles_and_gold(tiny, tmp_path):
    shared, data = tiny
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli, ["corpus", "materialise", "--out", str(out), "--shared", str(shared), "--corpus-dir", str(data)]
    )
    assert result.exit_code == 0, result.output
    articles = [json.loads(line) for line in (out / "articles-en-dev.jsonl").read_text().splitlines()]
    gold = [json.loads(line) for line in (out / "gold-en-dev.jsonl").read_text().splitlines()]
    assert [a["id"] for a in articles] == ["p-1", "p-2"] and articles[0]["text"].endswith("its list.")
    assert gold[0]["claims"][0]["evidence"] == articles[0]["text"] and gold[1]["claims"] == []


# -- passages written by the project (nlp.corpus.written) ---------------------------------------------------------


def test_written_passages_join_the_train_split_with_their_gold_as_spans(tiny, tmp_path, monkeypatch, config):
    """The project's own passages are stored as records of the written corpus, always in train (dev and test stay
    real text); a passage whose evidence is not in its text or whose holder is no party is skipped and named."""
    import dataclasses

    from onrecord.nlp.corpus import sources, written

    shared, data = tiny
    folder = tmp_path / "written-store"
    spec = dataclasses.replace(sources.CORPORA[written.CORPUS], folder=folder)
    monkeypatch.setitem(sources.CORPORA, written.CORPUS, spec)
    text = "Ukraine's ombudsman said Kyiv was still waiting for Moscow's list. Analysts doubted the swap."
    rows = [
        {
            "id": "wx-0001",
            "title": "Lists",
            "source": "wire report",
            "published": "2025-06-02",
            "speaks_for": None,
            "text": text,
            "claims": [
                {
                    "holder": "ukraine",
                    "claim_type": "awaiting_counterpart",
                    "negated": False,
                    "target": "russia",
                    "evidence": "Ukraine's ombudsman said Kyiv was still waiting for Moscow's list.",
                }
            ],
        },
        {"id": "wx-0002", "title": "t", "source": "s", "published": "2025-06-02", "text": "No news.", "claims": []},
        {
            "id": "wx-0003",
            "title": "t",
            "source": "s",
            "published": "2025-06-02",
            "text": "Hungary called for talks.",
            "claims": [{"holder": "hungary", "claim_type": "demand", "negated": False, "evidence": "called for"}],
        },
    ]
    write_jsonl(tmp_path / "wx" / "batch01.jsonl", rows)
    summary = written.add([tmp_path / "wx"], config, data, shared)
    assert summary["written"] == 2 and summary["added"] == 2
    assert len(summary["skipped"]) == 1 and "'hungary' is not a party" in summary["skipped"][0]
    assert store.split_for(written.CORPUS, "anything") == "train"
    passages = store.materialise(shared, data)
    mine = [p for p in passages if p.ref["corpus"] == written.CORPUS]
    assert {p.ref["split"] for p in mine} == {"train"} and len(passages) == 4
    first = next(p for p in mine if p.ref["record"] == "wx-0001")
    assert first.article.text == text and first.article.published == "2025-06-02"
    (claim,) = first.gold
    assert claim["evidence"] == text.split(" Analysts")[0] and claim["target"] == "russia"
    assert "evidence" not in json.loads((data / "gold.jsonl").read_text().splitlines()[0])["claims"][0]
    assert corpus_stats(data)["en"]["written"] == {"passages": 2, "claims": 1}
    # adding the same folder again changes nothing
    before = (data / "passages.jsonl").read_text()
    written.add([tmp_path / "wx"], config, data, shared)
    assert (data / "passages.jsonl").read_text() == before


def test_written_agreement_compares_a_blind_reading_with_the_writers(tmp_path):
    from onrecord.nlp.corpus import written

    claim = {"holder": "russia", "claim_type": "demand", "negated": False, "evidence": "x"}
    other = {"holder": "ukraine", "claim_type": "concern", "negated": False, "evidence": "x"}
    write_jsonl(
        tmp_path / "w" / "b.jsonl",
        [{"id": "a", "text": "x", "claims": [claim]}, {"id": "b", "text": "x", "claims": [claim, other]}],
    )
    write_jsonl(tmp_path / "c" / "b.jsonl", [{"id": "a", "claims": [claim]}, {"id": "b", "claims": [claim]}])
    found = written.agreement([tmp_path / "w"], tmp_path / "c")
    assert (found["passages"], found["same_keys"], found["writer_only"], found["checker_only"]) == (2, 1, 1, 0)
    assert found["claim_f1"] == round(2 * 2 / (2 * 2 + 1), 3)


def _reading(path: Path, rows: list[dict]) -> Path:
    write_jsonl(path, rows)
    return path


def test_a_blind_rereading_is_stored_as_spans_and_scored_against_the_gold(tiny, tmp_path):
    from onrecord.nlp.corpus import rereading

    shared, data = tiny
    said = "Russia had handed over its list"
    list_claim = {"holder": "russia", "claim_type": "list_submitted", "negated": False, "evidence": said}
    # the first reader finds the gold key; the second misses it and reads a claim the gold does not hold
    rereading.add(
        _reading(tmp_path / "a.jsonl", [{"id": "p-1", "claims": [list_claim]}, {"id": "p-2", "claims": []}]),
        "r1",
        shared,
        data,
    )
    other = {"holder": "ukraine", "claim_type": "concern", "negated": False, "evidence": "Grain prices rose"}
    rereading.add(
        _reading(tmp_path / "b.jsonl", [{"id": "p-1", "claims": []}, {"id": "p-2", "claims": [other]}]),
        "r2",
        shared,
        data,
    )
    stored = [json.loads(line) for line in (data / rereading.FILE).read_text().splitlines()]
    assert [(r["pid"], r["reader"]) for r in stored] == [("p-1", "r1"), ("p-2", "r1"), ("p-1", "r2"), ("p-2", "r2")]
    span = stored[0]["claims"][0]
    assert "evidence" not in span and (span["evidence_start"], span["evidence_end"]) == (
        RECORDS[0]["text"].index(said),
        RECORDS[0]["text"].index(said) + len(said),
    )
    figures = rereading.agreement(data)["en"]
    assert figures["passages"] == 2 and figures["gold_keys"] == 1
    assert figures["readers"]["r1"] == {"tp": 1, "fp": 0, "fn": 0, "precision": 1.0, "recall": 1.0, "f1": 1.0}
    assert (figures["readers"]["r2"]["tp"], figures["readers"]["r2"]["fp"], figures["readers"]["r2"]["fn"]) == (0, 1, 1)
    assert figures["between_readers"]["f1"] == 0.0
    assert corpus_stats(data)["en"]["rereading"] == figures
    # reading a passage again replaces that reader's earlier reading of it, and nothing else
    rereading.add(_reading(tmp_path / "b2.jsonl", [{"id": "p-2", "claims": []}]), "r2", shared, data)
    assert rereading.agreement(data)["en"]["readers"]["r2"]["fp"] == 0
    assert len((data / rereading.FILE).read_text().splitlines()) == 4


def test_only_dev_passages_may_be_reread(tiny, tmp_path):
    from onrecord.nlp.corpus import rereading

    shared, data = tiny
    refs = [json.loads(line) for line in (data / "passages.jsonl").read_text().splitlines()]
    refs[1]["split"] = "test"
    write_jsonl(data / "passages.jsonl", refs)
    with pytest.raises(store.CorpusError, match="not in the dev split"):
        rereading.add(_reading(tmp_path / "a.jsonl", [{"id": "p-2", "claims": []}]), "r1", shared, data)
    with pytest.raises(store.CorpusError, match="not in the corpus"):
        rereading.add(_reading(tmp_path / "a.jsonl", [{"id": "p-9", "claims": []}]), "r1", shared, data)
    assert not (data / rereading.FILE).exists()


def test_eval_reread_scores_the_extractor_and_the_readers_on_the_same_passages(tiny, tmp_path):
    from onrecord.nlp.corpus import rereading

    shared, data = tiny
    args = ["eval", "--corpus", "--shared", str(shared), "--corpus-dir", str(data), "--engine", "rules", "--reread"]
    refused = CliRunner().invoke(cli, args)
    assert refused.exit_code != 0 and "no re-readings" in str(refused.exception) + refused.output
    rereading.add(_reading(tmp_path / "a.jsonl", [{"id": "p-2", "claims": []}]), "r1", shared, data)
    result = CliRunner().invoke(cli, [*args, "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert list(out["results"]) == ["en/dev-reread"] and out["results"]["en/dev-reread"]["passages"] == 1
    assert out["readers"] == {
        "en/dev-reread r1": {"tp": 0, "fp": 0, "fn": 0, "precision": 0.0, "recall": 0.0, "f1": 0.0}
    }
    table = CliRunner().invoke(cli, args)
    assert "en/dev-reread r1" in table.output
    nothing = CliRunner().invoke(cli, [*args, "--language", "ru"])
    assert nothing.exit_code != 0 and "no re-read passages in ru" in str(nothing.exception) + nothing.output
    wrong = CliRunner().invoke(cli, [*args, "--split", "test"])
    assert wrong.exit_code != 0 and "dev split only" in str(wrong.exception) + wrong.output


@needs_shared
def test_shipped_rereadings_are_blind_readings_of_dev_passages_stored_as_spans(config):
    from onrecord.nlp.corpus import rereading

    refs = {r["pid"]: r for r in store.load_refs()}
    rows = list(store.read_jsonl(store.DATA_DIR / rereading.FILE))
    parties, types = {p.id for p in config.parties}, {t.id for t in config.claim_types}
    for row in rows:
        ref = refs[row["pid"]]
        assert ref["split"] == "dev"
        for claim in row["claims"]:
            assert claim["holder"] in parties and claim["claim_type"] in types and "evidence" not in claim
            assert 0 <= claim["evidence_start"] < claim["evidence_end"] <= ref["end"] - ref["start"]
    figures = rereading.agreement()
    assert set(figures) == {"en", "ru"}
    for language, f in figures.items():
        # every dev passage with gold claims was re-read (the sample is those plus as many again without)
        with_gold = {
            pid
            for pid, claims in store.load_gold().items()
            if claims and refs[pid]["split"] == "dev" and refs[pid]["lang"] == language
        }
        reread = {r["pid"] for r in rows if refs[r["pid"]]["lang"] == language}
        assert with_gold <= reread
        assert len(f["readers"]) == 2 and f["passages"] == len(reread)
