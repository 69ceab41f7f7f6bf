"""The forms of attribution and the precision traps of issue 15, on sentences written for these tests, read by
the extractor as configured (English: the learned reader over the rule engine), plus the quotation finder both
engines share. The user's own example, ../shared/spec/seed-article.md, is read whole."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from onrecord.core.config import load_config
from onrecord.core.records import Article
from onrecord.nlp.extractor import Extractor
from onrecord.nlp.learned.features import Featurizer, is_question
from onrecord.nlp.quotes import QuoteIndex, inside_quote, quote_spans

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT.parent / "shared" / "spec" / "seed-article.md"


@pytest.fixture(scope="module")
def config():
    return load_config(ROOT / "config.yaml")


@pytest.fixture(scope="module")
def extractor(config):
    return Extractor(config)


@pytest.fixture(scope="module")
def rules(config):
    return Extractor(config.with_engine("rules"))


def article(text: str, title: str = "Prisoner exchange talks", source: str = "wire") -> Article:
    return Article(
        id=1,
        url="https://example.org/a",
        canonical_url="https://example.org/a",
        source=source,
        published="2025-05-27",
        title=title,
        text=text,
        language="en",
    )


def read(extractor: Extractor, text: str, **kw) -> list:
    return [claim for _, claims in extractor.extract([article(text, **kw)]) for claim in claims]


def keys(claims) -> set[tuple[str, str, bool]]:
    return {(c.holder, c.claim_type, c.negated) for c in claims}


# -- quotations --------------------------------------------------------------------------------------------------


def quoted(text: str) -> list[str]:
    return [text[q.start : q.end] for q in quote_spans(text)]


def test_curly_double_quote_runs_over_sentences_and_paragraphs():
    text = "Our envoy said: “We sent the names. ¶\n\nNothing came back.” Then he left."
    assert quoted(text) == ["We sent the names. ¶\n\nNothing came back."]


def test_single_curly_quotes_are_told_from_apostrophes():
    text = (
        "The minister’s aide was curt, saying, ‘We handed over our list.\n\nKyiv’s has not come yet,’ "
        "according to the ministry’s spokesman, who called it the ‘90s all over again."
    )
    assert quoted(text) == ["We handed over our list.\n\nKyiv’s has not come yet,"]
    assert quoted("Russia’s and Ukraine’s lists, the negotiators’ notes.") == []


def test_guillemets_straight_marks_and_a_scare_quote():
    assert quoted("Он сказал: «Списки переданы». Всё.") == ["Списки переданы"]
    assert quoted('He said "we are ready" and "we wait".') == ["we are ready", "we wait"]
    assert quoted("Russia backs the ‘1000 for 1000’ plan.") == ["1000 for 1000"]


def test_an_unclosed_mark_is_forgotten_after_a_long_stretch():
    text = "“Never closed. " + "Filler words go on. " * 100 + "“Short one.” End."
    assert quoted(text) == ["Short one."]


def test_inside_quote_and_the_index_agree():
    text = "He said: “One. Two. Three.” Four."
    index = QuoteIndex(text)
    two = text.index("Two")
    assert inside_quote(text, two) and index.around(two) is not None
    assert not inside_quote(text, text.index("Four")) and index.around(text.index("Four")) is None
    assert [text[q.start : q.end] for q in index.overlapping(0, text.index("Two"))] == ["One. Two. Three."]


# -- candidates of the learned reader: who may hold a sentence of a running quote ------------------------------


def test_a_running_quote_offers_the_speaker_named_after_it(config):
    text = (
        "The prisoner exchange stalled again this week.\n\n"
        "‘Our names went to the mediators on Monday.\n\n"
        "Nothing has come back.\n\n"
        "We keep waiting,’ the Ukrainian ombudsman Dmytro Lubinets told reporters."
    )
    featurizer = Featurizer(config, "en")
    spans = [(c.sentence, c.holder, c.features) for c in featurizer.candidates(article(text))]
    middle = [(holder, feats) for sentence, holder, feats in spans if sentence == 2]  # "Nothing has come back."
    assert middle, "a sentence inside the quote, without a topic word of its own, is asked about"
    holders = {holder for holder, _ in middle}
    assert "ukraine" in holders
    feats = next(f for h, f in middle if h == "ukraine")
    assert any(f.startswith("r:qclose:") for f in feats) and "r:in_quote" in feats and "r:quote_runs" in feats


def test_a_running_quote_offers_the_speaker_named_before_it(config):
    text = (
        "Talks on the prisoner exchange resumed.\n\n"
        "Dmitry Peskov was brief: “We handed our list to Ankara.\n\n"
        "The reply is still awaited.\n\n"
        "That is all for now.”"
    )
    featurizer = Featurizer(config, "en")
    third = [c for c in featurizer.candidates(article(text)) if c.sentence == 3]
    russia = [c for c in third if c.holder == "russia"]
    assert russia and russia[0].speaker == "Dmitry Peskov"
    assert any(f.startswith("r:qopen:") for f in russia[0].features)


def test_questions_are_not_asked_about(config):
    assert is_question("Is Moscow ready to swap all for all?") and is_question("“Will you hand over the list?”")
    assert not is_question("Moscow is ready to swap all for all.")
    text = "Interviewer: Will Russia hand over its list for the prisoner exchange this week?"
    assert Featurizer(config, "en").candidates(article(text)) == []


# -- the rule engine: exact forms --------------------------------------------------------------------------------


def test_members_of_a_group_source_each_hold_the_claim(rules):
    text = (
        "Several governments, including the United States and the European Union, called on Moscow to "
        "complete the prisoner exchange without delay."
    )
    found = keys(read(rules, text))
    assert ("usa", "demand", False) in found and ("eu", "demand", False) in found


def test_a_single_quoted_statement_over_paragraphs_is_read_for_its_speaker(rules):
    text = (
        "The prisoner exchange is stuck over the lists.\n\n"
        "Dmitry Peskov’s answer was short, stating, ‘We handed over our list.\n\n"
        "The list from Kyiv has not been received yet.\n\n"
        "We are waiting for it,’ the Kremlin spokesman told Interfax."
    )
    claims = read(rules, text)
    awaiting = [c for c in claims if c.claim_type == "awaiting_counterpart"]
    assert awaiting and all(c.holder == "russia" and c.target == "ukraine" for c in awaiting)
    assert {c.holder for c in claims} <= {"russia", "ukraine"}


# -- precision traps, through the configured reader --------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "The next prisoner exchange is expected later this week, the Coordination Headquarters said.",
        "A new prisoner exchange is being prepared, Ukraine's ombudsman said on Friday.",
        "Russia and Ukraine will exchange 300 prisoners of war next week, the Kremlin said.",
    ],
)
def test_an_exchange_that_lies_ahead_is_not_completed(extractor, text):
    assert "exchange_completed" not in {c.claim_type for c in read(extractor, text)}


def test_troops_freeing_trapped_civilians_is_not_an_exchange(extractor):
    text = (
        "Ukrainian troops freed 40 civilians trapped in a basement in the village, the General Staff said, "
        "while talks on a prisoner exchange went on."
    )
    assert "exchange_completed" not in {c.claim_type for c in read(extractor, text)}


def test_an_interviewers_question_is_nobodys_position(extractor):
    text = (
        "Journalist: Is Ukraine ready to release all Russian prisoners of war in an all-for-all exchange?\n\n"
        "Interviewer: And will the Kremlin hand over its list of prisoners first?"
    )
    assert read(extractor, text) == []


def test_concern_about_another_subject_is_not_on_topic(extractor):
    text = (
        "At the meeting, which also touched on the prisoner exchange, the Russian and Ukrainian ministers were "
        "concerned about grain prices and fertiliser exports."
    )
    assert not [c for c in read(extractor, text) if c.claim_type == "concern"]


def test_a_company_is_not_a_party(extractor):
    text = "Turkish Airlines said it was ready to fly the exchanged prisoners home on Saturday."
    assert read(extractor, text) == []


@pytest.mark.parametrize("engine", ["learned", "rules"])
def test_talks_about_another_conflict_are_not_the_topic(extractor, rules, engine):
    reader = extractor if engine == "learned" else rules
    elsewhere = "The White House said it proposed a ceasefire in Gaza and urged Hamas to release the hostages."
    assert read(reader, elsewhere, title="Ceasefire talks") == []
    # naming a side of this conflict keeps the sentence on the topic
    here = (
        "The White House said it proposed a ceasefire between Russia and Ukraine and urged Moscow to release "
        "the prisoners."
    )
    assert {k for k in keys(read(reader, here, title="Ceasefire talks")) if k[0] == "usa"}


def test_a_proposal_turned_down_is_not_an_accusation(extractor):
    text = "Kyiv proposed a prisoner exchange and a truce for Easter, which the Kremlin turned down on Tuesday."
    found = keys(read(extractor, text))
    assert ("ukraine", "proposal", False) in found
    assert not {k for k in found if k[1] == "accusation"}


# -- the user's example ------------------------------------------------------------------------------------------


def seed_article() -> Article:
    body = SEED.read_text(encoding="utf-8").split("## Text", 1)[1].split("\n", 1)[1].strip()
    title, text = body.split("\n", 1)
    return Article(
        id=1,
        url="https://example.org/seed",
        canonical_url="https://example.org/seed",
        source="interfax",
        published="2025-05-27",
        title=title.strip(),
        text=text.strip(),
        language="en",
    )


# The keys ../shared/spec/seed-article.md says a reader must find.
SEED_KEYS = {
    ("russia", "list_submitted", False),
    ("russia", "awaiting_counterpart", False),
    ("russia", "commitment", False),
    ("ukraine", "concern", False),
    ("usa", "demand", False),
    ("eu", "demand", False),
}


@pytest.fixture(scope="module")
def seed_claims(extractor):
    if not SEED.exists():
        pytest.skip("../shared/spec is not beside the checkout")
    return [c for _, cs in extractor.extract([seed_article()]) for c in cs]


def test_the_seed_article_gives_russias_list_and_wait_ukraines_concern_and_no_agency_holds(seed_claims, config):
    found = keys(seed_claims)
    assert {("russia", "list_submitted", False), ("russia", "awaiting_counterpart", False)} <= found
    assert ("ukraine", "concern", False) in found, "Ukrainian officials have expressed concerns about the feasibility"
    awaiting = [c for c in seed_claims if c.claim_type == "awaiting_counterpart"]
    assert all(c.target == "ukraine" for c in awaiting)
    assert any(c.speaker == "Dmitry Peskov" for c in awaiting), "the quote runs on from Peskov's sentence"
    parties = {p.id for p in config.parties}
    assert {c.holder for c in seed_claims} <= parties
    assert not {c.holder.lower() for c in seed_claims} & {"interfax", "tass", "reuters", "ria"}
    assert all(not re.search(r"\banalysts?\b", c.evidence) for c in seed_claims), "analysts are not holders"


@pytest.mark.xfail(
    strict=True,
    reason="issue 15, open: the learned English model reads three of the six (the list, the wait, Ukraine's "
    "concern) but scores Russia's commitment and the US/EU call below its thresholds; the rule engine reads "
    "all six (see test_the_rule_engine_reads_all_of_the_seed_article)",
)
def test_the_seed_article_is_read_whole_as_the_user_reads_it(seed_claims):
    assert keys(seed_claims) >= SEED_KEYS, f"missing {SEED_KEYS - keys(seed_claims)}"


def test_the_rule_engine_reads_all_of_the_seed_article(rules):
    if not SEED.exists():
        pytest.skip("../shared/spec is not beside the checkout")
    found = keys([c for _, cs in rules.extract([seed_article()]) for c in cs])
    assert found >= SEED_KEYS, f"missing {SEED_KEYS - found}"
