"""The data one language's extractor needs, gathered from config.yaml and nlp/patterns/<lang>.yaml.

The result is a plain JSON-serialisable dict so that it can be passed to spaCy components as their config.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Protocol

from onrecord.core.config import Config
from onrecord.nlp.grammar import Grammar, grammar


def grammar_for(language: str) -> Grammar:
    """The grammar of a language (nlp/patterns/<lang>.yaml, validated; empty where the language has no file)."""
    return grammar(language)


def build_lexicon(config: Config, language: str) -> dict[str, Any]:
    """Parties, topics, claim types and grammar for one language, as plain data."""
    names: list[dict[str, Any]] = []
    for party in config.parties:
        for kind in ("aliases", "institutions", "roles"):
            for phrase in getattr(party, kind).get(language, []):
                names.append({"phrase": phrase, "party": party.id, "speaker": None, "kind": kind})
        for speaker in party.speakers:
            for phrase in [speaker.name, *speaker.aliases]:
                names.append({"phrase": phrase, "party": party.id, "speaker": speaker.name, "kind": "speaker"})
    return {
        "language": language,
        "names": names,
        "counterparts": {p.id: p.counterpart for p in config.parties if p.counterpart},
        "topics": {t.id: t.keywords.get(language, []) for t in config.topics},
        "claim_types": [
            {
                "id": c.id,
                "cues": c.cues.get(language, []),
                "when_negated": c.when_negated,
                "reported_of_other": c.reported_of_other,
                "default_target": c.default_target,
                "factual": c.factual,
            }
            for c in config.claim_types
        ],
        # which types may borrow their passage's topic is the claim type's own (config), read where the grammar is
        "grammar": grammar_for(language).model_dump()
        | {"borrowed_topic_types": [c.id for c in config.claim_types if c.borrows_topic]},
    }


@dataclass(frozen=True)
class Mention:
    """A party name found in text: character offsets, party id, canonical speaker (for people), kind."""

    start: int
    end: int
    party: str
    speaker: str | None
    kind: str


_WORD = re.compile(r"\w+(?:[.'’&-]\w+)*\.?")


def _variants(word: str) -> list[str]:
    """A text word as it may appear in a configured phrase: as is, without a possessive, without a final dot."""
    out = [word]
    for suffix in ("'s", "’s", "."):
        if word.endswith(suffix) and len(word) > len(suffix):
            out.append(word[: -len(suffix)])
    return out


class NameFinder(Protocol):
    """Finds the party names, people and roles of config.yaml in raw text (NameMatcher by words, or
    nlp.lemma_match.LemmaNameMatcher by lemmas)."""

    def find(self, text: str, start: int = 0, end: int | None = None) -> list[Mention]: ...


class NameMatcher:
    """Finds party names (aliases, institutions, roles, speakers) in raw text, longest match first.

    Phrases written with a capital are matched case-sensitively ("US" is not "us"); lower-case phrases
    ignore case. "the " in front of a configured phrase is optional. Matching looks words up in a table
    (no big regex), so scanning whole articles stays cheap.
    """

    def __init__(self, names: list[dict[str, Any]]):
        rank = {"speaker": 0, "roles": 1, "institutions": 2, "aliases": 3}
        self._exact: dict[str, dict[str, Any]] = {}
        self._folded: dict[str, dict[str, Any]] = {}
        self._longest = 1
        self._first: set[str] = set()  # first words of phrases (folded ones lower-cased): a cheap gate
        for entry in names:  # the same phrase as a person, role or body beats a plain alias
            phrase = " ".join(re.sub(r"^(?i:the)\s+", "", entry["phrase"].strip()).split())
            if not phrase:
                continue
            table, key = (
                (self._exact, phrase)
                if phrase[:1].isupper() or not phrase[:1].isalpha()
                else (self._folded, phrase.lower())
            )
            if key not in table or rank[entry["kind"]] < rank[table[key]["kind"]]:
                table[key] = entry
            self._first.add(key.split()[0])
            self._longest = max(self._longest, len(phrase.split()))

    def _lookup(self, words: list[str]) -> dict[str, Any] | None:
        head = " ".join(words[:-1])
        for last in _variants(words[-1]):
            key = f"{head} {last}" if head else last
            found = self._exact.get(key) or self._folded.get(key.lower())
            if found:
                return found
        return None

    def find(self, text: str, start: int = 0, end: int | None = None) -> list[Mention]:
        spans = [
            (m.start(), m.end(), m.group()) for m in _WORD.finditer(text, start, len(text) if end is None else end)
        ]
        out = []
        i = 0
        first = self._first
        while i < len(spans):
            word = spans[i][2]
            if word not in first and word.lower() not in first and not any(v in first for v in _variants(word)[1:]):
                i += 1
                continue
            for n in range(min(self._longest, len(spans) - i), 0, -1):
                entry = self._lookup([w for _, _, w in spans[i : i + n]])
                if entry:
                    last_end = spans[i + n - 1][1]
                    if text[last_end - 1] == "." and not entry["phrase"].endswith("."):
                        last_end -= 1
                    out.append(Mention(spans[i][0], last_end, entry["party"], entry["speaker"], entry["kind"]))
                    i += n
                    break
            else:
                i += 1
        return out


def keyword_pattern(word: str) -> str:
    """A regex for a topic keyword or phrase: short words allow plural/verb endings, longer ones any ending."""
    body = re.escape(word.strip()).replace(r"\ ", r"\s+")
    return body + (r"(?:s|es|ed|d|ing)?(?!\w)" if len(word) <= 5 else "")


def keywords_regex(words: list[str]) -> re.Pattern[str]:
    alternatives = "|".join(keyword_pattern(w) for w in sorted(set(words), key=len, reverse=True) if w.strip())
    return re.compile(r"(?<!\w)(?:" + (alternatives or r"(?!x)x") + r")", re.IGNORECASE)
