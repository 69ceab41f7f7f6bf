"""Names, topic keywords and cue words matched on lemmas, for languages without a parser (ru, uk).

The same interfaces as nlp.lexicon.NameMatcher and nlp.prefilter.Prefilter, so the extractor can use
either: "Пескова", "Кремля", "Києва", "Лубінця" match the configured "Песков", "Кремль", "Київ",
"Лубінець" because a text word matches a phrase word when their lemma sets meet.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from onrecord.nlp.grammar import Grammar
from onrecord.nlp.lexicon import Mention
from onrecord.nlp.morph import WORD, Morph, normalise, phrase_lemmas, stem_key, words


@dataclass(frozen=True)
class PhraseMention(Mention):
    """A Mention that also carries the configured phrase it matched (the nominative: "Координаційний штаб")."""

    phrase: str = ""


_RANK = {"speaker": 0, "roles": 1, "institutions": 2, "aliases": 3, "agency": 4}


class FormGate:
    """A cheap test before any analysis: could this text word be a form of one of the given words?

    Holds every surface form of the words' lexemes, plus prefixes for what forms cannot list: aspect
    partners ("передавала" for "передать") and the stems of long words the dictionary lacks."""

    def __init__(self, phrases: Iterable[str], morph: Morph):
        self.forms: set[str] = set()
        self.prefixes: set[str] = set()
        for phrase in phrases:
            for _, _, word in words(phrase):
                self.forms |= morph.forms(word)
                for lemma in morph.lemmas(word) | ({stem_key(word)} if len(word) >= 7 else set()):
                    if lemma[:1] in "^~":
                        self.prefixes.add(lemma[1:])
        self._prefix = re.compile("|".join(map(re.escape, sorted(self.prefixes)))) if self.prefixes else None
        self._seen: dict[str, bool] = {}  # text word -> answer; words repeat a lot in news text

    def __call__(self, word: str) -> bool:
        answer = self._seen.get(word)
        if answer is None:
            key = normalise(word)
            answer = key in self.forms or (self._prefix is not None and self._prefix.match(key) is not None)
            if len(self._seen) > 200_000:
                self._seen.clear()
            self._seen[word] = answer
        return answer

    def mask(self, words: Iterable[str]) -> list[bool]:
        """Per word, whether it passes (one call per sentence: most words have been seen before)."""
        seen = self._seen
        return [seen[word] if word in seen else self(word) for word in words]


class PhraseGate:
    """A cheap test before any analysis: could a sentence hold every word of one of the given phrases?

    Each word of a phrase has its own FormGate; a sentence passes when, for some phrase, each of its words has a
    text word passing that word's gate."""

    def __init__(self, phrases: Iterable[str], morph: Morph):
        ids: dict[str, int] = {}
        self._by_first: dict[int, list[frozenset[int]]] = {}  # a phrase's word ids under its first word's id
        for phrase in phrases:
            phrase_ids = [ids.setdefault(normalise(w), len(ids)) for _, _, w in words(phrase)]
            if phrase_ids:
                self._by_first.setdefault(phrase_ids[0], []).append(frozenset(phrase_ids))
        self._forms: dict[str, set[int]] = {}
        self._prefixes: dict[str, set[int]] = {}
        for word, index in ids.items():
            gate = FormGate([word], morph)
            for form in gate.forms:
                self._forms.setdefault(form, set()).add(index)
            for prefix in gate.prefixes:
                self._prefixes.setdefault(prefix, set()).add(index)
        self._lengths = sorted({len(p) for p in self._prefixes})
        self._prefix = re.compile("|".join(map(re.escape, sorted(self._prefixes)))) if self._prefixes else None
        self._seen: dict[str, frozenset[int]] = {}

    def ids(self, word: str) -> frozenset[int]:
        """The phrase words this text word may be a form of."""
        found = self._seen.get(word)
        if found is None:
            key = normalise(word)
            found = frozenset(self._forms.get(key, ()))
            if self._prefix is not None and self._prefix.match(key):
                found = found.union(*(self._prefixes.get(key[:n], ()) for n in self._lengths))
            if len(self._seen) > 200_000:
                self._seen.clear()
            self._seen[word] = found
        return found

    def passing(self, words: Iterable[str]) -> list[str]:
        """The words that may be a form of some phrase word, in order; [] unless every word of some phrase may be
        among them."""
        words = list(words)
        seen = self._seen
        found = [seen[word] if word in seen else self.ids(word) for word in words]
        present = frozenset().union(*found)
        if not present or not any(phrase <= present for first in present for phrase in self._by_first.get(first, ())):
            return []
        return [word for word, ids in zip(words, found, strict=False) if ids]


class WordList:
    """A grammar word list (lemmas, "е" for "ё") with a FormGate for the text words that may be one of them."""

    def __init__(self, lemmas: Iterable[str], morph: Morph):
        self.lemmas = frozenset(lemmas)
        self.gate = FormGate(self.lemmas, morph)
        self.gate.forms |= {normalise(w) for w in self.lemmas}  # entries that are no words ("—") pass as written


class LemmaNameMatcher:
    """Finds party names in raw text by lemma sequences, longest match first.

    A phrase word written with a capital only matches a capitalised text word ("Мир" the TV channel is
    not "мир"); lower-case phrase words match any case.
    """

    def __init__(self, names: list[dict[str, Any]], morph: Morph):
        self.morph = morph
        self._by_first: dict[str, list[tuple[list[frozenset[str]], list[bool], dict[str, Any]]]] = {}
        self._longest = 1
        self.surfaces: set[str] = set()  # configured phrases as written (nominative): "Москалькова"
        seen: dict[tuple[str, ...], dict[str, Any]] = {}
        for entry in names:
            phrase = entry["phrase"].strip()
            parts = [w for _, _, w in words(phrase)]
            if not parts:
                continue
            key = tuple(normalise(w) for w in parts)
            self.surfaces.add(" ".join(key))
            if key in seen and _RANK[seen[key]["kind"]] <= _RANK[entry["kind"]]:
                continue
            seen[key] = entry
        for entry in seen.values():
            parts = [w for _, _, w in words(entry["phrase"])]
            lemma_sets = phrase_lemmas(morph, entry["phrase"])
            capital = [w[:1].isupper() for w in parts]
            item = (lemma_sets, capital, entry)
            for lemma in lemma_sets[0]:
                self._by_first.setdefault(lemma, []).append(item)
            self._longest = max(self._longest, len(lemma_sets))
        self._gate = FormGate([words(e["phrase"])[0][2] for e in seen.values() if words(e["phrase"])], morph)
        for items in self._by_first.values():  # longest phrase first, then persons before bodies before aliases
            items.sort(key=lambda item: (-len(item[0]), _RANK[item[2]["kind"]]))

    def find(self, text: str, start: int = 0, end: int | None = None) -> list[Mention]:
        spans = words(text, start, end)
        passes = self._gate.mask([w for _, _, w in spans])
        if not any(passes):
            return []
        cache: dict[int, frozenset[str]] = {}

        def lemmas_at(k: int) -> frozenset[str]:
            if k not in cache:
                cache[k] = self.morph.lemmas(spans[k][2])
            return cache[k]

        out: list[Mention] = []
        i = 0
        while i < len(spans):
            best = None
            if not passes[i]:
                i += 1
                continue
            candidates = {id(c): c for lemma in lemmas_at(i) for c in self._by_first.get(lemma, ())}
            for sets, capital, entry in sorted(candidates.values(), key=lambda c: (-len(c[0]), _RANK[c[2]["kind"]])):
                n = len(sets)
                if i + n > len(spans):
                    continue
                if all(
                    lemmas_at(i + k) & sets[k] and (not capital[k] or spans[i + k][2][:1].isupper()) for k in range(n)
                ):
                    best = (n, entry)
                    break
            if best:
                n, entry = best
                out.append(
                    PhraseMention(
                        spans[i][0],
                        spans[i + n - 1][1],
                        entry["party"],
                        entry["speaker"],
                        entry["kind"],
                        entry["phrase"],
                    )
                )
                i += n
            else:
                i += 1
        return out


class LemmaPhrases:
    """A set of lemma phrases (one or more words) found anywhere in a sequence of word lemma sets."""

    def __init__(self, phrases: Iterable[str], morph: Morph):
        self._by_first: dict[str, list[list[frozenset[str]]]] = {}
        for phrase in phrases:
            sets = phrase_lemmas(morph, phrase)
            if sets:
                for lemma in sets[0]:
                    self._by_first.setdefault(lemma, []).append(sets)

    def count(self, lemmas: list[frozenset[str]]) -> int:
        found = 0
        for i, here in enumerate(lemmas):
            for lemma in here:
                for sets in self._by_first.get(lemma, ()):
                    if i + len(sets) <= len(lemmas) and all(lemmas[i + k] & sets[k] for k in range(1, len(sets))):
                        found += 1
                        break
                else:
                    continue
                break
        return found


class LemmaPrefilter:
    """Keeps sentences with a topic keyword and all the words of some cue, compared as lemmas."""

    def __init__(self, lexicon: dict[str, Any], morph: Morph):
        self.morph = morph
        self.window = Grammar.of(lexicon).topic_window
        # each cue's lemma sets, under every lemma of its first word
        self._cues: dict[str, list[list[frozenset[str]]]] = {}
        for claim_type in lexicon["claim_types"]:
            for cue in claim_type["cues"]:
                sets = phrase_lemmas(morph, cue)
                for lemma in sets[0] if sets else ():
                    self._cues.setdefault(lemma, []).append(sets)
        topics = [w for ws in lexicon["topics"].values() for w in ws]
        self._topics = LemmaPhrases(topics, morph)
        self._topic_gate = FormGate([w for t in topics for _, _, w in words(t)], morph)
        self._cue_gate = PhraseGate([cue for ct in lexicon["claim_types"] for cue in ct["cues"]], morph)
        self._topic_seen: dict[str, bool] = {}

    def topic_window(self, text: str, spans: list[tuple[int, int]], index: int) -> str:
        """The sentences around sentence `index` (grammar `topic_window` either side; blank lines crossed, since
        speeches and wire copy often put each sentence in its own paragraph) when one of them is on a topic.
        The claim reader decides whether the sentence really continues that passage."""
        lo, hi = max(0, index - self.window), min(len(spans), index + self.window + 1)
        on_topic = any(self.has_topic(text[start:end]) for start, end in spans[lo:hi])
        return text[spans[lo][0] : spans[hi - 1][1]] if on_topic else ""

    def _lemmas(self, sentence: str) -> list[frozenset[str]]:
        return [self.morph.lemmas(w) for _, _, w in words(sentence)]

    def has_topic(self, sentence: str) -> bool:
        """Whether the sentence has a topic keyword (remembered: the window asks about each sentence again)."""
        answer = self._topic_seen.get(sentence)
        if answer is None:
            tokens = WORD.findall(sentence)
            gated = self._topic_gate.mask(tokens)
            empty: frozenset[str] = frozenset()
            lemmas = [self.morph.lemmas(w) if ok else empty for ok, w in zip(gated, tokens, strict=False)]
            answer = any(gated) and self._topics.count(lemmas) > 0
            if len(self._topic_seen) > 50_000:
                self._topic_seen.clear()
            self._topic_seen[sentence] = answer
        return answer

    def has_cue(self, sentence: str) -> bool:
        """Whether every word of some cue is in the sentence (the claim reader looks for them near each other).
        Words are analysed only when the sentence may hold a whole cue."""
        passing = self._cue_gate.passing(WORD.findall(sentence))
        if not passing:
            return False
        present = frozenset().union(*(self.morph.lemmas(w) for w in passing))
        return any(
            all(not present.isdisjoint(s) for s in sets)
            for lemma in present
            if lemma in self._cues
            for sets in self._cues[lemma]
        )

    def is_candidate(self, sentence: str, follows_topic: bool = False) -> bool:
        return self.has_cue(sentence) and (follows_topic or self.has_topic(sentence))


def lemma_helpers(lexicon: dict[str, Any], language: str) -> tuple[LemmaPrefilter, LemmaNameMatcher]:
    """The prefilter and name matcher the extractor uses for a language read by lemmas."""
    from onrecord.nlp.morph import morph_for

    morph = morph_for(language)
    return LemmaPrefilter(lexicon, morph), LemmaNameMatcher(lexicon["names"], morph)
