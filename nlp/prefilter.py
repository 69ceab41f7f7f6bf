"""The cheap first pass: split text into sentences with a regex and keep those that can carry a claim.

A sentence is a candidate when it has a topic keyword and a claim-type cue word (any inflection). Only
candidates go through the tagger and parser, which is where the time goes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from onrecord.nlp.cues import anchor_index
from onrecord.nlp.grammar import Grammar

_SENTENCE_END = re.compile(
    r"""(?<=[.!?…])["'”’»)]*\s+(?=(?:[-–—]\s*)?["'“‘«(]?[A-ZА-ЯЁІЇЄҐ0-9])|\n\s*\n|\n(?=\s*["“«]?[A-ZА-ЯЁІЇЄҐ])"""
)
_ABBREVIATIONS = re.compile(
    r"(?:\b(?:Mr|Mrs|Ms|Dr|St|No|Gen|Col|Lt|Sgt|Jr|Sr|Prof|Rev|U\.S|U\.N|U\.K|Jan|Feb|Mar|Apr|"
    r"Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|vs|etc|i\.e|e\.g)|\b[A-Z])\.$"
)


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences of `text`, whitespace trimmed; never cuts after "Mr." or "U.S."."""
    spans = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        if "\n" not in match.group() and _ABBREVIATIONS.search(text, max(start, match.start() - 6), match.start()):
            continue  # "Mr. Smith", "U.S. envoys"; a line break still ends the sentence ("wrote on X.\nA ...")
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(text)))
    out = []
    for begin, end in spans:
        while begin < end and text[begin].isspace():
            begin += 1
        while end > begin and text[end - 1].isspace():
            end -= 1
        if end > begin:
            out.append((begin, end))
    return out


_SHORT_TAIL = r"(?:s|es|ed|d|ing)?(?!\w)"
_EXACT_TAIL = r"(?!\w)"


def _stem(word: str) -> tuple[str, str]:
    """(literal, tail): a prefix matching the word's inflections; short words must end where the word ends."""
    word = word.lower()
    if len(word) <= 5:
        return word, _SHORT_TAIL
    return word[: max(5, len(word) - 2)], ""


def _keyword(word: str) -> tuple[str, str]:
    """(literal, tail) of a topic keyword, as nlp.lexicon.keyword_pattern reads it (spaces match any space)."""
    word = " ".join(word.lower().split())
    return word, _SHORT_TAIL if len(word) <= 5 else ""


def trie_regex(items: Iterable[tuple[str, str]]) -> re.Pattern[str]:
    """One case-insensitive regex for many (literal, tail) alternatives, factored on common prefixes.

    Python's regex engine tries an alternation branch by branch at every position; sharing prefixes makes
    the scan of a sentence against hundreds of cue stems several times faster than a flat alternation.
    """
    root: dict = {}
    for literal, tail in items:
        if not literal:
            continue
        node = root
        for char in literal:
            node = node.setdefault(char, {})
        node.setdefault("", set()).add(tail)

    def render(node: dict) -> str:
        branches = [
            ("\\s+" if char == " " else re.escape(char)) + render(child)
            for char, child in sorted((k, v) for k, v in node.items() if k)
        ]
        tails = sorted(node.get("", ()))
        if "" in tails:  # a bare prefix ends here: anything after it is fine
            return "" if not branches else "(?:" + "|".join(branches) + ")?"
        alternatives = branches + tails
        return alternatives[0] if len(alternatives) == 1 else "(?:" + "|".join(alternatives) + ")"

    body = render(root) if root else r"(?!x)x"
    return re.compile(r"(?<!\w)" + body, re.IGNORECASE)


class Prefilter:
    """Decides from raw text which sentences deserve a parse."""

    def __init__(self, lexicon: dict[str, Any], inflections: dict[str, list[str]] | None = None):
        inflections = inflections or {}
        grammar = Grammar.of(lexicon)
        cue_words: set[tuple[str, str]] = set()
        borrowing: set[tuple[str, str]] = set()  # cues of the types that may borrow a passage's topic
        behaviour: set[tuple[str, str]] = set()  # ...and of those that may do so in a longer sentence
        for claim_type in lexicon["claim_types"]:
            for cue in claim_type["cues"]:
                words = cue.lower().replace("n't", " not").split()
                if not words:
                    continue
                # the cue matcher needs this word, so the prefilter does
                word = words[anchor_index(words, grammar.cue_function_words)]
                forms = {_stem(word), *((f.lower(), _EXACT_TAIL) for f in inflections.get(word, []))}
                cue_words |= forms
                if claim_type["id"] in grammar.borrowed_topic_types:
                    borrowing |= forms
                if claim_type["id"] in grammar.behaviour_types:
                    behaviour |= forms
        self._cue = trie_regex(cue_words)
        self._borrowing_cue = trie_regex(borrowing)
        self._behaviour_cue = trie_regex(behaviour)
        self.borrow_max_words = grammar.borrowed_topic_max_words
        self.borrow_max_words_accusing = grammar.borrowed_topic_max_words_accusing
        self._anaphor = {
            w.lower()
            for key in ("third_person", "other_side_pronouns", "anaphoric_openers")
            for w in grammar.word_list(key)
        }
        self._topic = trie_regex(_keyword(w) for words in lexicon["topics"].values() for w in words if w.strip())

    def has_topic(self, sentence: str) -> bool:
        return bool(self._topic.search(sentence))

    def has_cue(self, sentence: str) -> bool:
        return bool(self._cue.search(sentence))

    def behaviour_cue_at(self, sentence: str) -> int:
        """Where the first cue of a behaviour type (an accusation: "does not want", "blocks") starts, else -1."""
        match = self._behaviour_cue.search(sentence)
        return match.start() if match else -1

    def may_borrow_topic(self, sentence: str) -> bool:
        """Whether a sentence without a topic word has a cue of a type that may take its passage's topic (en.yaml
        borrowed_topic_types; nlp.claims decides on the parse)."""
        return bool(self._borrowing_cue.search(sentence))

    def is_candidate(self, sentence: str, follows_topic: bool = False) -> bool:
        """A cue plus a topic keyword in the sentence, or right after a sentence on the topic."""
        return self.has_cue(sentence) and (follows_topic or self.has_topic(sentence))

    def continues_passage(self, sentence: str, in_quote: bool = False) -> bool:
        """Whether a sentence without a topic word may take the topic of its neighbours: a quoted statement
        (the speaker goes on about the same matter) or one opening with a pronoun that points back ("They
        refuse...", "According to him, ..."). Other sentences name what they are about, so they are not parsed
        for it (a reported-speech rule was measured: more false positives than finds)."""
        stripped = sentence.lstrip(" -–—")
        if in_quote or stripped[:1] in QUOTES:
            return True
        return any(w.lower() in self._anaphor for w in _WORD.findall(stripped, 0, 40)[:4])


QUOTES = "\"“”«‘'"
_WORD = re.compile(r"\w+")
