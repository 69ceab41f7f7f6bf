"""onrecord_rules gives exactly the annotations of the model's own attribute_ruler and lemmatizer."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from onrecord.nlp.pipeline import load_model
from onrecord.nlp.rule_cache import use_rule_cache

SHARED = Path(__file__).resolve().parents[2] / "shared"
RELEASES = SHARED / "corpus" / "ua-ru-press-releases" / "press_releases.jsonl"

# Written for this test: the forms the model's multi-token and LOWER/DEP/regex patterns are about, next to
# the reporting this project reads.
OURS = [
    "Peskov said Moscow had handed over its list, and that the Kremlin is waiting for Kyiv's reply.",
    '"We ain\'t gonna wait forever," he told Interfax; "let\'s see if they got ta answer by Friday."',
    "There are 390 people coming home, and there is no doubt it's the largest exchange so far.",
    "Y'all know nothin' was agreed, c'mon, said a spokesman who wouldn't give his name.",
    "I told them it was not received; you asked me, and it does matter to me whether it gets done.",
    "Ukraine's ombudsman Lubinets said that   the lists\n\nhad been checked twice, because errors happen.",
    "But the sides did not agree, though both have said they'd keep talking while the shelling goes on.",
]


def annotations(doc) -> list[tuple]:
    return [(t.text, t.pos_, t.tag_, t.dep_, str(t.morph), t.lemma_) for t in doc]


@pytest.fixture(scope="module")
def pipelines():
    shipped, cached = load_model("en_core_web_sm"), load_model("en_core_web_sm")
    assert use_rule_cache(cached)
    assert "onrecord_rules" in cached.pipe_names
    assert "attribute_ruler" not in cached.pipe_names and "lemmatizer" not in cached.pipe_names
    return shipped, cached


def test_same_annotations_on_our_sentences(pipelines):
    shipped, cached = pipelines
    for text in OURS:
        assert annotations(cached(text)) == annotations(shipped(text)), text


def test_multi_token_patterns_apply(pipelines):
    """The two-token patterns ("gonna", "let's") set the lemma of the token they name, as the ruler does."""
    _, cached = pipelines
    doc = cached("We're gonna say it: let's go.")
    lemmas = {t.text: t.lemma_ for t in doc}
    assert lemmas["gon"] == "go" and lemmas["na"] == "to"
    assert [t.lemma_ for t in doc if t.text == "'s"] == ["us"]


def test_same_annotations_on_real_releases(pipelines):
    """Real text nobody here wrote: 60 releases, every token equal (a second pass checks the warm caches)."""
    if not RELEASES.exists() and os.environ.get("CI") != "true":  # CI always has ../shared beside the clone
        pytest.skip(f"{RELEASES} not present")
    shipped, cached = pipelines
    texts = [json.loads(line)["text"] for line in RELEASES.read_text(encoding="utf-8").splitlines()[:60]]
    for _ in range(2):
        for mine, theirs in zip(cached.pipe(texts), shipped.pipe(texts), strict=False):
            assert annotations(mine) == annotations(theirs)


def test_unsupported_patterns_keep_the_model_as_shipped():
    nlp = load_model("en_core_web_sm")
    nlp.get_pipe("attribute_ruler").add([[{"LENGTH": 3}]], {"POS": "X"})
    assert not use_rule_cache(nlp)
    assert "attribute_ruler" in nlp.pipe_names and "onrecord_rules" not in nlp.pipe_names
