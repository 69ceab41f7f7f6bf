"""Claim-type cues matched on lemmas and dependency structure, not on exact strings.

A cue such as "hand over list" matches when its rarest word (the anchor, e.g. "hand") occurs and every
other word occurs in the anchor's clause, a few tokens away at most: "handed our list over", "the list
was handed over" and "hands over lists" all match.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from spacy.tokens import Doc, Token

from onrecord.nlp.attribution import clause_root
from onrecord.nlp.grammar import Grammar

MAX_CUE_SPREAD = 7


@dataclass(frozen=True)
class CueMatch:
    claim_type: dict[str, Any]
    anchor: Token
    tokens: tuple[Token, ...]
    words: tuple[str, ...]


def anchor_index(words: list[str], function_words: Iterable[str]) -> int:
    """The word a cue is looked up by: its longest content word (grammar cue_function_words are not)."""
    skipped = set(function_words)
    content = [i for i, w in enumerate(words) if w not in skipped]
    return max(content or range(len(words)), key=lambda i: len(words[i]))


def _forms(token: Token) -> set[str]:
    return {token.lemma_.lower(), token.lower_}


class CueMatcher:
    def __init__(self, claim_types: list[dict[str, Any]], grammar: Grammar):
        # A negator in a cue ("not want", "no answer", grammar cue_negators) must belong to the cue word or its
        # clause, not to a clause under it ("Russia showed that it was not ..." is no "not show").
        self.negators = frozenset(grammar.cue_negators)
        self._by_anchor: dict[str, list[tuple[dict[str, Any], list[str], int]]] = {}
        for claim_type in claim_types:
            for cue in claim_type["cues"]:
                words = cue.lower().replace("n't", " not").split()
                if not words:
                    continue
                anchor = anchor_index(words, grammar.cue_function_words)
                self._by_anchor.setdefault(words[anchor], []).append((claim_type, words, anchor))

    def __call__(self, doc: Doc) -> list[CueMatch]:
        found: dict[tuple[str, int], CueMatch] = {}
        for token in doc:
            for form in _forms(token):
                for claim_type, words, anchor in self._by_anchor.get(form, []):
                    tokens = self._match_rest(token, words, anchor)
                    if tokens is None:
                        continue
                    key = (claim_type["id"], token.i)
                    if key not in found or len(words) > len(found[key].words):
                        found[key] = CueMatch(claim_type, token, tokens, tuple(words))
        return sorted(found.values(), key=lambda m: m.anchor.i)

    def _match_rest(self, token: Token, words: list[str], anchor: int) -> tuple[Token, ...] | None:
        if len(words) == 1:
            return (token,)
        root = clause_root(token)
        scope = [t for t in root.subtree if abs(t.i - token.i) <= MAX_CUE_SPREAD] + [root.head]
        matched = [token]
        for index, word in enumerate(words):
            if index == anchor:
                continue
            near = scope if word not in self.negators else [t for t in scope if t.head.i in (token.i, root.i)]
            hit = next((t for t in near if word in _forms(t) and t not in matched), None)
            if hit is None:
                return None
            matched.append(hit)
        return tuple(sorted(matched, key=lambda t: t.i))
