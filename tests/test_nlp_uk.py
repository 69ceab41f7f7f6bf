"""Ukrainian claim extraction (blank spaCy + pymorphy3 lemmas) on sentences written for these tests."""

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


def claims_of(extractor: Extractor, text: str, **fields) -> list:
    article = Article.create(
        url=f"https://example.test/uk/{abs(hash(text))}",
        source="test-wire",
        title="",
        text=text,
        language="uk",
        published=PUBLISHED,
        **fields,
    )
    [(_, claims)] = list(extractor.extract([article]))
    return claims


def keys(claims) -> set[tuple[str, str, bool]]:
    return {(c.holder, c.claim_type, c.negated) for c in claims}


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Лубінець повідомив, що з полону повернули додому 390 українців.", ("ukraine", "exchange_completed", False)),
        ("За словами Лубінця, додому з полону повернулися 390 захисників.", ("ukraine", "exchange_completed", False)),
        (
            "Координаційний штаб заявив, що Україна передала російській стороні список полонених.",
            ("ukraine", "list_submitted", False),
        ),
        ("Список полонених російській стороні вже передано, наголосив Умєров.", ("ukraine", "list_submitted", False)),
        ("Ми передамо список полонених наступного тижня, — сказав Умєров.", ("ukraine", "commitment", False)),
        ("Зеленський закликав партнерів тиснути на Росію заради обміну полоненими.", ("ukraine", "demand", False)),
        ("Сибіга заявив, що Київ готовий до переговорів у Стамбулі.", ("ukraine", "commitment", False)),
    ],
)
def test_cues_match_on_lemmas(extractor, text, expected):
    assert expected in keys(claims_of(extractor, text))


def test_not_received_is_awaiting_the_counterpart(extractor):
    claims = claims_of(extractor, "Відповіді щодо обміну полоненими від Москви ми досі не отримали, заявив Умєров.")
    assert keys(claims) == {("ukraine", "awaiting_counterpart", False)}
    assert claims[0].speaker == "Rustem Umerov" and claims[0].target == "russia"


def test_official_source_holds_first_person_and_reports_of_the_other_side(extractor):
    claims = claims_of(extractor, "Ми передали список полонених російській стороні.", speaks_for="ukraine")
    assert keys(claims) == {("ukraine", "list_submitted", False)}
    claims = claims_of(extractor, "Росія відхилила нашу пропозицію щодо обміну полоненими.", speaks_for="ukraine")
    assert keys(claims) == {("ukraine", "accusation", False)} and claims[0].target == "russia"
    claims = claims_of(extractor, "Ми не відмовляємося від переговорів з Росією.", speaks_for="ukraine")
    assert keys(claims) == {("ukraine", "rejection", True)}


def test_russian_speaker_in_ukrainian_text(extractor):
    claims = claims_of(
        extractor, "Речник Кремля Пєсков заявив Укрінформу, що Москва чекає відповіді Києва щодо обміну."
    )
    assert keys(claims) == {("russia", "awaiting_counterpart", False)}
    assert claims[0].speaker == "Dmitry Peskov" and claims[0].via == "Ukrinform"


def test_statement_of_a_body_reporting_the_other_side(extractor):
    claims = claims_of(
        extractor, "«Російська сторона затягує обмін полоненими», — йдеться в заяві Координаційного штабу."
    )
    assert keys(claims) == {("ukraine", "accusation", False)}
    assert claims[0].target == "russia" and claims[0].speaker == "Координаційний штаб"


def test_headline_form(extractor):
    claims = claims_of(extractor, "Лубінець: з полону повернулися ще 84 українці")
    assert keys(claims) == {("ukraine", "exchange_completed", False)}


@pytest.mark.parametrize(
    "text",
    [
        "Якщо Росія передасть список полонених, ми відповімо, сказав Умєров.",
        "Чи готова Росія до нового обміну полоненими?",
        "Делегації зустрілися в Стамбулі, щоб обміняти полонених.",  # a purpose, not a fact
        "Будемо наполягати на переговорах про обмін полоненими.",  # a plan, not a position
    ],
)
def test_not_claims(extractor, text):
    assert claims_of(extractor, text, speaks_for="ukraine") == []


@pytest.mark.parametrize(
    "text, day",
    [
        ("Вчора Лубінець повідомив, що з полону повернули 84 українців.", "2025-05-23"),
        ("Лубінець у четвер повідомив, що з полону повернули 84 українців.", "2025-05-22"),
    ],
)
def test_relative_dates(extractor, text, day):
    [claim] = claims_of(extractor, text)
    assert claim.claim_date == day


def test_names_match_through_lemmas(config):
    matcher = LemmaNameMatcher(build_lexicon(config, "uk")["names"], morph_for("uk"))
    found = [(m.party, m.speaker) for m in matcher.find("Києва, Лубінця, Умєрова, Пєскова, Кремлем, Зеленському")]
    assert found == [
        ("ukraine", None),
        ("ukraine", "Dmytro Lubinets"),
        ("ukraine", "Rustem Umerov"),
        ("russia", "Dmitry Peskov"),
        ("russia", None),
        ("ukraine", "Volodymyr Zelensky"),
    ]


@pytest.mark.parametrize(
    "sentence, expected",
    [
        ("Україна передала списки полонених.", True),
        ("Україна передала гуманітарну допомогу.", False),  # "передати" without "список": no whole cue
    ],
)
def test_prefilter_needs_every_word_of_a_cue(config, sentence, expected):
    prefilter, _ = lemma_helpers(build_lexicon(config, "uk"), "uk")
    assert prefilter.has_cue(sentence) is expected


def by_evidence(claims, evidence: str) -> set[tuple[str, str, bool]]:
    return {(c.holder, c.claim_type, c.negated) for c in claims if c.evidence == evidence}


# A sentence with no topic word of its own continues the topic of the sentences around it (two either side,
# across paragraph breaks) when it points back to them and its holder is clear.
@pytest.mark.parametrize(
    "passage, sentence, expected",
    [
        (
            "Делегації провели ще один раунд переговорів у Женеві.",
            "Втім, ми не полишимо цих зусиль.",
            ("ukraine", "commitment", False),
        ),  # a demonstrative points back
        (
            "Сторони знову обговорили формат переговорів.",
            "Поки без результату.",
            ("ukraine", "concern", False),
        ),  # elliptic
        (
            "Переговори про обмін полоненими дуже складні.",
            "Але вони необхідні.",
            ("ukraine", "commitment", False),
        ),  # "вони" points back; talks being needed is a stance for them
        ("Обмін полоненими відклали на тиждень.", "Говорити потрібно.", ("ukraine", "commitment", False)),
        (
            "Делегації домовилися про обмін полоненими.",
            "І головне, щоб домовленості виконувалися.",
            ("ukraine", "demand", False),
        ),
    ],
)
def test_statement_continues_the_topic_of_its_passage(extractor, passage, sentence, expected):
    claims = claims_of(extractor, f"{passage}\n\nІнша тема. {sentence}", speaks_for="ukraine")
    assert by_evidence(claims, sentence) == {expected}


@pytest.mark.parametrize(
    "passage, sentence",
    [
        ("Делегації провели раунд переговорів у Женеві.", "Ми продовжуємо роботу з партнерами над новими санкціями."),
        ("Раунд переговорів у Женеві завершився.", "Хтось хотів усе зірвати."),  # "хтось" is no party
        ("Раунд переговорів у Женеві завершився.", "Тому що борються за мир."),  # nobody named
        ("Раунд переговорів у Женеві завершився.", "Окупанти повинні бачити, що вони чужі на нашій землі."),
        ("Раунд переговорів у Женеві завершився.", "Не треба плекати надій на швидке завершення війни, бо вони марні."),
    ],
)
def test_statement_without_pointer_or_holder_does_not_borrow_a_topic(extractor, passage, sentence):
    claims = claims_of(extractor, f"{passage} {sentence}", speaks_for="ukraine")
    assert by_evidence(claims, sentence) == set()


def test_borrowed_topic_never_makes_a_reported_fact(extractor):
    sentence = "Сьогодні до Запоріжжя повернулися 150 людей."
    claims = claims_of(extractor, f"Переговори тривали тиждень. {sentence}", speaks_for="ukraine")
    assert by_evidence(claims, sentence) == set()


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Ердоган звернувся до нас, щоб делегації знову зустрілися в Стамбулі.", ("turkey", "proposal", False)),
        ("Евакуаційна місія триває за участі міжнародних посередників.", ("ukraine", "commitment", False)),
        ("Переговори про обмін полоненими поки не дали результату.", ("ukraine", "concern", False)),
        ("Ми й далі шукаємо рішення для обміну полоненими.", ("ukraine", "commitment", False)),
    ],
)
def test_more_cues(extractor, text, expected):
    assert expected in keys(claims_of(extractor, text, speaks_for="ukraine"))


@pytest.mark.parametrize(
    "text",
    [
        "Ми повинні бути терплячими щодо обміну полоненими.",  # an obligation the speaker takes on
        "Я поговорю з усіма, з ким потрібно, щодо обміну полоненими.",  # "з ким потрібно": a relative clause
    ],
)
def test_no_demand(extractor, text):
    assert ("ukraine", "demand", False) not in keys(claims_of(extractor, text, speaks_for="ukraine"))
