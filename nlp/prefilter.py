"""The cheap first pass: split text into sentences with a regex and keep those that can carry a claim.

A sentence is a candidate when it has a topic keyword and a claim-type cue word (any inflection). Only
candidates go through the tagger and parser, which is where the time goes.
"""

from __future__ import annotations

import re
from typing import Any, Iterable

from nlp.lexicon import keywords_regex

_SENTENCE_END = re.compile(r"""(?<=[.!?…])["'”’»)]*\s+(?=(?:[-–—]\s*)?["'“‘«(]?[A-ZА-ЯЁІЇЄҐ0-9])|\n\s*\n|\n(?=\s*["“«]?[A-ZА-ЯЁІЇЄҐ])""")
_ABBREVIATIONS = re.compile(r"(?:\b(?:Mr|Mrs|Ms|Dr|St|No|Gen|Col|Lt|Sgt|Jr|Sr|Prof|Rev|U\.S|U\.N|U\.K|Jan|Feb|Mar|Apr|"
                            r"Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|vs|etc|i\.e|e\.g)|\b[A-Z])\.$")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences of `text`, whitespace trimmed; never cuts after "Mr." or "U.S."."""
    spans = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        if _ABBREVIATIONS.search(text, max(start, match.start() - 6), match.start()):
            continue
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


def _stem(word: str) -> str:
    """A prefix pattern matching the word's inflections; short words must end where the word ends."""
    word = word.lower()
    if len(word) <= 5:
        return re.escape(word) + r"(?:s|es|ed|d|ing)?(?!\w)"
    return re.escape(word[: max(5, len(word) - 2)])


def _alternation(patterns: Iterable[str]) -> str:
    return "|".join(sorted(set(p for p in patterns if p), key=len, reverse=True))


class Prefilter:
    """Decides from raw text which sentences deserve a parse."""

    def __init__(self, lexicon: dict[str, Any], inflections: dict[str, list[str]] | None = None):
        inflections = inflections or {}
        stop = {"be", "to", "the", "a", "of", "not", "yet", "still", "with", "for", "on", "up", "out", "take", "place"}
        cue_words: set[str] = set()
        for claim_type in lexicon["claim_types"]:
            for cue in claim_type["cues"]:
                for word in cue.lower().split():
                    if word not in stop:
                        cue_words.add(_stem(word))
                        cue_words.update(re.escape(f.lower()) + r"(?!\w)" for f in inflections.get(word, []))
        self._cue = re.compile(r"(?<!\w)(?:" + (_alternation(cue_words) or r"(?!x)x") + r")", re.IGNORECASE)
        self._topic = keywords_regex([w for words in lexicon["topics"].values() for w in words])

    def has_topic(self, sentence: str) -> bool:
        return bool(self._topic.search(sentence))

    def has_cue(self, sentence: str) -> bool:
        return bool(self._cue.search(sentence))

    def is_candidate(self, sentence: str, follows_topic: bool = False) -> bool:
        """A cue plus a topic keyword in the sentence, or right after a sentence on the topic."""
        return self.has_cue(sentence) and (follows_topic or self.has_topic(sentence))
