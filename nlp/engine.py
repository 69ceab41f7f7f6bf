"""The rule engine of one language, behind the interface the extractor and the learned reader use.

Two engines implement LanguageEngine:
- ParseEngine: a trained spaCy model parses each candidate sentence and the `onrecord_claims` component
  (nlp.claims, nlp.attribution) reads claims from the parse; sentences are found by word stems (nlp.prefilter).
- LemmaEngine: a blank spaCy pipeline tokenises, pymorphy3 gives lemmas and `onrecord_claims_cyr`
  (nlp.claims_cyr, nlp.attribution_cyr) reads claims from lemma windows (nlp.lemma_match).

Which one reads a language follows from its config entry `nlp.languages.<lang>.model`: a language pymorphy3 has
dictionaries for (nlp.morph.RULE_LANGUAGES, a model named by its language code) is read by lemmas, a spaCy
package by its parse. The words of a language come from its grammar file (nlp/patterns/<lang>.yaml).
"""

from __future__ import annotations

import bisect
import re
from functools import cached_property
from typing import TYPE_CHECKING, Any, Protocol, cast

from spacy.language import Language

from onrecord.core.config import Config
from onrecord.nlp.context import SentenceContext
from onrecord.nlp.grammar import Grammar
from onrecord.nlp.lexicon import NameFinder, NameMatcher, build_lexicon
from onrecord.nlp.morph import RULE_LANGUAGES

if TYPE_CHECKING:
    from onrecord.nlp.claims import ClaimReader

# How many sentences either side of a statement may carry the topic word it continues (ParseEngine).
TOPIC_WINDOW = 1


class SentenceFilter(Protocol):
    """Raw-text tests that decide which sentences deserve a parse."""

    def has_cue(self, sentence: str) -> bool: ...

    def has_topic(self, sentence: str) -> bool: ...


class LanguageEngine(Protocol):
    """What the extractor and the learned reader ask of one language's rule engine."""

    language: str
    lexicon: dict[str, Any]
    takes_title_topic: bool  # a quote or "he/they ..." early in an article may continue the topic of its title

    @property
    def nlp(self) -> Language:
        """The spaCy pipeline whose last component sets `doc._.onrecord_claims` from `doc._.onrecord_context`."""
        ...

    @property
    def names(self) -> NameFinder: ...

    def has_cue(self, sentence: str) -> bool: ...

    def has_topic(self, text: str) -> bool: ...

    def sentence_filter(self, lexicon: dict[str, Any]) -> SentenceFilter:
        """A filter for part of the lexicon (one topic, one claim type): the learned reader's tests."""
        ...

    def name_finder(self, lexicon: dict[str, Any]) -> NameFinder: ...

    def continues_passage(self, sentence: str, in_quote: bool) -> bool:
        """Whether a sentence without a topic word may take the topic of the passage around it."""
        ...

    def topic_window(self, text: str, spans: list[tuple[int, int]], index: int) -> str:
        """The passage around sentence `index` when it is on a topic, else ""."""
        ...

    def loose_topic(self, text: str, spans: list[tuple[int, int]], index: int, speaks_for: str | None) -> int:
        """The sentence's length in words when it may borrow the topic of its wider passage, else 0."""
        ...

    def topic_before_parse(self, sentence: str, context: SentenceContext) -> bool:
        """Whether the sentence may hold a claim on a topic, decided from its text (the answer may be kept in
        `context.topics` for the reader)."""
        ...

    def speaker_label_at(self, text: str, end: int) -> re.Match[str] | None:
        """The last transcript label ("Vladimir Putin:") before offset `end`; group 1 is the name."""
        ...

    def names_both_sides(self, sentence: str) -> bool:
        """Whether the sentence speaks of the participants of a meeting together ("the parties stressed")."""
        ...

    def office_before(self, text: str, start: int) -> re.Match[str] | None:
        """An office title written just before offset `start` ("the President of ")."""
        ...


def _alternatives(words: list[str]) -> str:
    return "|".join(re.escape(w) for w in words)


class _Engine:
    """What both engines share: the lexicon, the grammar's context words, the transcript label."""

    takes_title_topic = False

    def __init__(self, config: Config, language: str):
        self.config = config
        self.language = language
        self.lexicon = build_lexicon(config, language)
        grammar = Grammar.of(self.lexicon)
        self.counterparts: dict[str, str] = self.lexicon.get("counterparts", {})
        label = grammar.speaker_label
        self._label = re.compile(label, re.MULTILINE) if label else None
        self._labels_of: str | None = None
        self._labels: list[re.Match[str]] = []
        self._label_ends: list[int] = []
        sides = grammar.meeting_sides
        self._sides = re.compile(rf"\b(?:{_alternatives(sides)})\b", re.IGNORECASE) if sides else None
        offices = grammar.office_titles
        self._office = re.compile(rf"\b(?:{_alternatives(offices)})\s+of\s+(?:the\s+)?$") if offices else None

    def speaker_label_at(self, text: str, end: int) -> re.Match[str] | None:
        if self._label is None:
            return None
        if self._labels_of is not text:  # the labels of a text are found once, then looked up by bisection
            self._labels_of, self._labels = text, list(self._label.finditer(text))
            self._label_ends = [m.end() for m in self._labels]
        # A label lies within one line, so the labels found in the whole text that end by `end` are exactly those
        # a search stopping at `end` would find.
        k = bisect.bisect_right(self._label_ends, end)
        return self._labels[k - 1] if k else None

    def names_both_sides(self, sentence: str) -> bool:
        return self._sides is not None and self._sides.search(sentence) is not None

    def office_before(self, text: str, start: int) -> re.Match[str] | None:
        return self._office.search(text, max(0, start - 40), start) if self._office is not None else None


class ParseEngine(_Engine):
    """A trained spaCy model's parse read by nlp.claims (English)."""

    takes_title_topic = True

    @cached_property
    def nlp(self) -> Language:
        from onrecord.nlp.pipeline import spacy_pipeline

        return spacy_pipeline(self.config, self.language, "onrecord_claims", self.lexicon)

    @cached_property
    def prefilter(self) -> Any:
        from onrecord.nlp.prefilter import Prefilter

        return Prefilter(self.lexicon, _inflections(self.nlp))

    @cached_property
    def names(self) -> NameMatcher:
        return NameMatcher(self.lexicon["names"])

    @cached_property
    def _first_person(self) -> re.Pattern[str]:
        words = Grammar.of(self.lexicon).loose_first_person
        return re.compile(r"(?<!\w)(?:" + _alternatives(words) + r")(?!\w)")

    def has_cue(self, sentence: str) -> bool:
        return bool(self.prefilter.has_cue(sentence))

    def has_topic(self, text: str) -> bool:
        return bool(self.prefilter.has_topic(text))

    def sentence_filter(self, lexicon: dict[str, Any]) -> SentenceFilter:
        from onrecord.nlp.prefilter import Prefilter

        return Prefilter(lexicon)

    def name_finder(self, lexicon: dict[str, Any]) -> NameFinder:
        return NameMatcher(lexicon["names"])

    def continues_passage(self, sentence: str, in_quote: bool) -> bool:
        """Only a quote or a sentence opening with a pronoun that points back (nlp.prefilter)."""
        return bool(self.prefilter.continues_passage(sentence, in_quote))

    def topic_window(self, text: str, spans: list[tuple[int, int]], index: int) -> str:
        """The neighbouring sentences (TOPIC_WINDOW either side, same paragraph) when one of them is on a topic."""
        lo, hi = max(0, index - TOPIC_WINDOW), min(len(spans), index + TOPIC_WINDOW + 1)
        for near in range(index - 1, lo - 1, -1):  # do not cross a blank line (a new paragraph)
            if "\n\n" in text[spans[near][1] : spans[near + 1][0]]:
                lo = near + 1
                break
        for near in range(index + 1, hi):
            if "\n\n" in text[spans[near - 1][1] : spans[near][0]]:
                hi = near
                break
        passage = text[spans[lo][0] : spans[hi - 1][1]]
        return passage if self.has_topic(passage) else ""

    def loose_topic(self, text: str, spans: list[tuple[int, int]], index: int, speaks_for: str | None) -> int:
        """A sentence without a topic word may take the topic of its passage (LOOSE_WINDOW sentences either side,
        across paragraphs), in a passage on the topic:
        - a short one (grammar borrowed_topic_max_words) with a cue of a type that may borrow a topic, naming a
          side or speaking in the first person ("And the Russian Federation does not want to return anything.",
          "So I had a simple suggestion.");
        - a longer one (borrowed_topic_max_words_accusing) that names the article's counterpart before an
          accusation cue ("the Kiev regime did not want to ...").
        Longer or other ones were mostly about something else in real releases, and cost parses. Returns the
        sentence's length in words (nlp.claims decides on the parse), else 0. Cheapest tests first."""
        sentence = text[spans[index][0] : spans[index][1]]
        prefilter = self.prefilter
        if sentence.count(" ") >= prefilter.borrow_max_words_accusing + 5:
            return 0
        words = len(_WORD.findall(sentence))
        short = words <= prefilter.borrow_max_words
        if short and not prefilter.may_borrow_topic(sentence):
            return 0
        cue_at = -1 if short or words > prefilter.borrow_max_words_accusing else prefilter.behaviour_cue_at(sentence)
        if not short and cue_at < 0:
            return 0
        lo, hi = max(0, index - LOOSE_WINDOW), min(len(spans), index + LOOSE_WINDOW + 1)
        if not self.has_topic(text[spans[lo][0] : spans[hi - 1][1]]):
            return 0
        if short and self._first_person.search(sentence):
            return words
        mentions = [m for m in self.names.find(sentence) if m.party]
        if short:
            return words if mentions else 0
        other = self.counterparts.get(speaks_for or "")
        return words if any(m.party == other and m.start < cue_at for m in mentions) else 0

    def topic_before_parse(self, sentence: str, context: SentenceContext) -> bool:
        """The reader's own text-only topic test (nlp.topics.TopicReader.topic_for): no topic, no claim."""
        reader = cast("ClaimReader", self.nlp.get_pipe("onrecord_claims"))
        context.topics = reader.topic_for(sentence, context)
        return context.topics[0] is not None


class LemmaEngine(_Engine):
    """Lemma windows read by nlp.claims_cyr (Russian, Ukrainian: no parser; pymorphy3 lemmas)."""

    @property
    def morphology(self) -> str:
        """The pymorphy3 dictionary: the configured model (a language code)."""
        return self.config.nlp.languages[self.language].model

    @cached_property
    def nlp(self) -> Language:
        from onrecord.nlp.pipeline import lemma_pipeline

        return lemma_pipeline(self.morphology, self.lexicon)

    @cached_property
    def _helpers(self) -> tuple[Any, Any]:
        from onrecord.nlp.lemma_match import lemma_helpers

        return lemma_helpers(self.lexicon, self.morphology)

    @property
    def prefilter(self) -> Any:
        return self._helpers[0]

    @property
    def names(self) -> NameFinder:
        names: NameFinder = self._helpers[1]
        return names

    def has_cue(self, sentence: str) -> bool:
        return bool(self.prefilter.has_cue(sentence))

    def has_topic(self, text: str) -> bool:
        return bool(self.prefilter.has_topic(text))

    def sentence_filter(self, lexicon: dict[str, Any]) -> SentenceFilter:
        from onrecord.nlp.lemma_match import LemmaPrefilter
        from onrecord.nlp.morph import morph_for

        return LemmaPrefilter(lexicon, morph_for(self.morphology))

    def name_finder(self, lexicon: dict[str, Any]) -> NameFinder:
        from onrecord.nlp.lemma_match import LemmaNameMatcher
        from onrecord.nlp.morph import morph_for

        return LemmaNameMatcher(lexicon["names"], morph_for(self.morphology))

    def continues_passage(self, sentence: str, in_quote: bool) -> bool:
        """Any sentence: the reader decides on its lemmas whether it continues the passage."""
        return True

    def topic_window(self, text: str, spans: list[tuple[int, int]], index: int) -> str:
        return str(self.prefilter.topic_window(text, spans, index))

    def loose_topic(self, text: str, spans: list[tuple[int, int]], index: int, speaks_for: str | None) -> int:
        return 0  # the topic window above already reaches across paragraphs

    def topic_before_parse(self, sentence: str, context: SentenceContext) -> bool:
        return True  # the reader finds the topic on the lemmas it computes anyway


# How many sentences either side (across paragraphs) may carry the topic a loose sentence takes.
LOOSE_WINDOW = 2
_WORD = re.compile(r"\w+")


def rule_engine(config: Config, language: str) -> LanguageEngine | None:
    """The rule engine of a configured language (see the module's doc), None when it is not configured."""
    settings = config.nlp.languages.get(language)
    if settings is None:
        return None
    engine: LanguageEngine = (
        LemmaEngine(config, language) if settings.model in RULE_LANGUAGES else ParseEngine(config, language)
    )
    return engine


def _inflections(nlp: Language) -> dict[str, list[str]]:
    """Irregular forms per lemma ("send" -> "sent"), from the lemmatizer's exception table if it has one."""
    out: dict[str, list[str]] = {}
    if "lemmatizer" not in nlp.pipe_names:
        return out
    lookups = getattr(nlp.get_pipe("lemmatizer"), "lookups", None)
    if lookups is None or not lookups.has_table("lemma_exc"):
        return out
    table = lookups.get_table("lemma_exc")
    for pos in ("verb", "noun", "adj"):
        for form, lemmas in (table.get(pos) or {}).items():
            for lemma in lemmas:
                out.setdefault(lemma, []).append(form)
    return out
