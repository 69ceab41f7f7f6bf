"""Extraction with the real English model on sentences written for these tests (slow: loads spaCy once)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from nlp.extractor import Extractor
from nlp.run import extract_pending
from onrecord.records import Article
from storage.articles import save_article
from storage.claims import iter_claims

from conftest import REPO

pytestmark = pytest.mark.slow

PUBLISHED = "2025-05-24T10:00:00Z"  # a Saturday

ARTICLES = {
    "wire": ("Kremlin spokesman Dmitry Peskov told Interfax on Thursday that Moscow had handed over its list "
             "of prisoners to Kyiv. \"We are still waiting for the Ukrainian list,\" he said. The weather in "
             "Moscow was warm."),
    "joint": "The United States and the European Union called for the release of all prisoners of war.",
    "negated": ("Ukrainian President Volodymyr Zelensky said Ukraine has not agreed to the ceasefire proposal. "
                "The Kremlin denied that the talks in Istanbul had stalled."),
    "hypothetical": ("Will Russia hand over its list of prisoners? If Kyiv sends its list of prisoners, Moscow "
                     "will respond, Peskov said."),
    "narration": "The prisoner exchange was agreed last month after long talks.",
    "according": ("According to the Coordination Headquarters, 84 Ukrainian soldiers returned home from captivity "
                  "on Sunday."),
}
OFFICIAL = {
    "kremlin": ("russia", "We have handed over our list of prisoners to the Ukrainian side. The weather is fine."),
    "kyiv": ("ukraine", "Russia rejected our proposal for an all-for-all exchange of prisoners."),
}


def _article(key: str, text: str, speaks_for: str | None = None) -> Article:
    return Article.create(url=f"https://example.org/{key}", source="test-wire", title=key, text=text,
                          published=PUBLISHED, language="en", speaks_for=speaks_for)


@pytest.fixture(scope="session")
def extractor(config):
    return Extractor(config)


@pytest.fixture(scope="session")
def extracted(extractor):
    articles = [_article(k, t) for k, t in ARTICLES.items()]
    articles += [_article(k, t, speaks_for=party) for k, (party, t) in OFFICIAL.items()]
    return {article.title: (article, claims) for article, claims in extractor.extract(articles)}


def keys(extracted, name):
    return {(c.holder, c.claim_type, c.negated) for c in extracted[name][1]}


def test_reported_speech_quote_coreference_via_and_date(extracted):
    claims = {c.claim_type: c for c in extracted["wire"][1]}
    assert keys(extracted, "wire") == {("russia", "list_submitted", False), ("russia", "awaiting_counterpart", False)}
    submitted, waiting = claims["list_submitted"], claims["awaiting_counterpart"]
    assert submitted.speaker == "Dmitry Peskov" and submitted.via == "Interfax"
    assert submitted.claim_date == "2025-05-22"  # "on Thursday" before a Saturday publication
    assert waiting.speaker == "Dmitry Peskov"  # "he said" -> the last named speaker
    assert waiting.target == "ukraine" and waiting.claim_date == "2025-05-24"


def test_several_holders_give_one_claim_each(extracted):
    assert keys(extracted, "joint") == {("usa", "demand", False), ("eu", "demand", False)}


def test_negation_and_denial(extracted):
    assert keys(extracted, "negated") == {("ukraine", "agreement", True), ("russia", "denial", False)}
    speaker = {c.claim_type: c.speaker for c in extracted["negated"][1]}
    assert speaker == {"agreement": "Volodymyr Zelensky", "denial": "Kremlin"}


def test_questions_conditionals_and_narration_are_not_claims(extracted):
    assert extracted["hypothetical"][1] == []
    assert extracted["narration"][1] == []


def test_according_to_an_institution(extracted):
    (claim,) = extracted["according"][1]
    assert (claim.holder, claim.claim_type, claim.claim_date) == ("ukraine", "exchange_completed", "2025-05-18")
    assert claim.speaker == "Coordination Headquarters"


def test_official_source_first_person_and_report_of_the_other_side(extracted):
    assert keys(extracted, "kremlin") == {("russia", "list_submitted", False)}
    (claim,) = extracted["kyiv"][1]
    assert (claim.holder, claim.claim_type, claim.target) == ("ukraine", "accusation", "russia")


def test_evidence_offsets_match_the_text(extracted):
    total = 0
    for article, claims in extracted.values():
        for claim in claims:
            total += 1
            assert article.text[claim.start:claim.end] == claim.evidence
            assert claim.topic in ("prisoner-exchange", "peace-talks") and claim.source == "test-wire"
    assert total >= 9


def test_db_mode_extracts_pending_articles_once(config, store, extractor):
    for key in ("wire", "narration"):
        save_article(store, _article(key, ARTICLES[key]))
    first = extract_pending(config, store, extractor=extractor)
    assert first == {"articles": 2, "claims": 2, "errors": 0}
    assert {c.claim_type for c in iter_claims(store)} == {"list_submitted", "awaiting_counterpart"}
    assert extract_pending(config, store, extractor=extractor)["articles"] == 0


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "onrecord", *args, "--config", str(REPO / "config.yaml")],
                          capture_output=True, text=True, cwd=REPO, timeout=240)


def test_cli_file_mode_and_eval(tmp_path):
    articles = tmp_path / "articles.jsonl"
    rows = [{"id": k, "url": f"https://example.org/{k}", "source": "test-wire", "published": PUBLISHED,
             "title": k, "text": ARTICLES[k], "language": "en"} for k in ("wire", "joint", "narration")]
    lines = [json.dumps(r) for r in rows]
    articles.write_text("\n".join(lines[:1] + ["{not json"] + lines[1:]) + "\n", encoding="utf-8")
    out = tmp_path / "claims.jsonl"
    result = _run("extract", "--input", str(articles), "--output", str(out))
    assert result.returncode == 0, result.stderr
    assert f"{articles}:2: invalid JSON" in result.stderr
    claims = [json.loads(line) for line in out.read_text().splitlines()]
    assert {(c["article_id"], c["holder"], c["claim_type"]) for c in claims} == {
        ("wire", "russia", "list_submitted"), ("wire", "russia", "awaiting_counterpart"),
        ("joint", "usa", "demand"), ("joint", "eu", "demand")}

    gold = tmp_path / "gold.jsonl"
    gold_rows = [
        {"article_id": "wire", "claims": [
            {"holder": "russia", "claim_type": "list_submitted", "negated": False, "target": "ukraine",
             "claim_date": "2025-05-22"}]},
        {"article_id": "joint", "claims": [
            {"holder": "usa", "claim_type": "demand", "negated": False, "target": None, "claim_date": "2025-05-24"},
            {"holder": "uk", "claim_type": "demand", "negated": False, "target": None, "claim_date": "2025-05-24"}]},
        {"article_id": "narration", "claims": []}]
    gold.write_text("\n".join(json.dumps(r) for r in gold_rows) + "\n", encoding="utf-8")
    result = _run("eval", "--articles", str(articles), "--gold", str(gold), "--json", "--errors")
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert figures["micro"] == {"tp": 2, "fp": 2, "fn": 1, "precision": 0.5, "recall": 0.6667, "f1": 0.5714}
    assert figures["date_accuracy"] == 1.0
    assert {tuple(m["key"]) for m in figures["misses"]} == {("uk", "demand", False)}
    text = _run("eval", "--articles", str(articles), "--gold", str(gold), "--errors").stdout
    assert "precision 0.500" in text and "MISSES (1)" in text


RULES = {
    # obstruction of access is an accusation of the other side; the ICRC is where, not whom
    "obstruct": ("ukraine", "Russia does not allow the Red Cross to visit our prisoners of war."),
    # a wish to get people back is a demand, in a quote continuing a topic sentence
    "want_back": ("ukraine", "The talks on the exchange of prisoners went on all night. \"We want all our people back.\""),
    # an exchange that is proposed has not happened
    "proposed_swap": (None, "Zelensky proposed that Ukraine and Russia exchange all the prisoners of war they hold."),
    # a statement without a topic word continues the topic of the sentence before it
    "window": ("ukraine", "Moscow keeps delaying the prisoner exchange. They refuse to give any date."),
    # what the holder's own side does is no accusation; a forecast about the other side is no position
    "own_side": ("ukraine", "\"We will not allow any delay of the prisoner exchange,\" the minister said. "
                            "I am sure the Kremlin will not be able to ignore the fate of the prisoners of war."),
    # a reference to an agreement is not one; a deal in talks with an outsider is off the topic
    "as_agreed": ("russia", "The second stage of the prisoner exchange took place today, as agreed in Istanbul. "
                            "A trade deal was agreed in negotiations with Prime Minister Jonas Berg."),
    # an unnamed speaker accusing a named side stands for the speaker named just before
    "unnamed": (None, "Petro Yatsenko of the Coordination Headquarters briefed reporters on Monday. "
                      "\"The Russian side keeps delaying the exchange of prisoners,\" the headquarters said."),
}


@pytest.fixture(scope="session")
def ruled(extractor):
    articles = [_article(k, t, speaks_for=party) for k, (party, t) in RULES.items()]
    return {article.title: claims for article, claims in extractor.extract(articles)}


def test_rule_classes_on_written_sentences(ruled):
    def got(name):
        return {(c.holder, c.claim_type, c.negated, c.target) for c in ruled[name]}

    assert got("obstruct") == {("ukraine", "accusation", False, "russia")}
    assert got("want_back") == {("ukraine", "demand", False, "russia")}
    assert ("ukraine", "proposal", False, "russia") in got("proposed_swap")
    assert not any(c.claim_type == "exchange_completed" for c in ruled["proposed_swap"])
    assert ("ukraine", "accusation", False, "russia") in got("window")
    assert {c.claim_type for c in ruled["window"] if c.evidence.startswith("They")} == {"accusation"}
    assert got("window") == {("ukraine", "accusation", False, "russia")}
    assert got("own_side") == set()
    assert {k[:2] for k in got("as_agreed")} == {("russia", "exchange_completed")}
    assert got("unnamed") == {("ukraine", "accusation", False, "russia")}
