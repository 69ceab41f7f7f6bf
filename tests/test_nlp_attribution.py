"""Attribution reading (nlp.attribution.find_attributions): who said / believes / wants what, with source, cue
and content token spans. Fast tests run on hand-built parses; the slow ones parse sentences we wrote with the
real English model (loaded once for the module)."""

from __future__ import annotations

import pytest
import spacy
from spacy.tokens import Doc

from onrecord.nlp.attribution import Attribution, _quote_spans, find_attributions
from onrecord.nlp.lexicon import grammar_for


@pytest.fixture(scope="module")
def grammar():
    return grammar_for("en")


def _doc(rows):
    """A parsed Doc from rows of (word, head index, dep, pos, lemma, tag)."""
    words, heads, deps, pos, lemmas, tags = (list(column) for column in zip(*rows, strict=False))
    return Doc(spacy.blank("en").vocab, words=words, heads=heads, deps=deps, pos=pos, lemmas=lemmas, tags=tags)


def test_quote_spans_pair_curly_and_straight_marks_across_sentences():
    doc = Doc(
        spacy.blank("en").vocab, words=["“", "Rain", ".", "Wind", ",", "”", "he", "said", ".", '"', "Yes", '"', "."]
    )
    assert _quote_spans(doc) == [(1, 5), (10, 11)]


def test_quote_opened_in_an_earlier_sentence_is_all_content(grammar):
    # “ Prices will fall . || Shops are ready , ” the owner said .
    doc = _doc(
        [
            ("“", 3, "punct", "PUNCT", "“", "``"),
            ("Prices", 3, "nsubj", "NOUN", "price", "NNS"),
            ("will", 3, "aux", "AUX", "will", "MD"),
            ("fall", 3, "ROOT", "VERB", "fall", "VB"),
            (".", 3, "punct", "PUNCT", ".", "."),
            ("Shops", 6, "nsubj", "NOUN", "shop", "NNS"),
            ("are", 12, "ccomp", "AUX", "be", "VBP"),
            ("ready", 6, "acomp", "ADJ", "ready", "JJ"),
            (",", 12, "punct", "PUNCT", ",", ","),
            ("”", 12, "punct", "PUNCT", "”", "''"),
            ("the", 11, "det", "DET", "the", "DT"),
            ("owner", 12, "nsubj", "NOUN", "owner", "NN"),
            ("said", 12, "ROOT", "VERB", "say", "VBD"),
            (".", 12, "punct", "PUNCT", ".", "."),
        ]
    )
    first, second = list(doc.sents)
    assert find_attributions(first, grammar) == []  # nothing is said inside the quotation itself
    assert find_attributions(second, grammar) == [Attribution((10, 11), (12,), (1, 2, 3, 5, 6, 7))]


def test_parenthetical_said_takes_the_clause_it_interrupts(grammar):
    # The ferry , the council said , leaves late .
    doc = _doc(
        [
            ("The", 1, "det", "DET", "the", "DT"),
            ("ferry", 7, "nsubj", "NOUN", "ferry", "NN"),
            (",", 5, "punct", "PUNCT", ",", ","),
            ("the", 4, "det", "DET", "the", "DT"),
            ("council", 5, "nsubj", "NOUN", "council", "NN"),
            ("said", 7, "parataxis", "VERB", "say", "VBD"),
            (",", 5, "punct", "PUNCT", ",", ","),
            ("leaves", 7, "ROOT", "VERB", "leave", "VBZ"),
            ("late", 7, "advmod", "ADV", "late", "RB"),
            (".", 7, "punct", "PUNCT", ".", "."),
        ]
    )
    assert find_attributions(doc, grammar) == [Attribution((3, 4), (5,), (0, 1, 7, 8))]


def test_participle_inherits_the_subject_of_its_verb(grammar):
    # The captain left early , warning that storms were near .
    doc = _doc(
        [
            ("The", 1, "det", "DET", "the", "DT"),
            ("captain", 2, "nsubj", "NOUN", "captain", "NN"),
            ("left", 2, "ROOT", "VERB", "leave", "VBD"),
            ("early", 2, "advmod", "ADV", "early", "RB"),
            (",", 2, "punct", "PUNCT", ",", ","),
            ("warning", 2, "advcl", "VERB", "warn", "VBG"),
            ("that", 8, "mark", "SCONJ", "that", "IN"),
            ("storms", 8, "nsubj", "NOUN", "storm", "NNS"),
            ("were", 5, "ccomp", "AUX", "be", "VBD"),
            ("near", 8, "acomp", "ADV", "near", "RB"),
            (".", 2, "punct", "PUNCT", ".", "."),
        ]
    )
    assert find_attributions(doc, grammar) == [Attribution((0, 1), (5,), (6, 7, 8, 9))]


def test_possessive_claim_noun_is_a_cue_with_its_owner_as_source(grammar):
    # They doubted the mayor 's claim that rents fell .
    doc = _doc(
        [
            ("They", 1, "nsubj", "PRON", "they", "PRP"),
            ("doubted", 1, "ROOT", "VERB", "doubt", "VBD"),
            ("the", 3, "det", "DET", "the", "DT"),
            ("mayor", 5, "poss", "NOUN", "mayor", "NN"),
            ("'s", 3, "case", "PART", "'s", "POS"),
            ("claim", 1, "dobj", "NOUN", "claim", "NN"),
            ("that", 8, "mark", "SCONJ", "that", "IN"),
            ("rents", 8, "nsubj", "NOUN", "rent", "NNS"),
            ("fell", 5, "acl", "VERB", "fall", "VBD"),
            (".", 1, "punct", "PUNCT", ".", "."),
        ]
    )
    found = find_attributions(doc, grammar)
    assert Attribution((2, 3, 4), (5,), (6, 7, 8)) in found
    assert Attribution((0,), (1,), (2, 3, 4, 5, 6, 7, 8)) in found  # "doubted" holds a stance too


def test_modal_speech_verb_is_not_a_report(grammar):
    # Nobody would say that .
    doc = _doc(
        [
            ("Nobody", 2, "nsubj", "PRON", "nobody", "NN"),
            ("would", 2, "aux", "AUX", "would", "MD"),
            ("say", 2, "ROOT", "VERB", "say", "VB"),
            ("that", 2, "dobj", "PRON", "that", "DT"),
            (".", 2, "punct", "PUNCT", ".", "."),
        ]
    )
    assert find_attributions(doc, grammar) == []


@pytest.fixture(scope="module")
def parse():
    from onrecord.nlp.pipeline import load_model

    nlp = load_model("en_core_web_sm")

    def read(text: str) -> list[tuple[str, str, str]]:
        doc = nlp(text)
        words = lambda ix: " ".join(doc[i].text for i in ix)  # noqa: E731
        return [
            (words(a.source), words(a.cue), words(a.content))
            for sentence in doc.sents
            for a in find_attributions(sentence, grammar_for("en"))
        ]

    return read


@pytest.mark.slow
def test_model_quote_over_two_sentences(parse):
    assert parse("“The bridge will reopen in spring. Crews are already on site,” the mayor said.") == [
        ("the mayor", "said", "The bridge will reopen in spring Crews are already on site")
    ]


@pytest.mark.slow
def test_model_according_to_and_called_for(parse):
    assert parse("Ticket sales doubled last year, according to the festival organisers.") == [
        ("the festival organisers", "according to", "Ticket sales doubled last year")
    ]
    assert parse("The farmers' union has called for a freeze on water prices.") == [
        ("The farmers union", "has called for", "a freeze on water prices")
    ]
    assert parse("The new timetable was endorsed by the rail union.") == [
        ("the rail union", "was endorsed", "The new timetable")
    ]


@pytest.mark.slow
def test_model_relative_pronoun_source_and_plain_statement(parse):
    assert parse("A teacher who said the exam was too hard was greeted by parents.") == [
        ("who", "said", "the exam was too hard")
    ]
    assert parse("The river flooded the valley in March.") == []


@pytest.mark.slow
def test_model_speech_source_through_participle(config):
    """The claim reader's holder of a cue under "…, saying that…" is the subject of the governing verb."""
    from onrecord.nlp.attribution import speech_source
    from onrecord.nlp.grammar import Grammar
    from onrecord.nlp.lexicon import NameMatcher, build_lexicon
    from onrecord.nlp.pipeline import load_model

    lexicon = build_lexicon(config, "en")
    doc = load_model("en_core_web_sm")(
        "The Kremlin spokesman met reporters on Friday, saying that the talks had stalled."
    )
    anchor = next(t for t in doc if t.lower_ == "stalled")
    source, verb = speech_source(anchor, NameMatcher(lexicon["names"]), Grammar.of(lexicon))
    assert verb is not None and verb.lower_ == "saying"
    assert (source.kind, source.parties, source.by_speech) == ("named", ("russia",), True)
