"""The learned reader: candidates by exact rules, a model trained, saved, loaded and used by the extractor.

The model here is trained in the test on passages written for it, so what it must find is known; the shipped
models are measured by `onrecord eval --corpus`, not here.
"""

from __future__ import annotations

import numpy as np
import pytest

from onrecord.core.errors import ConfigError
from onrecord.core.records import Article, Claim
from onrecord.nlp.corpus.store import Passage
from onrecord.nlp.evaluate import Score
from onrecord.nlp.extractor import Extractor
from onrecord.nlp.learned import train
from onrecord.nlp.learned.features import Featurizer
from onrecord.nlp.learned.model import ReaderModel
from onrecord.nlp.learned.reader import LearnedReader

TEMPLATES = [  # (text, gold claims as (holder, type, negated) of the whole text)
    (
        "Kremlin spokesman Dmitry Peskov said Russia had handed over its list of prisoners to Kyiv.",
        [("russia", "list_submitted", False)],
    ),
    (
        "Russia has handed over its list of prisoners for the exchange, Dmitry Peskov said.",
        [("russia", "list_submitted", False)],
    ),
    ("Volodymyr Zelensky said Ukraine had handed over its list of prisoners.", [("ukraine", "list_submitted", False)]),
    (
        "Ukraine handed over its list of prisoners on Monday, Volodymyr Zelensky said.",
        [("ukraine", "list_submitted", False)],
    ),
    (
        "Dmitry Peskov said Russia was still waiting for the Ukrainian list of prisoners.",
        [("russia", "awaiting_counterpart", False)],
    ),
    (
        "Russia is waiting for Kyiv's list of prisoners, Dmitry Peskov said.",
        [("russia", "awaiting_counterpart", False)],
    ),
    (
        "Volodymyr Zelensky said Ukraine was waiting for the Russian list of prisoners.",
        [("ukraine", "awaiting_counterpart", False)],
    ),
    (
        "Ukraine is still waiting for Moscow's list of prisoners, Volodymyr Zelensky said.",
        [("ukraine", "awaiting_counterpart", False)],
    ),
    ("Dmitry Peskov said Russia had not handed over any list of prisoners.", [("russia", "list_submitted", True)]),
    (
        "Volodymyr Zelensky said Ukraine had not handed over any list of prisoners yet.",
        [("ukraine", "list_submitted", True)],
    ),
    ("The prisoner exchange was discussed at length by the Russian and Ukrainian media.", []),
    ("Prisoners of war were shown on Russian television, Dmitry Peskov said nothing about it.", []),
    ("The weather in Kyiv was warm when the prisoners' families gathered.", []),
    ("Grain prices rose as traders in Moscow and Kyiv watched the exchange rate.", []),
]


def passage(index: int, text: str, claims: list[tuple[str, str, bool]]) -> Passage:
    article = Article(
        id=f"t{index}",
        url=f"https://test.example/{index}",
        canonical_url=f"https://test.example/{index}",
        source="test.example",
        title="",
        text=text,
        published="2025-05-20",
        language="en",
    )
    gold = [
        {"holder": h, "claim_type": t, "negated": n, "evidence_start": 0, "evidence_end": len(text)}
        for h, t, n in claims
    ]
    return Passage({"pid": article.id, "corpus": "test", "record": article.id}, article, gold)


@pytest.fixture(scope="module")
def trained_model(config, tmp_path_factory):
    """(folder, model): a reader model trained on the templates (three copies each), and where it was saved."""
    featurizer = Featurizer(config, "en")
    passages = [passage(i * 100 + k, text, claims) for k, (text, claims) in enumerate(TEMPLATES) for i in range(3)]
    data = train.examples(passages, featurizer)
    labels = [c.id for c in config.claim_types]
    parts = train.train_models(data, labels, 4.0)
    folder = tmp_path_factory.mktemp("reader") / "en"
    model = ReaderModel(parts, {"*": 0.5, "second_holder": 1.1}, {"rule_features": False})
    model.save(folder)
    return folder, model


@pytest.fixture(scope="module")
def trained(trained_model):
    return trained_model[0]


def keys(claims):
    return {(c.holder, c.claim_type, c.negated) for c in claims}


def test_candidates_come_from_names_speakers_around_and_never_an_agency(config):
    featurizer = Featurizer(config, "en")
    text = (
        "Kremlin spokesman Dmitry Peskov told Interfax that the list of prisoners had been sent. "
        '"We are waiting for the counterpart list," he added. '
        "Another 84 prisoners of war are home. The Coordination Headquarters announced this."
    )
    article = Article(id="a", url="u", canonical_url="u", source="s", title="", text=text, language="en")
    candidates = featurizer.candidates(article)
    holders = {(c.sentence, c.holder) for c in candidates}
    assert (0, "russia") in holders
    assert (1, "russia") in holders  # the running quote takes the speaker of the sentence before
    assert any("r:prev1" in c.features for c in candidates if c.sentence == 1 and c.holder == "russia")
    assert (2, "ukraine") in holders  # attribution in the next sentence
    assert all(c.holder != "Interfax" for c in candidates)
    assert featurizer.via(text[:90]) == "Interfax"


def test_a_trained_model_reads_new_sentences_of_the_forms_it_learned(config, trained):
    reader = LearnedReader(config, "en", folder=trained)
    article = Article(
        id="n",
        url="u",
        canonical_url="u",
        source="s",
        title="",
        language="en",
        published="2025-05-21T08:00:00Z",
        text="Dmitry Peskov said Russia had handed over its new list of prisoners to the Ukrainian side.",
    )
    claims = reader.claims(article, version="test")
    assert keys(claims) == {("russia", "list_submitted", False)}
    claim = claims[0]
    assert claim.speaker == "Dmitry Peskov" and claim.topic == "prisoner-exchange"
    assert claim.evidence == article.text and (claim.start, claim.end) == (0, len(article.text))
    assert claim.claim_date == "2025-05-21" and 0.5 <= claim.confidence <= 1
    off = Article(
        id="o",
        url="u",
        canonical_url="u",
        source="s",
        title="",
        language="en",
        text="The weather in Moscow was warm as prisoners' families gathered.",
    )
    assert reader.claims(off) == []


def test_saved_model_loads_with_the_same_probabilities(config, trained_model):
    folder, model = trained_model
    loaded = ReaderModel.load(folder)
    assert set(loaded.parts) == {"claim", "types", "holder", "negation"}
    assert loaded.thresholds == {"*": 0.5, "second_holder": 1.1}
    featurizer = Featurizer(config, "en")
    candidates = featurizer.candidates(passage(1, *TEMPLATES[0]).article)
    rows = [c.features for c in candidates] + [c.sentence_features for c in candidates] + [()]
    for name in ("claim", "types", "holder", "negation"):
        before, after = model.parts[name].probabilities(rows), loaded.parts[name].probabilities(rows)
        assert np.allclose(before, after, atol=1e-6), name
    # the rows are not all alike: the weights that were saved are ones that tell them apart
    assert model.types.probabilities(rows).std() > 0.01


def test_a_missing_model_is_a_config_error_that_says_what_to_do(config, tmp_path):
    with pytest.raises(ConfigError, match="make train"):
        ReaderModel.load(tmp_path / "nothing")


def test_the_extractor_uses_the_configured_engine_per_language(config, trained):
    languages = {
        code: s.model_copy(
            update={"engine": "learned", "reader": str(trained)} if code == "en" else {"engine": "rules"}
        )
        for code, s in config.nlp.languages.items()
    }
    learned = config.model_copy(update={"nlp": config.nlp.model_copy(update={"languages": languages})})
    extractor = Extractor(learned)
    assert extractor.reader("en") is not None and extractor.reader("ru") is None
    article = Article.create(
        url="https://test.example/x",
        source="test.example",
        title="",
        language="en",
        text="Volodymyr Zelensky said Ukraine was still waiting for the Russian list of prisoners.",
    )
    ((_, claims),) = list(extractor.extract([article]))
    assert keys(claims) == {("ukraine", "awaiting_counterpart", False)}
    assert Extractor(config.with_engine("rules")).reader("en") is None
    assert Extractor(learned).version != Extractor(config.with_engine("rules")).version


def test_auto_engine_is_learned_where_a_model_exists(config, trained, tmp_path):
    def with_language(code, **settings):
        languages = dict(config.nlp.languages)
        languages[code] = languages.get(code, languages["en"]).model_copy(update=settings)
        return config.model_copy(update={"nlp": config.nlp.model_copy(update={"languages": languages})})

    assert Extractor(with_language("en", engine="auto", reader=str(trained))).engine("en") == "learned"
    assert Extractor(with_language("en", engine="auto", reader=str(tmp_path / "none"))).engine("en") == "rules"
    assert Extractor(with_language("en", engine="rules", reader=str(trained))).engine("en") == "rules"


def test_retraining_to_the_same_weights_keeps_the_reader_fingerprint(config, trained, tmp_path):
    import json
    import shutil

    copy = tmp_path / "en"
    shutil.copytree(trained, copy)
    meta = json.loads((copy / "model.json").read_text())
    meta["card"]["seconds"] = 123.4  # a later run of the same training
    (copy / "model.json").write_text(json.dumps(meta))
    original = LearnedReader(config, "en", folder=trained).fingerprint()
    assert LearnedReader(config, "en", folder=copy).fingerprint() == original
    meta["thresholds"]["*"] = 0.9
    (copy / "model.json").write_text(json.dumps(meta))
    assert LearnedReader(config, "en", folder=copy).fingerprint() != original


def test_russian_candidates_for_a_headline_a_following_attribution_and_a_quote_block(config):
    featurizer = Featurizer(config, "ru")
    article = Article(
        id="r",
        url="u",
        canonical_url="u",
        source="s",
        language="ru",
        title="Песков: Москва передала свой список для обмена пленными",
        text="Россия передала Киеву список военнопленных для обмена. Ответа пока нет. Об этом сообщил "
        "пресс-секретарь президента Дмитрий Песков.\n\nЦитата: «Мы ждем списка от украинской "
        "стороны».",
    )
    by = {(c.sentence, c.holder): c for c in featurizer.candidates(article)}
    assert "r:title:speaker" in by[(0, "russia")].features and by[(0, "russia")].speaker == "Dmitry Peskov"
    assert "r:next:speaker" in by[(1, "russia")].features  # "Ответа пока нет." attributed by the next sentence
    assert "r:prev1" in by[(3, "russia")].features  # the "Цитата:" block takes the speaker named just before


def test_written_passages_count_by_their_weight(config):
    """A passage written by the project (corpus onrecord-written) counts `written` of a real one: at weight 0 the
    model is the one trained on the real passages alone; at weight 1 written passages that contradict them pull the
    probability down."""
    featurizer = Featurizer(config, "en")
    real = [passage(i * 100 + k, text, claims) for k, (text, claims) in enumerate(TEMPLATES) for i in range(3)]
    contrary = []
    for i in range(4):  # the same list sentences, written with no claim
        for k, (text, _) in enumerate(TEMPLATES[:4]):
            p = passage(9000 + i * 10 + k, text, [])
            p.ref.update(corpus="onrecord-written", record=f"wx-{i}-{k}")
            contrary.append(p)
    labels = [c.id for c in config.claim_types]
    alone = train.train_models(train.examples(real, featurizer), labels, 4.0)
    both = train.examples(real + contrary, featurizer)
    assert sum(ex.record.startswith("onrecord-written/") for ex in both) == len(contrary)
    ignored = train.train_models(both, labels, 4.0, written=0.0)
    counted = train.train_models(both, labels, 4.0, written=1.0)
    row = [featurizer.candidates(real[0].article)[0].sentence_features]

    def p_claim(parts):
        return float(parts["claim"].probabilities(row)[0, 0])

    assert p_claim(ignored) == pytest.approx(p_claim(alone), abs=0.02)
    assert p_claim(counted) < p_claim(ignored) - 0.1


class _ToyScorer:
    """Held-out reads where reading `concern` and `demand` from the rules alone both raise F1 (the model's own
    guesses of them are mostly wrong)."""

    def __init__(self):
        self.labels = ["concern", "demand", "proposal"]
        self.learned = {"concern", "demand", "proposal"}
        self.rules_only: set[str] = set()

    def score(self, thresholds, only=None):
        fp = 40 - 15 * ("concern" in self.rules_only) - 10 * ("demand" in self.rules_only)
        return Score(tp=50, fp=fp, fn=50)


def test_a_type_is_read_from_the_rules_alone_only_where_the_rules_claims_are_kept():
    # demand's rule claims are kept (bar 0.2): reading it from them alone is a choice; concern's never are (1.1),
    # so "from the rules alone" would mean never reading a configured type, however it scores
    thresholds = {"*": 0.2, "rule_backed": 0.2, "rule_backed:concern": 1.1}
    assert train.choose_rules_only(_ToyScorer(), thresholds) == {"demand"}
    assert train.choose_rules_only(_ToyScorer(), thresholds | {"rule_backed:concern": 0.1}) == {"concern", "demand"}


def test_a_rule_claim_the_model_backs_carries_the_models_confidence_not_the_rules(config, trained_model):
    _, model = trained_model
    backing = ReaderModel(model.parts, {"*": 1.1, "rule_backed": 0.0}, {"rule_features": False})  # rules' only
    reader = LearnedReader(config, "en", model=backing)
    text = "Dmitry Peskov said Russia had handed over its new list of prisoners to the Ukrainian side."
    article = Article(
        id="r", url="u", canonical_url="u", source="s", title="", language="en", published="2025-05-21", text=text
    )
    rule = Claim("r", "prisoner-exchange", "russia", "list_submitted", False, text, 0, len(text), confidence=0.9)
    (claim,) = reader.claims(article, rule_claims=[rule])
    rows = [reader.featurizer.candidates(article)[0].sentence_features]
    score = backing.types.probabilities(rows) * backing.claim.probabilities(rows)[:, :1]
    expected = round(float(score[0, backing.types.labels.index("list_submitted")]), 4)
    assert claim.confidence == expected != 0.9
    # min_confidence then compares the rule's claims and the model's on one scale
    assert (claim.holder, claim.claim_type, claim.evidence) == ("russia", "list_submitted", text)
