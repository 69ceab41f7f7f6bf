"""When a statement was made: a date phrase attached to the speech act, resolved against publication."""

from __future__ import annotations

import functools
from datetime import date, datetime, timedelta

import dateparser
from spacy.tokens import Token

from onrecord.nlp.attribution import clause_root
from onrecord.nlp.grammar import DateWords, Grammar, grammar

_BLOCKING_DEPS = ("ccomp", "xcomp", "advcl", "relcl", "acl", "pcomp", "csubj")


def publication_date(published: str | None) -> date | None:
    if not published:
        return None
    value = published.replace("Z", "+00:00")
    if "T24:" in value:  # an hour past midnight written as 24:xx of the day before: keep that day, as written
        return date.fromisoformat(value.split("T", 1)[0])
    try:
        return datetime.fromisoformat(value).date()
    except ValueError:
        parsed = dateparser.parse(published)
        return parsed.date() if parsed else None


def date_phrase(speech: Token | None, cue: Token, grammar: Grammar) -> str | None:
    """The date words that modify the speech verb (or the cue's clause when nothing reports it).

    "Peskov said on Thursday that..." gives "Thursday"; a date inside the reported content
    ("the list handed over on Monday") is not the date of the statement.
    """
    anchor = speech if speech is not None else clause_root(cue)
    words = set(grammar.date_words)
    for token in anchor.doc:
        if token.lower_ not in words:
            continue
        if not _attached_to(token, anchor):
            continue
        phrase = [t for t in token.subtree if t.dep_ != "prep" and not t.is_punct]
        return " ".join(t.text for t in phrase) if phrase else token.text
    return None


def _attached_to(token: Token, anchor: Token) -> bool:
    """True when `anchor` governs `token` with no clause boundary in between (a bounded walk up the tree)."""
    if token.i == anchor.i:
        return True
    chain = [token]
    for ancestor in token.ancestors:  # bounded: at most the sentence length
        if ancestor.i == anchor.i:
            return not any(t.dep_ in _BLOCKING_DEPS for t in chain)
        chain.append(ancestor)
        if len(chain) > 64:
            break
    return False


@functools.lru_cache(maxsize=4096)
def resolve_date(phrase: str | None, published: str | None, language: str) -> str | None:
    """ISO date of the statement: the phrase resolved against the publication date, else that date.

    Cached: dateparser takes milliseconds a call, and an article's statements share their date phrases."""
    base = publication_date(published)
    if phrase and base:
        words = grammar(language).dates
        quick = _common_phrase(phrase, base, words)
        if quick is not None:
            return quick.isoformat()
        settings = {
            "RELATIVE_BASE": datetime(base.year, base.month, base.day, 12),
            "PREFER_DATES_FROM": "past",
            "RETURN_AS_TIMEZONE_AWARE": False,
        }
        parsed = dateparser.parse(phrase, languages=[language], settings=settings)
        if parsed and _same_weekday_a_week_back(phrase, parsed.date(), base, words):
            return base.isoformat()  # "on Tuesday" in Tuesday's wire copy is that day, not a week before
        if parsed and parsed.date() <= base and (base - parsed.date()).days <= 31:
            return parsed.date().isoformat()
    return base.isoformat() if base else None


def _same_weekday_a_week_back(phrase: str, parsed: date, base: date, words: DateWords) -> bool:
    """A bare weekday that dateparser put seven days back because it is the publication day's weekday."""
    lowered = phrase.lower()
    return (base - parsed).days == 7 and not any(word in lowered for word in words.past_markers)


def _common_phrase(phrase: str, base: date, words: DateWords) -> date | None:
    """A bare day word or weekday name (the most recent such day up to the publication day), else None. The
    phrases wire copy uses most, resolved without dateparser (which takes ~10 ms a call); the words are the
    language's (grammar `dates`: stems cover case forms, "в четверг", "у четвер", "в пятницу")."""
    tokens = [t for t in phrase.lower().replace(",", " ").split() if t not in words.fillers]
    if len(tokens) != 1 or any(word in phrase.lower() for word in words.past_markers):
        return None
    word = tokens[0]
    if word in words.day_offsets:
        return base - timedelta(days=words.day_offsets[word])
    for weekday, stems in enumerate(words.weekday_stems):
        if any(word.startswith(stem) for stem in stems):
            return base - timedelta(days=(base.weekday() - weekday) % 7)
    return None
