"""Fast NLP rule tests: sentence splitting, prefilter, party names, cue matching and negation on hand-built
Docs, the scorer and JSON Lines input. No model is loaded here."""

from __future__ import annotations

import pytest
import spacy
from spacy.tokens import Doc

from nlp.claims import ClaimReader
from nlp.evaluate import evaluate
from nlp.jsonl import read_articles
from nlp.lexicon import NameMatcher, build_lexicon
from nlp.pipeline import load_model
from nlp.prefilter import Prefilter, split_sentences
from onrecord.errors import ConfigError
from onrecord.records import Claim


@pytest.fixture(scope="module")
def lexicon(config):
    return build_lexicon(config, "en")


def test_split_sentences_keeps_abbreviations_and_offsets():
    text = "Mr. Smith met U.S. envoys on Monday. They talked.\n\n\"Fine,\" he said! - Was it? Yes."
    spans = split_sentences(text)
    sentences = [text[s:e] for s, e in spans]
    assert sentences == ["Mr. Smith met U.S. envoys on Monday.", "They talked.", "\"Fine,\" he said!",
                         "- Was it?", "Yes."]


def test_prefilter_needs_topic_and_cue(lexicon):
    prefilter = Prefilter(lexicon, {"send": ["sent"]})
    assert prefilter.is_candidate("Moscow sent its list of prisoners of war to Kyiv.")
    assert not prefilter.is_candidate("Moscow sent a football team to Kyiv.")  # cue, no topic
    assert not prefilter.is_candidate("The prisoners of war were photographed in the yard.")  # topic, no cue


def test_name_matcher_longest_match_and_case(lexicon):
    names = NameMatcher(lexicon["names"])
    text = "The Kremlin spokesman and US envoys told us that Ukraine's human rights commissioner agreed."
    found = [(text[m.start:m.end], m.party, m.kind) for m in names.find(text)]
    assert ("Kremlin spokesman", "russia", "roles") in found
    assert ("US", "usa", "aliases") in found
    assert ("Ukraine's human rights commissioner", "ukraine", "roles") in found
    assert all(t != "us" for t, _, _ in found)


def _doc(words, heads, deps, pos, lemmas, tags=None):
    vocab = spacy.blank("en").vocab
    return Doc(vocab, words=words, heads=heads, deps=deps, pos=pos, lemmas=lemmas, tags=tags or [""] * len(words))


def test_cue_on_lemmas_with_negation_and_context_holder(lexicon):
    # "We have not handed over any list of prisoners ." -- heads are absolute indices
    words = ["We", "have", "not", "handed", "over", "any", "list", "of", "prisoners", "."]
    heads = [3, 3, 3, 3, 3, 6, 3, 6, 7, 3]
    deps = ["nsubj", "aux", "neg", "ROOT", "prt", "det", "dobj", "prep", "pobj", "punct"]
    pos = ["PRON", "AUX", "PART", "VERB", "ADP", "DET", "NOUN", "ADP", "NOUN", "PUNCT"]
    lemmas = ["we", "have", "not", "hand", "over", "any", "list", "of", "prisoner", "."]
    doc = _doc(words, heads, deps, pos, lemmas)
    claims = ClaimReader(lexicon).read(doc, {"speaks_for": "ukraine"})
    assert [(c["holder"], c["claim_type"], c["negated"]) for c in claims] == [("ukraine", "list_submitted", True)]


def test_conditional_is_not_a_claim(lexicon):
    # "If Kyiv sends its list of prisoners , we will answer ."
    words = ["If", "Kyiv", "sends", "its", "list", "of", "prisoners", ",", "we", "will", "answer", "."]
    heads = [2, 2, 10, 4, 2, 4, 5, 10, 10, 10, 10, 10]
    deps = ["mark", "nsubj", "advcl", "poss", "dobj", "prep", "pobj", "punct", "nsubj", "aux", "ROOT", "punct"]
    pos = ["SCONJ", "PROPN", "VERB", "PRON", "NOUN", "ADP", "NOUN", "PUNCT", "PRON", "AUX", "VERB", "PUNCT"]
    lemmas = ["if", "Kyiv", "send", "its", "list", "of", "prisoner", ",", "we", "will", "answer", "."]
    doc = _doc(words, heads, deps, pos, lemmas)
    assert ClaimReader(lexicon).read(doc, {"speaks_for": "russia"}) == []


def _claim(article, holder, claim_type, negated=False, target=None, date="2025-05-20"):
    return Claim(article_id=article, topic="prisoner-exchange", holder=holder, claim_type=claim_type,
                 negated=negated, evidence="x", start=0, end=1, target=target, claim_date=date)


def test_evaluate_micro_scores_targets_and_dates():
    predicted = {"a": [_claim("a", "russia", "list_submitted", target="ukraine"),
                       _claim("a", "russia", "list_submitted", target="ukraine"),  # duplicate key counts once
                       _claim("a", "ukraine", "demand")],
                 "b": [_claim("b", "usa", "demand", date="2025-05-19")]}
    gold = [{"article_id": "a", "claims": [
                {"holder": "russia", "claim_type": "list_submitted", "negated": False, "target": "ukraine",
                 "claim_date": "2025-05-20"},
                {"holder": "russia", "claim_type": "awaiting_counterpart", "negated": False, "target": "ukraine",
                 "claim_date": "2025-05-20"}]},
            {"article_id": "b", "claims": [{"holder": "usa", "claim_type": "demand", "negated": False,
                                            "target": None, "claim_date": "2025-05-20"}]},
            {"article_id": "c", "claims": []}]
    result = evaluate(predicted, gold)
    assert (result.micro.tp, result.micro.fp, result.micro.fn) == (2, 1, 1)
    assert result.micro.precision == pytest.approx(2 / 3)
    assert result.target_accuracy == 1.0 and result.date_accuracy == 0.5
    assert result.per_type["awaiting_counterpart"].fn == 1


def test_read_articles_reports_bad_line_and_goes_on(tmp_path):
    path = tmp_path / "articles.jsonl"
    path.write_text('{"id": "a1", "url": "http://x/1", "text": "One."}\n{oops\n[1]\n'
                    '{"id": "a2", "url": "http://x/2", "text": "Two.", "lang": "en"}\n', encoding="utf-8")
    errors: list[str] = []
    articles = list(read_articles(path, errors.append))
    assert [a.id for a in articles] == ["a1", "a2"] and articles[1].language == "en"
    assert len(errors) == 2 and errors[0].startswith(f"{path}:2: invalid JSON") and f"{path}:3:" in errors[1]


def test_missing_model_is_a_config_error_naming_the_package():
    with pytest.raises(ConfigError, match="pip install no_such_model_xyz"):
        load_model("no_such_model_xyz")
