"""Fast NLP rule tests: sentence splitting, prefilter, party names, cue matching and negation on hand-built
Docs, the scorer and JSON Lines input. No model is loaded here."""

from __future__ import annotations

import pytest
import spacy
from spacy.tokens import Doc

from onrecord.core.errors import ConfigError
from onrecord.core.records import Claim
from onrecord.nlp.claims import ClaimReader
from onrecord.nlp.context import SentenceContext
from onrecord.nlp.evaluate import evaluate
from onrecord.nlp.grammar import Grammar
from onrecord.nlp.jsonl import read_articles
from onrecord.nlp.lexicon import NameMatcher, build_lexicon
from onrecord.nlp.pipeline import load_model
from onrecord.nlp.prefilter import Prefilter, split_sentences


def _side(party: str) -> SentenceContext:
    """The context of a sentence in an article of `party`'s source."""
    return SentenceContext(speaks_for=party)


@pytest.fixture(scope="module")
def lexicon(config):
    return build_lexicon(config, "en")


def test_split_sentences_keeps_abbreviations_and_offsets():
    text = 'Mr. Smith met U.S. envoys on Monday. They talked.\n\n"Fine," he said! - Was it? Yes.'
    spans = split_sentences(text)
    sentences = [text[s:e] for s, e in spans]
    assert sentences == [
        "Mr. Smith met U.S. envoys on Monday.",
        "They talked.",
        '"Fine," he said!',
        "- Was it?",
        "Yes.",
    ]


def test_prefilter_needs_topic_and_cue(lexicon):
    prefilter = Prefilter(lexicon, {"send": ["sent"]})
    assert prefilter.is_candidate("Moscow sent its list of prisoners of war to Kyiv.")
    assert not prefilter.is_candidate("Moscow sent a football team to Kyiv.")  # cue, no topic
    assert not prefilter.is_candidate("The prisoners of war were photographed in the yard.")  # topic, no cue


def test_name_matcher_longest_match_and_case(lexicon):
    names = NameMatcher(lexicon["names"])
    text = "The Kremlin spokesman and US envoys told us that Ukraine's human rights commissioner agreed."
    found = [(text[m.start : m.end], m.party, m.kind) for m in names.find(text)]
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
    claims = ClaimReader(lexicon).read(doc, _side("ukraine"))
    assert [(c["holder"], c["claim_type"], c["negated"]) for c in claims] == [("ukraine", "list_submitted", True)]


def test_conditional_is_not_a_claim(lexicon):
    # "If Kyiv sends its list of prisoners , we will answer ."
    words = ["If", "Kyiv", "sends", "its", "list", "of", "prisoners", ",", "we", "will", "answer", "."]
    heads = [2, 2, 10, 4, 2, 4, 5, 10, 10, 10, 10, 10]
    deps = ["mark", "nsubj", "advcl", "poss", "dobj", "prep", "pobj", "punct", "nsubj", "aux", "ROOT", "punct"]
    pos = ["SCONJ", "PROPN", "VERB", "PRON", "NOUN", "ADP", "NOUN", "PUNCT", "PRON", "AUX", "VERB", "PUNCT"]
    lemmas = ["if", "Kyiv", "send", "its", "list", "of", "prisoner", ",", "we", "will", "answer", "."]
    doc = _doc(words, heads, deps, pos, lemmas)
    assert ClaimReader(lexicon).read(doc, _side("russia")) == []


def _claim(article, holder, claim_type, negated=False, target=None, date="2025-05-20"):
    return Claim(
        article_id=article,
        topic="prisoner-exchange",
        holder=holder,
        claim_type=claim_type,
        negated=negated,
        evidence="x",
        start=0,
        end=1,
        target=target,
        claim_date=date,
    )


def test_evaluate_micro_scores_targets_and_dates():
    predicted = {
        "a": [
            _claim("a", "russia", "list_submitted", target="ukraine"),
            _claim("a", "russia", "list_submitted", target="ukraine"),  # duplicate key counts once
            _claim("a", "ukraine", "demand"),
        ],
        "b": [_claim("b", "usa", "demand", date="2025-05-19")],
    }
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
        {
            "article_id": "b",
            "claims": [
                {"holder": "usa", "claim_type": "demand", "negated": False, "target": None, "claim_date": "2025-05-20"}
            ],
        },
        {"article_id": "c", "claims": []},
    ]
    result = evaluate(predicted, gold)
    assert (result.micro.tp, result.micro.fp, result.micro.fn) == (2, 1, 1)
    assert result.micro.precision == pytest.approx(2 / 3)
    assert result.target_accuracy == 1.0 and result.date_accuracy == 0.5
    assert result.per_type["awaiting_counterpart"].fn == 1


def test_read_articles_reports_bad_line_and_goes_on(tmp_path):
    path = tmp_path / "articles.jsonl"
    path.write_text(
        '{"id": "a1", "url": "http://x/1", "text": "One."}\n{oops\n[1]\n'
        '{"id": "a2", "url": "http://x/2", "text": "Two.", "lang": "en"}\n',
        encoding="utf-8",
    )
    errors: list[str] = []
    articles = list(read_articles(path, errors.append))
    assert [a.id for a in articles] == ["a1", "a2"] and articles[1].language == "en"
    assert len(errors) == 2 and errors[0].startswith(f"{path}:2: invalid JSON") and f"{path}:3:" in errors[1]


def test_missing_model_is_a_config_error_naming_the_package():
    with pytest.raises(ConfigError, match="pip install no_such_model_xyz"):
        load_model("no_such_model_xyz")


def test_trie_prefilter_matches_inflections_and_word_starts():
    from onrecord.nlp.prefilter import trie_regex

    regex = trie_regex(
        [("hand", r"(?:s|es|ed|d|ing)?(?!\w)"), ("negotia", ""), ("sent", r"(?!\w)"), ("prisoner of war", "")]
    )
    assert regex.search("Kyiv handed it over") and regex.search("NEGOTIATIONS resumed")
    assert regex.search("the list was sent.") and regex.search("a prisoner of  war")
    assert not regex.search("a handsome offer") and not regex.search("a sentence") and not regex.search("rehand")


def test_modal_demand_needs_an_addressee(lexicon):
    # "Talks must be held ." -- nobody named is told to act: not a demand
    words = ["Talks", "must", "be", "held", "."]
    doc = _doc(
        words,
        [3, 3, 3, 3, 3],
        ["nsubjpass", "aux", "auxpass", "ROOT", "punct"],
        ["NOUN", "AUX", "AUX", "VERB", "PUNCT"],
        ["talk", "must", "be", "hold", "."],
        ["NNS", "MD", "VB", "VBN", "."],
    )
    assert ClaimReader(lexicon).read(doc, _side("russia")) == []
    # "Moscow must stop the talks delay ." -> a demand addressed to Russia, held by the source's side
    words = ["Moscow", "must", "return", "all", "prisoners", "."]
    doc = _doc(
        words,
        [2, 2, 2, 4, 2, 2],
        ["nsubj", "aux", "ROOT", "det", "dobj", "punct"],
        ["PROPN", "AUX", "VERB", "DET", "NOUN", "PUNCT"],
        ["Moscow", "must", "return", "all", "prisoner", "."],
        ["NNP", "MD", "VB", "DT", "NNS", "."],
    )
    claims = ClaimReader(lexicon).read(doc, _side("ukraine"))
    assert [(c["holder"], c["claim_type"], c["target"]) for c in claims] == [("ukraine", "demand", "russia")]


def test_participle_describing_a_noun_is_not_an_agreement(lexicon):
    # "The exchange of prisoners agreed in Istanbul continues ."
    words = ["The", "exchange", "of", "prisoners", "agreed", "in", "Istanbul", "continues", "."]
    heads = [1, 7, 1, 2, 1, 4, 5, 7, 7]
    deps = ["det", "nsubj", "prep", "pobj", "acl", "prep", "pobj", "ROOT", "punct"]
    pos = ["DET", "NOUN", "ADP", "NOUN", "VERB", "ADP", "PROPN", "VERB", "PUNCT"]
    lemmas = ["the", "exchange", "of", "prisoner", "agree", "in", "Istanbul", "continue", "."]
    tags = ["DT", "NN", "IN", "NNS", "VBN", "IN", "NNP", "VBZ", "."]
    doc = _doc(words, heads, deps, pos, lemmas, tags)
    assert ClaimReader(lexicon).read(doc, _side("russia")) == []


def test_families_waiting_are_not_a_party(lexicon):
    # "Families are waiting for the prisoners ." -- in an official source, still nobody's position
    words = ["Families", "are", "waiting", "for", "the", "prisoners", "."]
    doc = _doc(
        words,
        [2, 2, 2, 2, 5, 3, 2],
        ["nsubj", "aux", "ROOT", "prep", "det", "pobj", "punct"],
        ["NOUN", "AUX", "VERB", "ADP", "DET", "NOUN", "PUNCT"],
        ["family", "be", "wait", "for", "the", "prisoner", "."],
        ["NNS", "VBP", "VBG", "IN", "DT", "NNS", "."],
    )
    assert ClaimReader(lexicon).read(doc, _side("ukraine")) == []


def test_they_claimed_is_reported_of_the_other_side(lexicon):
    # "They claimed that they rejected the prisoner swap ." in a Russian official source -> accusation of Ukraine
    words = ["They", "claimed", "that", "they", "rejected", "the", "prisoner", "swap", "."]
    heads = [1, 1, 4, 4, 1, 7, 7, 4, 1]
    deps = ["nsubj", "ROOT", "mark", "nsubj", "ccomp", "det", "compound", "dobj", "punct"]
    pos = ["PRON", "VERB", "SCONJ", "PRON", "VERB", "DET", "NOUN", "NOUN", "PUNCT"]
    lemmas = ["they", "claim", "that", "they", "reject", "the", "prisoner", "swap", "."]
    doc = _doc(words, heads, deps, pos, lemmas, ["PRP", "VBD", "IN", "PRP", "VBD", "DT", "NN", "NN", "."])
    claims = ClaimReader(lexicon).read(doc, _side("russia"))
    assert [(c["holder"], c["claim_type"], c["target"]) for c in claims] == [("russia", "accusation", "ukraine")]


def test_date_phrase_walk_is_bounded_and_blocked_by_clauses(lexicon):
    from onrecord.nlp.dates import date_phrase

    # "Peskov said on Monday that Kyiv sent the list on Friday ."
    words = ["Peskov", "said", "on", "Monday", "that", "Kyiv", "sent", "the", "list", "on", "Friday", "."]
    heads = [1, 1, 1, 2, 6, 6, 1, 8, 6, 6, 9, 1]
    deps = ["nsubj", "ROOT", "prep", "pobj", "mark", "nsubj", "ccomp", "det", "dobj", "prep", "pobj", "punct"]
    pos = ["PROPN", "VERB", "ADP", "PROPN", "SCONJ", "PROPN", "VERB", "DET", "NOUN", "ADP", "PROPN", "PUNCT"]
    doc = _doc(words, heads, deps, pos, [w.lower() for w in words])
    assert date_phrase(doc[1], doc[6], Grammar.of(lexicon)) == "Monday"
    assert date_phrase(None, doc[6], Grammar.of(lexicon)) == "Friday"


def test_find_attributions_source_cue_content(lexicon):
    from onrecord.nlp.attribution import find_attributions

    # "The minister said that talks would resume ."
    words = ["The", "minister", "said", "that", "talks", "would", "resume", "."]
    heads = [1, 2, 2, 6, 6, 6, 2, 2]
    deps = ["det", "nsubj", "ROOT", "mark", "nsubj", "aux", "ccomp", "punct"]
    pos = ["DET", "NOUN", "VERB", "SCONJ", "NOUN", "AUX", "VERB", "PUNCT"]
    lemmas = ["the", "minister", "say", "that", "talk", "would", "resume", "."]
    doc = _doc(words, heads, deps, pos, lemmas, ["DT", "NN", "VBD", "IN", "NNS", "MD", "VB", "."])
    (found,) = find_attributions(doc, Grammar.of(lexicon))
    assert found.source == (0, 1) and found.cue == (2,) and found.content == (3, 4, 5, 6)


def _keys(claims):
    return [(c["holder"], c["claim_type"], c["negated"], c["target"]) for c in claims]


def test_behaviour_cue_of_own_side_accuses_nobody(lexicon):
    # "We block the exchange of prisoners ." in Kyiv's own release: what Kyiv does, not an accusation
    words = ["We", "block", "the", "exchange", "of", "prisoners", "."]
    heads = [1, 1, 3, 1, 3, 4, 1]
    deps = ["nsubj", "ROOT", "det", "dobj", "prep", "pobj", "punct"]
    pos = ["PRON", "VERB", "DET", "NOUN", "ADP", "NOUN", "PUNCT"]
    tags = ["PRP", "VBP", "DT", "NN", "IN", "NNS", "."]
    lemmas = ["we", "block", "the", "exchange", "of", "prisoner", "."]
    assert ClaimReader(lexicon).read(_doc(words, heads, deps, pos, lemmas, tags), _side("ukraine")) == []
    # the same verb with the other side as subject is Kyiv's accusation of Moscow
    words[0], pos[0], tags[0], lemmas[0] = "Moscow", "PROPN", "NNP", "Moscow"
    claims = ClaimReader(lexicon).read(_doc(words, heads, deps, pos, lemmas, tags), _side("ukraine"))
    assert _keys(claims) == [("ukraine", "accusation", False, "russia")]


def test_prediction_about_the_other_side_is_not_a_claim(lexicon):
    # "Putin will ignore the prisoners ." in a Ukrainian release: a forecast, not Russia's position
    words = ["Putin", "will", "ignore", "the", "prisoners", "."]
    doc = _doc(
        words,
        [2, 2, 2, 4, 2, 2],
        ["nsubj", "aux", "ROOT", "det", "dobj", "punct"],
        ["PROPN", "AUX", "VERB", "DET", "NOUN", "PUNCT"],
        ["Putin", "will", "ignore", "the", "prisoner", "."],
        ["NNP", "MD", "VB", "DT", "NNS", "."],
    )
    assert ClaimReader(lexicon).read(doc, _side("ukraine")) == []


def test_as_agreed_and_embedded_question_are_not_claims(lexicon):
    # "Talks resumed , as agreed in Minsk ." -- a reference to an agreement, not one
    words = ["Talks", "resumed", ",", "as", "agreed", "in", "Minsk", "."]
    heads = [1, 1, 1, 4, 1, 4, 5, 1]
    deps = ["nsubj", "ROOT", "punct", "mark", "advcl", "prep", "pobj", "punct"]
    pos = ["NOUN", "VERB", "PUNCT", "SCONJ", "VERB", "ADP", "PROPN", "PUNCT"]
    tags = ["NNS", "VBD", ",", "IN", "VBN", "IN", "NNP", "."]
    doc = _doc(words, heads, deps, pos, [w.lower() for w in words[:4]] + ["agree", "in", "Minsk", "."], tags)
    assert ClaimReader(lexicon).read(doc, _side("russia")) == []
    # "Everyone knows who blocked the talks ." -- what someone knows, held by nobody on record
    words = ["Everyone", "knows", "who", "blocked", "the", "talks", "."]
    doc = _doc(
        words,
        [1, 1, 3, 1, 5, 3, 1],
        ["nsubj", "ROOT", "nsubj", "ccomp", "det", "dobj", "punct"],
        ["PRON", "VERB", "PRON", "VERB", "DET", "NOUN", "PUNCT"],
        ["everyone", "know", "who", "block", "the", "talk", "."],
        ["NN", "VBZ", "WP", "VBD", "DT", "NNS", "."],
    )
    assert ClaimReader(lexicon).read(doc, _side("ukraine")) == []


def test_release_needs_people_of_a_side(lexicon):
    # "Members were released from jails ." -- a release, but nobody's people in an exchange
    words = ["Members", "were", "released", "from", "jails", "."]
    deps = ["nsubjpass", "auxpass", "ROOT", "prep", "pobj", "punct"]
    pos = ["NOUN", "AUX", "VERB", "ADP", "NOUN", "PUNCT"]
    tags = ["NNS", "VBD", "VBN", "IN", "NNS", "."]
    lemmas = ["member", "be", "release", "from", "jail", "."]
    doc = _doc(words, [2, 2, 2, 2, 3, 2], deps, pos, lemmas, tags)
    assert ClaimReader(lexicon).read(doc, _side("russia")) == []
    words[0], lemmas[0] = "Soldiers", "soldier"
    doc = _doc(words, [2, 2, 2, 2, 3, 2], deps, pos, lemmas, tags)
    assert [c["claim_type"] for c in ClaimReader(lexicon).read(doc, _side("russia"))] == ["exchange_completed"]


def test_topic_is_between_the_sides_and_in_its_own_sense(lexicon):
    reader = ClaimReader(lexicon)
    assert reader.topic_of("The deal was reached in negotiations with Mr. Brown and his cabinet.") is None
    assert reader.topic_of("Talks with Portuguese Prime Minister Silva went well.") is None
    assert reader.topic_of("Negotiations with the Russian side in Istanbul went on.") == "peace-talks"
    assert reader.topic_of("We are ready to exchange experience and hold an exchange of views.") is None
    assert reader.topic_of("They agreed to continue delegation exchanges.") is None
    assert reader.topic_of("Nobody will give up land in exchange for promises.") is None
    assert reader.topic_of("The exchange was carried out on the border.") == "prisoner-exchange"
    assert reader.topic_of("Moscow and Kyiv exchanged 300 prisoners.") == "prisoner-exchange"


def test_only_quotes_and_pronoun_openers_continue_a_passage_topic(lexicon):
    prefilter = Prefilter(lexicon)
    assert prefilter.continues_passage("They refuse to give any date.")
    assert prefilter.continues_passage("And according to him, nothing has changed.")
    assert prefilter.continues_passage('"We are still waiting."')
    assert prefilter.continues_passage("Nothing has changed since.", in_quote=True)
    assert not prefilter.continues_passage("In this context, the ports were blocked for weeks.")


def test_line_break_ends_a_sentence_after_a_capital_letter():
    text = 'Kyiv must act," the envoy wrote on X.\nA second envoy agreed. Mr. Smith met U.S. envoys.'
    assert [text[s:e] for s, e in split_sentences(text)] == [
        'Kyiv must act," the envoy wrote on X.',
        "A second envoy agreed.",
        "Mr. Smith met U.S. envoys.",
    ]


def test_background_clause_and_without_are_not_claims(lexicon):
    # "Shelling went on while envoys were holding negotiations ." -- background, nobody's commitment
    words = ["Shelling", "went", "on", "while", "envoys", "were", "holding", "negotiations", "."]
    heads = [1, 1, 1, 6, 6, 6, 1, 6, 1]
    deps = ["nsubj", "ROOT", "prt", "mark", "nsubj", "aux", "advcl", "dobj", "punct"]
    pos = ["NOUN", "VERB", "ADP", "SCONJ", "NOUN", "AUX", "VERB", "NOUN", "PUNCT"]
    lemmas = ["shelling", "go", "on", "while", "envoy", "be", "hold", "negotiation", "."]
    tags = ["NN", "VBD", "RP", "IN", "NNS", "VBD", "VBG", "NNS", "."]
    assert ClaimReader(lexicon).read(_doc(words, heads, deps, pos, lemmas, tags), _side("ukraine")) == []
    # "We exchange prisoners without waiting for talks ." -- no waiting is stated
    words = ["We", "exchange", "prisoners", "without", "waiting", "for", "talks", "."]
    heads = [1, 1, 1, 1, 3, 4, 5, 1]
    deps = ["nsubj", "ROOT", "dobj", "prep", "pcomp", "prep", "pobj", "punct"]
    pos = ["PRON", "VERB", "NOUN", "ADP", "VERB", "ADP", "NOUN", "PUNCT"]
    lemmas = ["we", "exchange", "prisoner", "without", "wait", "for", "talk", "."]
    tags = ["PRP", "VBP", "NNS", "IN", "VBG", "IN", "NNS", "."]
    claims = ClaimReader(lexicon).read(_doc(words, heads, deps, pos, lemmas, tags), _side("ukraine"))
    assert "awaiting_counterpart" not in {c["claim_type"] for c in claims}


def test_factual_cue_under_an_obligation_is_not_a_fact(lexicon):
    # "Moscow must show that it is serious and accept the ceasefire ." -- required of Moscow, not agreed
    words = ["Moscow", "must", "show", "that", "it", "is", "serious", "and", "accept", "the", "ceasefire", "."]
    heads = [2, 2, 2, 5, 5, 2, 5, 5, 5, 10, 8, 2]
    deps = ["nsubj", "aux", "ROOT", "mark", "nsubj", "ccomp", "acomp", "cc", "conj", "det", "dobj", "punct"]
    pos = ["PROPN", "AUX", "VERB", "SCONJ", "PRON", "AUX", "ADJ", "CCONJ", "VERB", "DET", "NOUN", "PUNCT"]
    lemmas = ["Moscow", "must", "show", "that", "it", "be", "serious", "and", "accept", "the", "ceasefire", "."]
    tags = ["NNP", "MD", "VB", "IN", "PRP", "VBZ", "JJ", "CC", "VB", "DT", "NN", "."]
    claims = ClaimReader(lexicon).read(_doc(words, heads, deps, pos, lemmas, tags), _side("ukraine"))
    assert "agreement" not in {c["claim_type"] for c in claims}
