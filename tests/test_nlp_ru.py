"""Russian claim extraction (blank spaCy + pymorphy3 lemmas) on sentences written for these tests."""

from __future__ import annotations

import pytest

from onrecord.core.records import Article
from onrecord.nlp.extractor import Extractor
from onrecord.nlp.lemma_match import LemmaNameMatcher, lemma_helpers
from onrecord.nlp.lexicon import build_lexicon
from onrecord.nlp.morph import morph_for

PUBLISHED = "2025-05-24T10:00:00Z"  # a Saturday


@pytest.fixture(scope="module")
def extractor(config) -> Extractor:
    return Extractor(config.with_engine("rules"))  # these tests are the rule engine's (nlp.claims*)


def claims_of(extractor: Extractor, text: str, language: str = "ru", **fields) -> list:
    article = Article.create(
        url=f"https://example.test/{abs(hash(text))}",
        source="test-wire",
        title="",
        text=text,
        language=language,
        published=fields.pop("published", PUBLISHED),
        **fields,
    )
    [(_, claims)] = list(extractor.extract([article]))
    return claims


def keys(claims) -> set[tuple[str, str, bool]]:
    return {(c.holder, c.claim_type, c.negated) for c in claims}


@pytest.mark.parametrize(
    "text, expected",
    [
        # the same cue across tense, aspect, voice and word order
        ("Песков заявил, что Москва передала Киеву список военнопленных.", ("russia", "list_submitted", False)),
        ("Список военнопленных передан украинской стороне, сообщил Песков.", ("russia", "list_submitted", False)),
        (
            "Украинской стороне российская сторона уже передавала списки пленных, напомнил Мединский.",
            ("russia", "list_submitted", False),
        ),
        # a future form is a promise: a commitment, not a fact
        ("Мы передадим свой список пленных в понедельник, — сказал Мединский.", ("russia", "commitment", False)),
        ("Россия готова продолжить переговоры об обмене пленными, заявил Ушаков.", ("russia", "commitment", False)),
        (
            "Турция предложила провести новый раунд переговоров в Стамбуле, сообщил Фидан.",
            ("turkey", "proposal", False),
        ),
        ("США призвали Россию и Украину обменяться всеми военнопленными.", ("usa", "demand", False)),
    ],
)
def test_cues_match_on_lemmas(extractor, text, expected):
    assert expected in keys(claims_of(extractor, text))


def test_not_received_is_awaiting_the_counterpart(extractor):
    claims = claims_of(extractor, "Ответного списка пленных от Киева мы пока не получили, сообщила Москалькова.")
    assert keys(claims) == {("russia", "awaiting_counterpart", False)}
    assert claims[0].speaker == "Tatyana Moskalkova" and claims[0].target == "ukraine"


def test_flat_negation_is_kept(extractor):
    claims = claims_of(extractor, "Зеленский заявил, что Украина не соглашалась на такой обмен пленными.")
    assert ("ukraine", "agreement", True) in keys(claims)


@pytest.mark.parametrize(
    "text, speaker",
    [
        ("По словам Пескова, Россия уже передала свой список военнопленных.", "Dmitry Peskov"),
        ("«Мы передали свой список военнопленных», — заявил Песков «Интерфаксу».", "Dmitry Peskov"),
        ("Как сообщил пресс-секретарь Кремля Дмитрий Песков, Москва передала список военнопленных.", "Dmitry Peskov"),
        ("Песков: Россия передала Украине список военнопленных", "Dmitry Peskov"),
    ],
)
def test_inflected_names_and_reporting_forms(extractor, text, speaker):
    claims = claims_of(extractor, text)
    assert keys(claims) == {("russia", "list_submitted", False)}
    assert claims[0].speaker == speaker


def test_agency_is_via_never_the_holder(extractor):
    claims = claims_of(extractor, "«Мы передали свой список военнопленных», — заявил Песков «Интерфаксу».")
    assert claims[0].via == "Interfax" and claims[0].holder == "russia"
    assert claims_of(extractor, "ТАСС: обмен пленными состоялся на границе с Белоруссией") == []
    claims = claims_of(extractor, "CNN: США обеспокоены затягиванием переговоров об обмене заключенными")
    assert keys(claims) == {("usa", "concern", False)} and claims[0].via == "CNN"


def test_trailing_dash_source_and_impersonal_places(extractor):
    claims = claims_of(extractor, "Из плена возвращены 90 российских военнослужащих — Минобороны РФ.")
    assert keys(claims) == {("russia", "exchange_completed", False)}
    claims = claims_of(extractor, "В Кремле заявили, что продолжают работу над обменом пленными.")
    assert ("russia", "commitment", False) in keys(claims)


def test_reported_other_side_is_coded_from_the_speaker(extractor):
    claims = claims_of(extractor, "Москалькова отметила, что Киев затягивает процесс обмена пленными.")
    assert keys(claims) == {("russia", "accusation", False)}
    assert claims[0].target == "ukraine"


@pytest.mark.parametrize(
    "text",
    [
        "Если Киев передаст список пленных, Москва ответит, сказал Песков.",
        "Передала ли Россия список пленных?",
        "46 жителей Курской области вернулись домой после обмена пленными.",  # the outlet's own narration
        "Пленных обменяют, — экс-глава МИД Украины Кулеба в интервью Sky News.",  # a former official
        "Глава миссии ООН призвала стороны гуманно обращаться с пленными.",  # treatment, not exchange
        "Москалькова встретилась с семьями военнопленных, чтобы вернуть их домой.",  # a purpose, not a fact
    ],
)
def test_not_claims(extractor, text):
    assert claims_of(extractor, text) == []


@pytest.mark.parametrize(
    "text, day",
    [
        ("В четверг Песков заявил, что Россия передала список военнопленных.", "2025-05-22"),
        ("Песков вчера сообщил, что Россия передала список военнопленных.", "2025-05-23"),
        ("Песков сообщил, что Россия передала список военнопленных.", "2025-05-24"),
    ],
)
def test_relative_dates(extractor, text, day):
    [claim] = claims_of(extractor, text)
    assert claim.claim_date == day


def test_names_match_through_lemmas(config):
    matcher = LemmaNameMatcher(build_lexicon(config, "ru")["names"], morph_for("ru"))
    text = "Пескова, Кремля, Минобороны, Москальковой, Мединского, Зеленским, Лубинцу, Координационного штаба"
    found = [(m.party, m.speaker) for m in matcher.find(text)]
    assert found == [
        ("russia", "Dmitry Peskov"),
        ("russia", None),
        ("russia", None),
        ("russia", "Tatyana Moskalkova"),
        ("russia", "Vladimir Medinsky"),
        ("ukraine", "Volodymyr Zelensky"),
        ("ukraine", "Dmytro Lubinets"),
        ("ukraine", None),
    ]


@pytest.mark.parametrize(
    "sentence, expected",
    [
        ("Москва передала Киеву список военнопленных.", True),
        ("Списки пленных уже переданы украинской стороне.", True),  # inflected, the other word order
        ("Москва передала Киеву гуманитарную помощь.", False),  # "передать" without "список": no whole cue
        ("Песков ответил на вопрос.", False),
    ],
)
def test_prefilter_needs_every_word_of_a_cue(config, sentence, expected):
    prefilter, _ = lemma_helpers(build_lexicon(config, "ru"), "ru")
    assert prefilter.has_cue(sentence) is expected


def test_statement_continues_the_topic_of_its_passage(extractor):
    sentence = "Мы по-прежнему готовы к этим шагам."
    claims = claims_of(
        extractor, f"Делегации провели очередной раунд переговоров.\n\nДругая тема. {sentence}", speaks_for="russia"
    )
    assert {(c.holder, c.claim_type, c.negated) for c in claims if c.evidence == sentence} == {
        ("russia", "commitment", False)
    }
    sentence = "Кто-то хотел всё сорвать."
    claims = claims_of(extractor, f"Раунд переговоров завершился. {sentence}", speaks_for="russia")
    assert not [c for c in claims if c.evidence == sentence]
