"""Quotations in plain text, by character offsets: where each quote opens and closes, even over sentence ends.

Both engines ask the same two questions of an article's text — is this sentence inside a quote that opened
earlier, and which sentences does one quotation cover — so that a quote that runs over several sentences can be
given to the speaker named before it ("Peskov said: “…”") or after it ("…,” according to the Kremlin spokesman").

Marks pair by kind: “…” (also „…“ and „…”), «…», "…" (straight marks alternate) and ‘…’. The single curly marks
double as apostrophes, so ‘ opens a quote only where a word does not run into it (a space, a line start or
punctuation before it, a letter after it) and ’ closes only an open ‘…’ and never inside a word ("Russia’s").
A quote left open for more than MAX_QUOTE_CHARS is taken as an unpaired mark.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

MAX_QUOTE_CHARS = 1500
_MARKS = re.compile('[“”„«»"‘’]')  # the marks alone are looked at
_CLOSERS = {"“": "”", "„": "“”", "«": "»", '"': '"', "‘": "’"}


@dataclass(frozen=True)
class Quote:
    """The quoted text is text[start:end]; the marks sit at start - 1 and end."""

    start: int
    end: int


def quote_spans(text: str, max_chars: int = MAX_QUOTE_CHARS) -> list[Quote]:
    """Every paired quotation of `text`, in order (the outermost one where quotes nest)."""
    out: list[Quote] = []
    opened: tuple[str, int] | None = None  # (opening mark, where its text starts)
    for found in _MARKS.finditer(text):
        i, mark = found.start(), found.group()
        if opened is not None and i - opened[1] > max_chars:
            opened = None  # an unpaired mark long ago: forget it
        before = text[i - 1] if i else " "
        after = text[i + 1] if i + 1 < len(text) else " "
        if opened is None:
            if mark == "‘" and (before.isalnum() or after.isspace()):
                continue  # an apostrophe ('90s) or a stray mark
            if mark in _CLOSERS:
                opened = (mark, i + 1)
            continue
        kind, start = opened
        if mark in _CLOSERS[kind]:
            if mark == "’" and after.isalnum():
                continue  # Russia’s: an apostrophe inside a quote
            if i > start:
                out.append(Quote(start, i))
            opened = None
        elif mark in "“«" and kind != "‘":
            opened = (mark, i + 1)  # a new opening mark: the previous one was never closed
    return out


class QuoteIndex:
    """The quotations of one text, asked by position."""

    def __init__(self, text: str):
        self.quotes = quote_spans(text)
        self._starts = [q.start for q in self.quotes]

    def around(self, position: int) -> Quote | None:
        """The quotation that `position` lies inside, if any."""
        k = bisect.bisect_right(self._starts, position) - 1
        if k >= 0 and self.quotes[k].start <= position < self.quotes[k].end:
            return self.quotes[k]
        return None

    def overlapping(self, start: int, end: int) -> list[Quote]:
        """The quotations that share text with text[start:end]."""
        k = max(0, bisect.bisect_right(self._starts, start) - 1)
        found = []
        for quote in self.quotes[k:]:
            if quote.start >= end:
                break
            if quote.end > start:
                found.append(quote)
        return found


def inside_quote(text: str, position: int) -> bool:
    """Whether `position` of `text` lies inside a quotation that opened before it."""
    return (
        QuoteIndex(text[max(0, position - MAX_QUOTE_CHARS) : position + MAX_QUOTE_CHARS]).around(
            min(position, MAX_QUOTE_CHARS)
        )
        is not None
    )
