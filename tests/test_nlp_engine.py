"""The interface between the extractor and the language engines, the sentence context, the grammar models and
the extractor version."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from onrecord.core.config import load_config
from onrecord.nlp.context import SentenceContext
from onrecord.nlp.engine import LanguageEngine, LemmaEngine, ParseEngine, rule_engine
from onrecord.nlp.reading import NLP_DIR, code_digest, reading_files

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def config():
    return load_config(ROOT / "config.yaml")


def test_engine_per_language_follows_the_configured_model(config):
    assert isinstance(rule_engine(config, "en"), ParseEngine)
    assert isinstance(rule_engine(config, "ru"), LemmaEngine)
    assert isinstance(rule_engine(config, "uk"), LemmaEngine)
    assert rule_engine(config, "de") is None


def test_lemma_engine_answers_the_extractor_without_a_parse(config):
    engine: LanguageEngine = LemmaEngine(config, "uk")
    text = "Обмін полоненими триває. Ми чекаємо. Нічого не надійшло."
    spans = [(0, 24), (25, 36), (37, 56)]
    assert engine.continues_passage("Ми чекаємо.", in_quote=False)
    assert engine.topic_window(text, spans, 1) == text  # the passage around is on the exchange
    assert engine.loose_topic(text, spans, 1, "ukraine") == 0
    context = SentenceContext()
    assert engine.topic_before_parse("Ми чекаємо.", context) and context.topics is None


def test_parse_engine_context_words_come_from_the_grammar(config):
    engine = ParseEngine(config, "en")
    assert engine.names_both_sides("The parties stressed the need to continue.")
    assert not engine.names_both_sides("The party stressed the need to continue.")
    office = engine.office_before("talks with the President of France", len("talks with the President of "))
    assert office is not None and office.group().startswith("President")
    text = "Question: Will the swap go ahead?\nDmitry Peskov: We sent our list.\n"
    label = engine.speaker_label_at(text, len(text))
    assert label is not None and label.group(1) == "Dmitry Peskov"


def test_parse_engine_text_tests(config):
    engine = ParseEngine(config, "en")
    assert engine.has_topic("The prisoner exchange was postponed.")
    assert not engine.has_topic("Grain prices rose in March.")
    assert engine.continues_passage('"We are still waiting," he added.', in_quote=False)
    assert not engine.continues_passage("Grain prices rose in March.", in_quote=False)
    text = "The prisoner exchange was postponed. They refused to continue.\n\nGrain prices rose."
    spans = [(0, 36), (37, 62), (64, 82)]
    assert engine.topic_window(text, spans, 1) == text[0:62]  # a blank line ends the passage
    assert engine.topic_window(text, spans, 2) == ""


def test_sentence_context_looks_up_the_last_speaker_once():
    asked = []

    def find():
        asked.append(1)
        return ("russia", "Dmitry Peskov")

    context = SentenceContext(find_last_speaker=find)
    assert context.last_speaker() == ("russia", "Dmitry Peskov")
    assert context.last_speaker() == ("russia", "Dmitry Peskov")
    assert asked == [1]
    assert SentenceContext().last_speaker() is None


def _copy_nlp(tmp_path: Path) -> Path:
    copy = tmp_path / "nlp"
    shutil.copytree(NLP_DIR, copy, ignore=shutil.ignore_patterns("__pycache__", "models", "data"))
    return copy


def test_version_hashes_the_reading_path_not_training(tmp_path):
    copy = _copy_nlp(tmp_path)
    names = {p.relative_to(copy).as_posix() for p in reading_files(copy)}
    assert {"extractor.py", "claims.py", "claims_cyr.py", "learned/reader.py", "patterns/en.yaml"} <= names
    assert not names & {"learned/train.py", "evaluate.py", "corpus/build.py", "corpus/store.py", "run.py"}
    before = code_digest(copy)
    with (copy / "learned" / "train.py").open("a", encoding="utf-8") as handle:
        handle.write("\n# a training-only edit\n")
    with (copy / "corpus" / "stats.py").open("a", encoding="utf-8") as handle:
        handle.write("\n# a corpus-tool edit\n")
    assert code_digest(copy) == before
    with (copy / "patterns" / "en.yaml").open("a", encoding="utf-8") as handle:
        handle.write("\n# a grammar edit\n")
    after_grammar = code_digest(copy)
    assert after_grammar != before
    with (copy / "topics.py").open("a", encoding="utf-8") as handle:
        handle.write("\n# a reader edit\n")
    assert code_digest(copy) != after_grammar


def test_a_module_imported_only_inside_a_function_is_hashed(tmp_path):
    copy = _copy_nlp(tmp_path)
    (copy / "helper_new.py").write_text("X = 1\n", encoding="utf-8")
    before = code_digest(copy)
    (copy / "helper_new.py").write_text("X = 2\n", encoding="utf-8")
    assert code_digest(copy) == before  # not imported: not part of the reading path
    with (copy / "engine.py").open("a", encoding="utf-8") as handle:
        handle.write("\n\ndef _late():\n    from onrecord.nlp.helper_new import X\n\n    return X\n")
    linked = code_digest(copy)
    (copy / "helper_new.py").write_text("X = 3\n", encoding="utf-8")
    assert code_digest(copy) != linked


# -- grammar files ---------------------------------------------------------------------------------------------


def test_shipped_grammar_files_validate():
    from onrecord.nlp.grammar import attribution_words, grammar

    assert "no" in grammar("en").negators  # quoted: a bare `no` is a boolean in YAML
    assert grammar("ru").topic_exclusions["prisoner-exchange"].unless
    assert attribution_words().prepositional_cues["insist"] == ["on"]
    assert grammar("xx").speech_verbs == []  # a language without a file yet


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("speech_verb: [say]\n", "en.yaml: speech_verb: unknown key"),
        ("negators: [not, no]\n", "en.yaml: negators[1]: input should be a valid string (got False)"),
        ("speech_verbs: say\n", "en.yaml: speech_verbs: input should be a valid list"),
        ("topic_window: two\n", "en.yaml: topic_window: input should be a valid integer"),
        ("topic_exclusions: {x: {word: [a]}}\n", "en.yaml: topic_exclusions.x.word: unknown key"),
        ("dates: {weekday_stems: [[monday]]}\n", "en.yaml: dates.weekday_stems: value error, expected seven lists"),
        ("dates: {day_offsets: {today: none}}\n", "en.yaml: dates.day_offsets.today: input should be a valid integer"),
        ("- a\n- b\n", "en.yaml: expected a mapping of keys at the top level, got list"),
        ("speech_verbs: [say\n", "en.yaml: invalid YAML at line"),
    ],
)
def test_a_bad_grammar_file_is_one_line_naming_file_and_key(tmp_path, text, expected):
    from onrecord.core.errors import ConfigError
    from onrecord.nlp.grammar import grammar

    (tmp_path / "en.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        grammar("en", tmp_path)
    message = str(caught.value)
    assert "\n" not in message and str(tmp_path) in message and expected in message
