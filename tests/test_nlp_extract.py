"""Extraction with the real English model on sentences written for these tests (slow: loads spaCy once)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import REPO
from onrecord.core.records import Article
from onrecord.nlp.extractor import Extractor
from onrecord.nlp.run import extract_pending
from onrecord.storage.articles import save_article
from onrecord.storage.claims import iter_claims

pytestmark = pytest.mark.slow

PUBLISHED = "2025-05-24T10:00:00Z"  # a Saturday

ARTICLES = {
    "wire": (
        "Kremlin spokesman Dmitry Peskov told Interfax on Thursday that Moscow had handed over its list "
        'of prisoners to Kyiv. "We are still waiting for the Ukrainian list," he said. The weather in '
        "Moscow was warm."
    ),
    "joint": "The United States and the European Union called for the release of all prisoners of war.",
    "negated": (
        "Ukrainian President Volodymyr Zelensky said Ukraine has not agreed to the ceasefire proposal. "
        "The Kremlin denied that the talks in Istanbul had stalled."
    ),
    "hypothetical": (
        "Will Russia hand over its list of prisoners? If Kyiv sends its list of prisoners, Moscow "
        "will respond, Peskov said."
    ),
    "narration": "The prisoner exchange was agreed last month after long talks.",
    "according": (
        "According to the Coordination Headquarters, 84 Ukrainian soldiers returned home from captivity on Sunday."
    ),
}
OFFICIAL = {
    "kremlin": ("russia", "We have handed over our list of prisoners to the Ukrainian side. The weather is fine."),
    "kyiv": ("ukraine", "Russia rejected our proposal for an all-for-all exchange of prisoners."),
}


def _article(key: str, text: str, speaks_for: str | None = None) -> Article:
    return Article.create(
        url=f"https://example.org/{key}",
        source="test-wire",
        title=key,
        text=text,
        published=PUBLISHED,
        language="en",
        speaks_for=speaks_for,
    )


@pytest.fixture(scope="session")
def extractor(config):
    return Extractor(config.with_engine("rules"))  # these tests are the rule engine's (nlp.claims*)


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
            assert article.text[claim.start : claim.end] == claim.evidence
            assert claim.topic in ("prisoner-exchange", "peace-talks") and claim.source == "test-wire"
    assert total >= 9


def test_db_mode_extracts_pending_articles_once(config, store, extractor):
    for key in ("wire", "narration"):
        save_article(store, _article(key, ARTICLES[key]))
    first = extract_pending(config, store, extractor=extractor)
    assert first == {"articles": 2, "claims": 2, "errors": 0}
    assert {c.claim_type for c in iter_claims(store)} == {"list_submitted", "awaiting_counterpart"}
    assert extract_pending(config, store, extractor=extractor)["articles"] == 0


@pytest.fixture(scope="module")
def rules_config(tmp_path_factory):
    """The project's config.yaml with every language on the rule engine (these tests are the rule engine's)."""
    text = (REPO / "config.yaml").read_text(encoding="utf-8").replace("engine: learned", "engine: rules")
    path = tmp_path_factory.mktemp("config") / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _run(config_path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "onrecord", *args, "--config", str(config_path)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=240,
    )


def test_cli_file_mode_and_eval(tmp_path, rules_config):
    articles = tmp_path / "articles.jsonl"
    rows = [
        {
            "id": k,
            "url": f"https://example.org/{k}",
            "source": "test-wire",
            "published": PUBLISHED,
            "title": k,
            "text": ARTICLES[k],
            "language": "en",
        }
        for k in ("wire", "joint", "narration")
    ]
    lines = [json.dumps(r) for r in rows]
    articles.write_text("\n".join(lines[:1] + ["{not json"] + lines[1:]) + "\n", encoding="utf-8")
    out = tmp_path / "claims.jsonl"
    result = _run(rules_config, "extract", "--input", str(articles), "--output", str(out))
    assert result.returncode == 0, result.stderr
    assert f"{articles}:2: invalid JSON" in result.stderr
    claims = [json.loads(line) for line in out.read_text().splitlines()]
    assert {(c["article_id"], c["holder"], c["claim_type"]) for c in claims} == {
        ("wire", "russia", "list_submitted"),
        ("wire", "russia", "awaiting_counterpart"),
        ("joint", "usa", "demand"),
        ("joint", "eu", "demand"),
    }

    gold = tmp_path / "gold.jsonl"
    gold_rows = [
        {
            "article_id": "wire",
            "claims": [
                {
                    "holder": "russia",
                    "claim_type": "list_submitted",
                    "negated": False,
                    "target": "ukraine",
                    "claim_date": "2025-05-22",
                }
            ],
        },
        {
            "article_id": "joint",
            "claims": [
                {"holder": "usa", "claim_type": "demand", "negated": False, "target": None, "claim_date": "2025-05-24"},
                {"holder": "uk", "claim_type": "demand", "negated": False, "target": None, "claim_date": "2025-05-24"},
            ],
        },
        {"article_id": "narration", "claims": []},
    ]
    gold.write_text("\n".join(json.dumps(r) for r in gold_rows) + "\n", encoding="utf-8")
    result = _run(rules_config, "eval", "--articles", str(articles), "--gold", str(gold), "--json", "--errors")
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert figures["micro"] == {"tp": 2, "fp": 2, "fn": 1, "precision": 0.5, "recall": 0.6667, "f1": 0.5714}
    assert figures["date_accuracy"] == 1.0
    assert {tuple(m["key"]) for m in figures["misses"]} == {("uk", "demand", False)}
    text = _run(rules_config, "eval", "--articles", str(articles), "--gold", str(gold), "--errors").stdout
    assert "precision 0.500" in text and "MISSES (1)" in text


RULES = {
    # obstruction of access is an accusation of the other side; the ICRC is where, not whom
    "obstruct": ("ukraine", "Russia does not allow the Red Cross to visit our prisoners of war."),
    # a wish to get people back is a demand, in a quote continuing a topic sentence
    "want_back": (
        "ukraine",
        'The talks on the exchange of prisoners went on all night. "We want all our people back."',
    ),
    # an exchange that is proposed has not happened
    "proposed_swap": (None, "Zelensky proposed that Ukraine and Russia exchange all the prisoners of war they hold."),
    # a statement without a topic word continues the topic of the sentence before it
    "window": ("ukraine", "Moscow keeps delaying the prisoner exchange. They refuse to give any date."),
    # what the holder's own side does is no accusation; a forecast about the other side is no position
    "own_side": (
        "ukraine",
        '"We will not allow any delay of the prisoner exchange," the minister said. '
        "I am sure the Kremlin will not be able to ignore the fate of the prisoners of war.",
    ),
    # a reference to an agreement is not one; a deal in talks with an outsider is off the topic
    "as_agreed": (
        "russia",
        "The second stage of the prisoner exchange took place today, as agreed in Istanbul. "
        "A trade deal was agreed in negotiations with Prime Minister Jonas Berg.",
    ),
    # an unnamed speaker accusing a named side stands for the speaker named just before
    "unnamed": (
        None,
        "Petro Yatsenko of the Coordination Headquarters briefed reporters on Monday. "
        '"The Russian side keeps delaying the exchange of prisoners," the headquarters said.',
    ),
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


def _titled(key: str, title: str, text: str, speaks_for: str) -> Article:
    return Article.create(
        url=f"https://example.org/titled/{key}",
        source="test-wire",
        title=title,
        text=text,
        published=PUBLISHED,
        language="en",
        speaks_for=speaks_for,
    )


# key: (title, speaks_for, text); titles matter here, so they are real headlines of the kind an office writes
TITLED = {
    # a short stance of a named side takes the topic of the sentences around it (across a paragraph break)
    "loose": (
        "Statement of the Ministry",
        "ukraine",
        "The delegations met in Istanbul to discuss the prisoner exchange. The meeting lasted four hours."
        "\n\nRussia does not want to return anyone.",
    ),
    # ...but a long one, or one without a named holder, names what it is about and does not borrow the topic
    "loose_long": (
        "Statement of the Ministry",
        "ukraine",
        "The delegations met in Istanbul to discuss the prisoner exchange. Ukraine is ready to provide "
        "full support to the investigation of crimes in the occupied regions of the country. It must end.",
    ),
    # a quote takes the topic of the title it stands under; "so that we are not accused" accuses nobody
    "title": (
        "Kyiv proposes a new format for peace talks",
        "ukraine",
        '"We keep preparing new documents and initiating new steps, so that we are not accused of delaying '
        'anything," the minister said.',
    ),
    # one is thanked for what was done: the exchange happened
    "thanks": (
        "Phone call",
        "ukraine",
        "The minister thanked Qatar for its help in exchanging two Ukrainian sailors for Russian detainees.",
    ),
    # "the parties" of a call: the article's side and the other participant named in the title
    "parties": (
        "Telephone conversation with the President of Turkey",
        "ukraine",
        "The parties called for a full ceasefire.",
    ),
    # an initiative counts with the side it belongs to, not when vague or when it names who called
    "initiative": (
        "Phone call",
        "ukraine",
        "The Turkish President welcomed the initiatives of Ukraine to return all prisoners of war home. "
        "Initiatives on prisoners of war were noted. The conversation about prisoners of war was held at "
        "the initiative of the Ukrainian side.",
    ),
    # a three-word cue in a relative clause is the point of the sentence
    "table": (
        "Press conference",
        "ukraine",
        "The President stressed that there are issues that can be resolved only at the negotiating table.",
    ),
    # delegations talking to each other stand by the talks
    "talking": ("Briefing", "ukraine", "Our delegation talks with the Russian delegation every day."),
    # a demand is said of anything: it does not borrow its passage's topic
    "urge": (
        "Statement",
        "ukraine",
        "The delegations met in Istanbul to discuss the prisoner exchange.\n\nI urge you to continue.",
    ),
    # the "not" of a cue belongs to its clause, not to a clause under it
    "showed": ("Statement", "ukraine", "Russia showed that the prisoner exchange was not a priority for it."),
    # ...so "not ready" is a cue of its own: the other side not ready is accused; our side not ready accuses
    # nobody (it is a negated commitment)
    "not_ready": (
        "Statement",
        "ukraine",
        "Our envoy said the talks had shown that Moscow was not ready for a truce. "
        "We are not ready to give up our land for a truce.",
    ),
    # a negated clause describing a negated noun states the positive
    "double": (
        "Statement",
        "ukraine",
        "There was not a single day when we did not seek a solution for our prisoners of war.",
    ),
    "single": ("Statement", "ukraine", "We have not sought any solution for the prisoners of war."),
    # showing a lack of something is an accusation of the side that shows it
    "lack": (
        "Briefing",
        "russia",
        "The Kiev authorities have still not taken up the offer of talks, thereby showing their lack of seriousness.",
    ),
}


@pytest.fixture(scope="session")
def titled(extractor):
    articles = [_titled(k, title, text, party) for k, (title, party, text) in TITLED.items()]
    return {article.url.rsplit("/", 1)[1]: claims for article, claims in extractor.extract(articles)}


def test_context_topic_holders_and_new_cues(titled):
    def got(name):
        return {(c.holder, c.claim_type, c.negated) for c in titled[name]}

    assert got("loose") == {("ukraine", "accusation", False)}
    assert [c.target for c in titled["loose"]] == ["russia"]
    assert got("loose_long") == set()
    assert got("title") == {("ukraine", "proposal", False)}
    assert got("thanks") == {("ukraine", "exchange_completed", False)}
    assert got("parties") == {("ukraine", "demand", False), ("turkey", "demand", False)}
    assert got("initiative") == {("ukraine", "proposal", False)}
    assert {c.evidence for c in titled["initiative"]} == {
        "The Turkish President welcomed the initiatives of Ukraine to return all prisoners of war home."
    }
    assert got("table") == {("ukraine", "commitment", False)}
    assert [c.target for c in titled["initiative"]] == ["russia"]  # not Turkey, who welcomed it
    assert got("talking") == {("ukraine", "commitment", False)}
    assert got("urge") == set()
    assert "accusation" not in {c.claim_type for c in titled["showed"]}
    assert got("not_ready") == {("ukraine", "accusation", False), ("ukraine", "commitment", True)}
    assert got("double") == {("ukraine", "commitment", False)}
    assert got("single") == {("ukraine", "commitment", True)}
    assert got("lack") == {("russia", "accusation", False)}
    assert [c.target for c in titled["lack"]] == ["ukraine"]


def test_articles_without_a_language_are_read_in_the_detected_one(extractor):
    """File-mode input may omit `language`: lingua decides, and each text goes to its own pipeline."""
    texts = {
        "en": ARTICLES["wire"],
        "uk": "«Ми вже передали свій список для обміну полоненими російській стороні», — заявив Лубінець у четвер.",
        "de": "Der Kreml teilte mit, Moskau habe seine Liste für den Gefangenenaustausch an Kiew übergeben.",
    }
    articles = [
        Article.create(
            url=f"https://example.org/lang-{k}", source="test-wire", title=k, text=t, published=PUBLISHED, language=None
        )
        for k, t in texts.items()
    ]
    found = {article.title: claims for article, claims in extractor.extract(articles)}
    assert ("russia", "list_submitted", False) in {(c.holder, c.claim_type, c.negated) for c in found["en"]}
    assert [(c.holder, c.claim_type, c.speaker) for c in found["uk"]] == [
        ("ukraine", "list_submitted", "Dmytro Lubinets")
    ]
    assert found["de"] == []  # no German pipeline configured: stored, not read with the English one


def test_sentences_the_reader_would_reject_are_not_parsed(extractor):
    """The prefilter's candidates go through the reader's own text-only topic test before the parse: a topic
    word used in another sense, or a question, costs no parse (and changes no claim)."""
    text = (
        "Peskov said the sides held an exchange of views on the Black Sea. "
        "Will Moscow hand over its list of prisoners before the exchange? "
        "Peskov said Moscow had handed over its list of prisoners for the exchange."
    )
    article = _article("parse-budget", text)
    parsed = [doc.text for _, doc in extractor._sentence_docs(article, extractor.language("en"))]
    assert parsed == ["Peskov said Moscow had handed over its list of prisoners for the exchange."]
    claims = dict(extractor.extract([article]))[article]
    assert {(c.holder, c.claim_type) for c in claims} == {("russia", "list_submitted")}
