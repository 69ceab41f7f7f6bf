"""Morphology for languages read without a parser (Russian, Ukrainian): pymorphy3 analyses per word.

Matching cues and names needs more than one lemma per token: every lemma a word may have (a surname in
the genitive is also a feminine nominative: "Захаровой" -> захаров), whether it can be a nominative
(a subject), an infinitive, a future-tense verb. `Morph` answers these, cached per word form. Analysing
a word form pymorphy3 has not seen yet is the costliest step of reading these languages, so readers ask
only about the words a rule looks at (see nlp.lemma_match.FormGate), not about every token.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

import spacy
from spacy.language import Language

from onrecord.core.errors import ConfigError

# Languages read by lemma windows instead of a dependency parse.
RULE_LANGUAGES = {"ru", "uk"}
WORD = re.compile(r"\w+(?:['’ʼ-]\w+)*")
_CACHE_LIMIT = 200_000
_EDGES = re.compile(r"^[\W_]+|[\W_]+$")


@lru_cache(maxsize=_CACHE_LIMIT)
def normalise(word: str) -> str:
    """Lower case, ё -> е, typographic apostrophes -> "'" (the form pymorphy3's dictionaries use)."""
    word = word.lower().replace("ё", "е").replace("’", "'").replace("ʼ", "'")
    trimmed = _EDGES.sub("", word)  # emoji variation selectors and markup glued to a word by the tokenizer
    return trimmed or word


@dataclass(frozen=True)
class WordInfo:
    """What the analyses of one word form allow."""

    lemmas: frozenset[str]
    pos: frozenset[str]  # OpenCorpora POS of all analyses (VERB, INFN, NOUN, ADJF, PRTS, ...)
    nominative: bool  # some analysis is a nominative (or the word does not inflect)
    infinitive: bool  # the likeliest analysis is an infinitive
    future: bool  # the likeliest analysis is a future-tense verb
    verb: bool  # the likeliest analysis is a finite verb, a short participle or a predicative
    noun: bool  # the likeliest analysis is a noun
    person: str = ""  # "1per", "2per" or "3per" of the likeliest analysis of a finite verb ("" otherwise)


class Morph:
    """pymorphy3 analyses of one language, cached per word form."""

    def __init__(self, language: str):
        try:
            from pymorphy3 import MorphAnalyzer
        except ImportError:  # pragma: no cover - pymorphy3 is a dependency
            raise ConfigError(
                "nlp.languages: Russian/Ukrainian need pymorphy3; install it with "
                "`pip install pymorphy3 pymorphy3-dicts-ru pymorphy3-dicts-uk`"
            ) from None
        try:
            self._analyzer = MorphAnalyzer(lang=language)
        except (ValueError, OSError) as exc:
            raise ConfigError(
                f"nlp.languages.{language}: no pymorphy3 dictionary for {language!r} ({exc}); "
                f"install pymorphy3-dicts-{language}"
            ) from None
        self._cache: dict[str, WordInfo] = {}
        self._parses: dict[str, list] = {}
        self._lookup: dict[str, str] = {}
        self._forms: dict[str, frozenset[str]] = {}  # grammar and cue words only: a few thousand

    def info(self, word: str) -> WordInfo:
        key = normalise(word)
        found = self._cache.get(key)
        if found is None:
            if len(self._cache) > _CACHE_LIMIT:
                self._cache.clear()
            found = self._cache[key] = self._analyse(key)
        return found

    def lemmas(self, word: str) -> frozenset[str]:
        return self.info(word).lemmas

    def forms(self, word: str) -> frozenset[str]:
        """Every surface form of every lexeme the word may belong to (for cheap gates before analysis)."""
        key = normalise(word)
        found = self._forms.get(key)
        if found is None:
            out = {key}
            for parse in self._analyzer.parse(key):
                out.update(normalise(form.word) for form in parse.lexeme)
            found = self._forms[key] = frozenset(out)
        return found

    def lookup_lemma(self, word: str) -> str:
        """The lemma spaCy's pymorphy3 lemmatizer gives a token without a POS tag: the normal form when all
        analyses share one, else the word itself, lower-cased (unlike `lemmas`, "ё" is kept)."""
        key = word.lower()
        found = self._lookup.get(key)
        if found is None:
            if len(self._lookup) > _CACHE_LIMIT:
                self._lookup.clear()
            normal_forms = {p.normal_form for p in self.parse(key)}
            found = self._lookup[key] = next(iter(normal_forms)).lower() if len(normal_forms) == 1 else key
        return found

    def parse(self, word: str):
        """pymorphy3's analyses, cached."""
        key = word.lower()
        found = self._parses.get(key)
        if found is None:
            if len(self._parses) > _CACHE_LIMIT:
                self._parses.clear()
            found = self._parses[key] = self._analyzer.parse(key)
        return found

    def _analyse(self, word: str) -> WordInfo:
        if not any(c.isalpha() for c in word):
            return WordInfo(frozenset([word]), frozenset(), True, False, False, False, False)
        parses = self.parse(word)
        known_words: dict[str, bool] = {}  # pymorphy3 looks each form up again per analysis; once is enough
        for p in parses:
            if p.word not in known_words:
                known_words[p.word] = p.is_known
        known = [p for p in parses if known_words[p.word]] or parses[:3]
        lemmas = {word} | {normalise(p.normal_form) for p in known}
        lemmas |= {aspect_key(normalise(p.normal_form)) for p in known if str(p.tag.POS) in _VERB_POS}
        lemmas.discard("")
        if not any(known_words.values()) and len(word) >= 7:
            lemmas.add(stem_key(word))  # an unknown form ("переговоров" in Ukrainian text) meets keywords by stem
        pos = frozenset(str(p.tag.POS) for p in known if p.tag.POS)
        nominative = any("nomn" in p.tag.grammemes or "Fixd" in p.tag.grammemes for p in known) or not known
        best = parses[0].tag.grammemes if parses else frozenset()
        # the Ukrainian dictionary leaves some infinitives bare ("звільнити": VERB,perf)
        infinitive = (
            "INFN" in best
            or "infn" in best
            or (
                "VERB" in best
                and not best & {"past", "pres", "futr", "impr", "sing", "plur", "Impe"}
                and word.endswith(("ти", "тися", "тись", "ть", "чи"))
            )
        )
        future = "VERB" in best and "futr" in best
        verb = bool(best & {"VERB", "PRTS", "PRED", "GRND"}) and not infinitive
        person = next((p for p in ("1per", "2per", "3per") if p in best), "") if "VERB" in best else ""
        return WordInfo(frozenset(lemmas), pos, nominative, infinitive, future, verb, "NOUN" in best, person)


@cache
def morph_for(language: str) -> Morph:
    """One analyser per language per process (loading the dictionaries takes a moment)."""
    return Morph(language)


def words(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int, str]]:
    """(start, end, word) of the words of text[start:end]; hyphenated words and apostrophes kept whole."""
    return [(m.start(), m.end(), m.group()) for m in WORD.finditer(text, start, len(text) if end is None else end)]


_VERB_POS = {"VERB", "INFN", "PRTF", "PRTS", "GRND"}
_INFINITIVE_END = re.compile(r"(?:ться|тися|тись|ть|ти|чь)$")
_IMPERFECTIVE_SUFFIX = re.compile(r"(?:ыва|ива|ува|юва|ва)$")


def aspect_key(infinitive: str) -> str:
    """A pseudo-lemma shared by the two aspects of a verb built by suffixation:
    передать/передавать, обменять/обменивать, отказаться/отказываться -> "^перед", "^обмен", "^отказ".
    Pairs that change the root (вернуть/возвращать) are listed in the cues instead."""
    stem = _INFINITIVE_END.sub("", infinitive)
    if stem == infinitive:
        return ""
    stem = _IMPERFECTIVE_SUFFIX.sub("", stem).rstrip("аеиоуыяюєії")
    return "^" + stem if len(stem) >= 4 else ""


def stem_key(word: str) -> str:
    """A pseudo-lemma shared by long words with the same first six letters, for words the dictionary lacks."""
    return "~" + normalise(word)[:6]


def phrase_lemmas(morph: Morph, phrase: str) -> list[frozenset[str]]:
    """Per word of a configured phrase, the lemmas it stands for (phrases may be written inflected)."""
    return [morph.lemmas(w) | ({stem_key(w)} if len(w) >= 7 else set()) for _, _, w in words(phrase)]


def blank_pipeline(language: str) -> Language:
    """spaCy's blank pipeline for the language: a tokenizer only (no tagger or parser exists). Lemmas come from
    `morph_for(language)`, per word a rule asks about: a lemmatizer component would analyse every token."""
    if language not in RULE_LANGUAGES:
        raise ConfigError(
            f"nlp.languages.{language}: no rule-based reader for {language!r}; "
            f"use one of {sorted(RULE_LANGUAGES)} or a trained spaCy model"
        )
    nlp = spacy.blank(language)
    nlp.initialize()
    morph_for(language)  # load the dictionaries now, not on the first sentence
    return nlp
