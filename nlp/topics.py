"""What a sentence is about: the configured topic its keywords name, unless the word is used in another sense.

"exchange of views" is not a prisoner exchange, and "talks with Mr. Trudeau" are not the talks between the
sides. A sentence without a topic word may take the topic of its passage (the extractor passes it as
context "topic_context"). Text only, no parse: the extractor asks before parsing which sentences can carry
a claim at all.
"""

from __future__ import annotations

import re

from onrecord.nlp.context import SentenceContext
from onrecord.nlp.grammar import Grammar
from onrecord.nlp.lexicon import NameFinder, keywords_regex

# The word after a topic word (past an "of"/"the"), and the word before it.
_NEXT_WORD = re.compile(r"[\w-]*\s+(?:(?:of|on)\s+)?(?:(?:the|their|our|its|best)\s+)?([\w-]+)")
_PREVIOUS_WORD = re.compile(r"([\w-]+)\s+$")


def _singular(word: str) -> str:
    return word[:-1] if word.endswith("s") and not word.endswith("ss") and len(word) > 3 else word


# "with" and up to five words starting with a capital: whom talks or a deal are with.
_WITH_NAME = re.compile(r"\s+with\s+(?:the\s+)?([A-Z][^\s,;:!?]*(?:\s+[^\s,;:!?]+){0,4})")


class OtherConflicts:
    """Whether a text is about another conflict: it names one of the grammar's `other_conflicts` ("talks on a Gaza
    ceasefire", "the denuclearization of the Korean Peninsula") and none of the sides of this one (the parties of
    `counterparts`). Talks, truces and releases there are not the configured topics."""

    def __init__(self, grammar: Grammar, names: NameFinder, counterparts: dict[str, str]):
        self.names = names
        self.sides = set(counterparts)
        self._regex = keywords_regex(list(grammar.other_conflicts)) if grammar.other_conflicts else None

    def __call__(self, text: str) -> bool:
        if self._regex is None or not self._regex.search(text):
            return False
        return not any(m.party in self.sides for m in self.names.find(text, 0, len(text)))


class TopicReader:
    """The topic of a text from config keywords (nlp.lexicon.keywords_regex), grammar exclusions (en.yaml
    other_sense_neighbours, topic_idioms) and the sides of the conflict (`counterparts`)."""

    def __init__(self, topics: dict[str, list[str]], grammar: Grammar, names: NameFinder, counterparts: dict[str, str]):
        self.names = names
        self.counterparts = counterparts
        self.topics = [(topic, keywords_regex(words)) for topic, words in topics.items() if words]
        self._other_senses = {_singular(w.lower()) for w in grammar.other_sense_neighbours}
        self._idioms = [
            re.compile(r"(?<!\w)" + r"\s+".join(map(re.escape, i.split())) + r"(?!\w)", re.IGNORECASE)
            for i in grammar.topic_idioms
        ]
        self.elsewhere = OtherConflicts(grammar, names, counterparts)

    def topic_of(self, text: str) -> str | None:
        if self.elsewhere(text):
            return None
        counts = [
            (
                sum(
                    1
                    for m in regex.finditer(text)
                    if not self._with_outsider(text, m.end()) and not self._other_sense(text, m)
                ),
                topic,
            )
            for topic, regex in self.topics
        ]
        best = max(counts, default=(0, None))
        return best[1] if best[0] else None

    def _other_sense(self, text: str, match: re.Match) -> bool:
        """A topic word next to a word that gives it another sense: "exchange of views", "exchange experience",
        "delegation exchanges", "stock exchange" are not an exchange of prisoners or talks between the sides."""
        words = self._other_senses
        for idiom in self._idioms:
            if any(m.start() <= match.start() and match.end() <= m.end() for m in idiom.finditer(text)):
                return True
        after = _NEXT_WORD.match(text, match.end())
        before = _PREVIOUS_WORD.search(text, 0, match.start())
        return any(m is not None and _singular(m.group(1).lower()) in words for m in (after, before))

    def _with_outsider(self, text: str, end: int) -> bool:
        """True when a topic word is followed by "with" and a name that is none of the sides of the conflict
        ("negotiations with Mr. Trudeau", "talks with Portuguese Prime Minister Costa"): talks or a deal with an
        outsider are not the negotiation or exchange between the sides."""
        match = _WITH_NAME.match(text, end)
        if not match:
            return False
        return not any(m.party in self.counterparts for m in self.names.find(text, match.start(1), match.end(1)))

    def topic_for(self, text: str, context: SentenceContext) -> tuple[str | None, str | None]:
        """(topic, own topic) of a sentence: the topic its own words name, else the topic of its passage
        (context "topic_context", set by the extractor); (None, None) for a question, which states nothing.
        Reads text only, so the extractor asks before parsing and keeps the answer in the context's `topics`."""
        if context.topics is not None:
            return context.topics
        topic = own_topic = self.topic_of(text)
        if topic is None:  # a statement continuing the topic of its passage
            topic = self.topic_of(context.topic_context)
        if topic is None or text.rstrip(" \"”»'’").endswith("?"):
            return None, None
        return topic, own_topic
