"""Each named rule of the English claim reader (nlp.claim_rules) on sentences written for it: the sentence the
rule drops, and a close one it lets through. Parsed by the configured spaCy model."""

from __future__ import annotations

from pathlib import Path

import pytest

from onrecord.core.config import load_config
from onrecord.nlp import claim_rules
from onrecord.nlp.context import SentenceContext
from onrecord.nlp.engine import ParseEngine

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def engine():
    return ParseEngine(load_config(ROOT / "config.yaml"), "en")


def verdicts(engine, text: str, speaks_for: str | None = "ukraine") -> dict[str, str | None]:
    """Per cue word of the sentence: the rule that drops its claim, or None when it is kept."""
    nlp = engine.nlp
    reader = nlp.get_pipe("onrecord_claims")
    doc = nlp(text)
    out = {}
    for match in reader.cues(doc):
        reading = reader.reading(doc, match, SentenceContext(speaks_for=speaks_for))
        out[match.anchor.text] = reading.rejected_by
    return out


RULE_CASES = [
    # (rule, sentence it drops, its cue word, a close sentence whose claim of the same cue is kept)
    (
        claim_rules.holder_is_the_accused,
        "We are doing everything so that we are not accused of delaying the exchange.",
        "delaying",
        "Kyiv accused Moscow of delaying the exchange.",
    ),
    (
        claim_rules.held_by_a_non_party,
        "The families demand the return of the prisoners.",
        "demand",
        "We demand the return of the prisoners.",
    ),
    (
        claim_rules.said_by_nobody_on_record,
        "Experts say that Russia rejected the exchange.",
        "rejected",
        "Zelensky said that Russia rejected the exchange.",
    ),
    (
        claim_rules.no_side_comes_home,
        "Twelve members were released from prisons last week.",
        "released",
        "Twelve Ukrainian prisoners were released last week.",
    ),
    (
        claim_rules.freed_by_force,
        "Ukrainian troops freed 40 civilians trapped in a basement during the prisoner exchange talks.",
        "freed",
        "Ukraine freed 40 civilians in the prisoner exchange.",
    ),
    (
        claim_rules.modal_addresses_nobody,
        "Talks on the exchange must be held soon.",
        "must",
        "Russia must return the prisoners.",
    ),
    (
        claim_rules.own_side_behaviour,
        "We will not delay the exchange.",
        "delay",
        "Russia delayed the exchange.",
    ),
    (
        claim_rules.prediction_about_another_side,
        "Russia will not be able to reject the exchange.",
        "reject",
        "We reject the exchange.",
    ),
    (
        claim_rules.no_type_for_the_other_side,
        "Russia proposed an exchange of prisoners.",
        "proposed",
        "We proposed an exchange of prisoners.",
    ),
]


@pytest.mark.parametrize(("rule", "dropped", "cue", "kept"), RULE_CASES, ids=[c[0].__name__ for c in RULE_CASES])
def test_each_rule_drops_its_case_and_keeps_the_close_one(engine, rule, dropped, cue, kept):
    assert verdicts(engine, dropped).get(cue) == rule.__name__
    kept_verdicts = verdicts(engine, kept)
    kept_cue = next(word for word in kept_verdicts if word[:4] == cue[:4])  # the same cue, maybe inflected
    assert kept_verdicts[kept_cue] is None


def test_reported_words_of_the_other_side_need_a_counterpart(engine):
    text = "They claimed that the exchange was delayed."
    assert verdicts(engine, text, speaks_for=None)["delayed"] == "reported_without_counterpart"
    assert verdicts(engine, text, speaks_for="ukraine")["delayed"] != "reported_without_counterpart"


def test_every_rule_is_asked_and_named_once():
    steps = (
        claim_rules.ON_THE_CUE,
        claim_rules.ON_THE_SPEAKER,
        claim_rules.ON_THE_CLAUSE,
        claim_rules.ON_THE_HOLDERS,
    )
    names = [rule.__name__ for step in steps for rule in step]
    assert len(names) == len(set(names)) == 10
    assert all(rule.__doc__ for step in steps for rule in step)
