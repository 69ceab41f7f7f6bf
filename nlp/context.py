"""What a rule engine knows of a sentence beyond its own words: the article and passage it stands in.

The extractor fills one SentenceContext per candidate sentence and sets it on `doc._.onrecord_context`; the
rule engines (nlp.claims, nlp.claims_cyr) read it. Everything has a default, so a reader used on its own
(`ClaimReader(lexicon).read(doc, SentenceContext(speaks_for="ukraine"))`) needs only what it knows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

Holder = tuple[str, str | None]  # (party, speaker)


@dataclass
class SentenceContext:
    speaks_for: str | None = None  # the party the article's source speaks for
    speaker: str | None = None  # the person the article's source is, when it is one
    in_quote: bool = False  # the sentence stands inside a quotation
    via: str | None = None  # the agency the article cites
    previous_sentence: str = ""
    topic_context: str = ""  # the passage whose topic a sentence without a topic word continues
    topic_loose: int = 0  # the sentence's length in words when it may borrow its passage's topic, else 0
    topics: tuple[str | None, str | None] | None = None  # (topic, own topic) when decided before the parse
    participant: Holder | None = None  # the other participant of a meeting or call ("the parties stressed")
    find_last_speaker: Callable[[], Holder | None] | None = None  # asked only when a holder needs it
    _last: Holder | None = None
    _asked: bool = False

    def last_speaker(self) -> Holder | None:
        """(party, speaker) of the last person named before the sentence (what "he said" or a continuing quote
        refers to); looked up once, on first use."""
        if not self._asked:
            self._asked = True
            if self.find_last_speaker is not None:
                self._last = self.find_last_speaker()
        return self._last
