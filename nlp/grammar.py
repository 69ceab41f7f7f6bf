"""The grammar files of nlp/patterns/ as typed, validated models, read once per file.

<lang>.yaml holds the words of one language the rule engines and the learned reader use (speech verbs,
negators, agencies...); en_attribution.yaml the attribution cue words of English. Like config.yaml, a file is
refused whole on its first problem with one line naming the file and the key: an unknown key (a typo would
otherwise be read as an empty list), a word that is not text (YAML reads a bare `no` or `on` as a boolean:
quote it), a number where a list belongs.

The rule engines receive the grammar inside the lexicon as plain data (spaCy component configs must be JSON);
it is the validated model dumped with every default filled in, so a key is present in every language.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from onrecord.core.errors import ConfigError

PATTERNS_DIR = Path(__file__).with_name("patterns")
ATTRIBUTION_FILE = PATTERNS_DIR / "en_attribution.yaml"
Words = list[str]
M = TypeVar("M", bound=BaseModel)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class TopicExclusion(_Strict):
    """Words that put a sentence off a topic (treatment of prisoners is not their exchange), unless one of
    `unless` is there too."""

    words: Words = []
    unless: Words = []


class DateWords(_Strict):
    """The date phrases of wire copy resolved without dateparser (nlp.dates): day words, weekday stems."""

    day_offsets: dict[str, int] = {}  # "yesterday": 1 day before publication
    weekday_stems: list[Words] = []  # Monday first: seven lists of stems, or none
    past_markers: Words = []  # "last Tuesday": left to dateparser; a weekday a week back is meant
    fillers: Words = []  # words around a day word that do not change it ("on", "в")

    @field_validator("weekday_stems")
    @classmethod
    def _seven(cls, value: list[Words]) -> list[Words]:
        if value and len(value) != 7:
            raise ValueError(f"expected seven lists of stems, Monday first, got {len(value)}")
        return value


class Grammar(_Strict):
    """The words of one language. A key a language's engine does not use may be left out (empty)."""

    # -- both engines ------------------------------------------------------------------------------------------
    speech_verbs: Words = []
    source_prepositions: Words = []  # "according to", "по словам"
    negators: Words = []
    conditional_markers: Words = []
    first_person: Words = []
    third_person: Words = []
    agencies: Words | dict[str, str] = []  # names, or written form -> canonical name
    date_words: Words = []
    prospective_markers: Words = []  # a sentence that looks ahead reports no event as done
    cue_function_words: Words = []  # words of a cue it is not looked up by
    speaker_label: str | None = None  # a transcript label opening a turn; group 1 is the name
    dates: DateWords = DateWords()
    # -- the parse engine (English) ----------------------------------------------------------------------------
    speech_particles: dict[str, str] = {}  # "point out": a speech verb only with its particle
    content_object_verbs: Words = []
    member_prepositions: Words = []
    anaphoric_openers: Words = []
    both_sides: Words = []
    noun_cue_verbs: Words = []
    agent_prepositions: Words = []
    implicative_verbs: Words = []
    non_factive_verbs: Words = []
    relative_pronouns: Words = []
    other_side_pronouns: Words = []
    non_party_subjects: Words = []
    place_prepositions: Words = []
    denial_verbs: Words = []
    reference_markers: Words = []
    prediction_modals: Words = []
    behaviour_types: Words = []  # claim types that describe what their subject does
    accusing_verbs: Words = []
    exchanged_people: Words = []
    armed_forces: Words = []
    other_sense_neighbours: Words = []
    topic_idioms: Words = []
    other_conflicts: Words = []
    background_markers: Words = []
    negating_prepositions: Words = []
    deontic_modals: Words = []
    presupposing_words: Words = []
    possessed_noun_cues: Words = []
    cue_negators: Words = []  # a cue that holds one ("say no to") is not negated by it
    borrowed_topic_max_words: int = Field(12, ge=0)
    borrowed_topic_max_words_accusing: int = Field(30, ge=0)
    loose_first_person: Words = []  # as written: a short first-person stance may borrow its passage's topic
    meeting_sides: Words = []
    office_titles: Words = []
    date_prefixes: Words = []  # the learned reader's dates: "on Monday", "last Monday"
    # -- the lemma engine (Russian, Ukrainian) -----------------------------------------------------------------
    source_nouns: Words = []
    clause_question_markers: Words = []
    achievement_verbs: Words = []
    future_auxiliaries: Words = []
    addressee_modals: Words = []
    subordinators: Words = []
    prepositions: Words = []
    conjunctions: Words = []
    official_nouns: Words = []
    former_markers: Words = []
    topic_exclusions: dict[str, TopicExclusion] = {}
    non_claim_clauses: Words = []
    demonstratives: Words = []
    demonstrative_exceptions: Words = []
    subject_pronouns: Words = []
    indefinite_subjects: Words = []
    topic_window: int = Field(1, ge=0)  # sentences either side whose topic a sentence may continue
    # -- from config.yaml, not the file: claim types that may borrow their passage's topic ---------------------
    borrowed_topic_types: Words = []

    @classmethod
    def of(cls, lexicon: dict[str, Any]) -> Grammar:
        """The grammar a lexicon (nlp.lexicon.build_lexicon) carries as plain data, typed again."""
        return cls.model_validate(lexicon.get("grammar", {}))

    def word_list(self, name: str) -> Words:
        """A word list named by its key (for readers that build one matcher per list)."""
        if name not in type(self).model_fields:
            raise KeyError(f"grammar has no key {name!r}")
        value = getattr(self, name)
        if not isinstance(value, list):
            raise TypeError(f"grammar key {name!r} is not a word list")
        return value


class AttributionWords(_Strict):
    """English attribution cues beyond the claim grammar's speech verbs (nlp.attribution.find_attributions)."""

    cue_verbs: Words = []
    quoted_speech_verbs: Words = []
    content_object_verbs: Words = []
    prepositional_cues: dict[str, Words] = {}  # verb -> prepositions that introduce its content ("call for")
    cue_nouns: Words = []
    noun_source_prepositions: Words = []


def _location(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _load(path: Path, model: type[M]) -> M:
    """A grammar file validated as `model`; ConfigError with one line naming the file and key otherwise."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read grammar file: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"{path}: invalid YAML{where}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of keys at the top level, got {type(data).__name__}")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        key = _location(first["loc"])
        got = f" (got {first['input']!r})" if first["type"] not in ("extra_forbidden",) else ""
        message = "unknown key" if first["type"] == "extra_forbidden" else first["msg"].lower()
        raise ConfigError(f"{path}: {key}: {message}{got}"[:300]) from None


@lru_cache(maxsize=16)
def grammar(language: str, folder: Path = PATTERNS_DIR) -> Grammar:
    """The grammar of a language (an empty one if the language has no file yet), validated once."""
    path = folder / f"{language}.yaml"
    return _load(path, Grammar) if path.exists() else Grammar()


@lru_cache(maxsize=4)
def attribution_words(path: Path = ATTRIBUTION_FILE) -> AttributionWords:
    return _load(path, AttributionWords)
