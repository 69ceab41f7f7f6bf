"""Who holds a statement in Russian and Ukrainian text, read from lemma sequences and token windows.

Covers the reporting forms of wire copy: "Песков заявил, что…", "«…», — заявил Песков",
"как сообщил Песков, …", "по словам Пескова", "за словами Лубінця", "В Турции заявили…",
headlines "Песков: Россия передала список" and trailing "…, — Песков". Agencies ("сообщил «Интерфаксу»",
"CNN: …") are recorded as `via` and never hold a statement. Without a parser, a subject is the first
party name of a clause that can be a nominative and does not follow a preposition.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from spacy.tokens import Doc

from onrecord.nlp.attribution import NO_SOURCE, Source
from onrecord.nlp.lemma_match import LemmaNameMatcher, WordList
from onrecord.nlp.lexicon import Mention
from onrecord.nlp.morph import Morph, normalise

CLAUSE_PUNCT = {",", ";", ":", "—", "–", "(", ")", "-"}
END_PUNCT = {".", "!", "?", "…"}


@dataclass(frozen=True)
class NameSpan:
    """A name found in the sentence, in token indices [start, end)."""

    start: int
    end: int
    mention: Mention


class PerToken:
    """Per-token values computed on first use: most words of a sentence are never asked about, and analysing a
    word form pymorphy3 has not seen yet is the costliest step of reading Russian or Ukrainian."""

    __slots__ = ("_make", "_values")

    def __init__(self, count: int, make: Callable[[int], Any]):
        self._values: list[Any] = [None] * count
        self._make = make

    def __len__(self) -> int:
        return len(self._values)

    def __getitem__(self, i: int) -> Any:
        value = self._values[i]
        if value is None:
            value = self._values[i] = self._make(i)
        return value

    def __iter__(self) -> Iterator[Any]:
        return (self[i] for i in range(len(self._values)))


# Grammar word lists the attribution rules look for (the claim reader adds its own).
SENTENCE_WORDS = (
    "speech_verbs",
    "prepositions",
    "subordinators",
    "first_person",
    "third_person",
    "source_nouns",
    "source_prepositions",
    "conjunctions",
    "official_nouns",
    "former_markers",
    "date_words",
    "demonstratives",
    "indefinite_subjects",
)


class Sentence:
    """One sentence as tokens with their analyses (made when a rule first asks), party names and agencies.

    `word_lists` holds the grammar's word lists by key (see nlp.lemma_match.WordList), SENTENCE_WORDS at least."""

    def __init__(
        self,
        doc: Doc,
        morph: Morph,
        names: LemmaNameMatcher,
        agencies: LemmaNameMatcher,
        word_lists: dict[str, WordList],
    ):
        self.doc = doc
        self.text = doc.text  # spaCy joins its tokens again on every doc.text
        self.texts = [t.text for t in doc]
        self.infos: PerToken = PerToken(len(self.texts), lambda i: morph.info(self.texts[i]))
        # the spaCy lemma as well ("ё" kept), as when a lemmatizer component gave one
        self.lemmas: PerToken = PerToken(
            len(self.texts), lambda i: self.infos[i].lemmas | {morph.lookup_lemma(self.texts[i])}
        )
        self._names = names
        self._agencies = agencies
        self.surfaces = names.surfaces
        self._lists = word_lists

    @cached_property
    def agencies(self) -> list[NameSpan]:
        return self._spans(self._agencies.find(self.text))

    @cached_property
    def names(self) -> list[NameSpan]:
        agency_tokens = {i for a in self.agencies for i in range(a.start, a.end)}
        return [n for n in self._spans(self._names.find(self.text)) if n.start not in agency_tokens]

    def _spans(self, mentions: list[Mention]) -> list[NameSpan]:
        out = []
        for mention in mentions:
            span = self.doc.char_span(mention.start, mention.end, alignment_mode="expand")
            if span is not None:
                out.append(NameSpan(span.start, span.end, mention))
        return out

    def has(self, i: int, key: str) -> bool:
        """Whether token i is a word of the grammar list `key`; tokens that cannot be one are not analysed."""
        found = self._lists[key]
        return found.gate(self.texts[i]) and not self.lemmas[i].isdisjoint(found.lemmas)

    def clause_start(self, i: int) -> int:
        """Index of the first token of the clause holding token i (after punctuation or "что"/"що")."""
        j = i - 1
        while j >= 0:
            if self.texts[j] in CLAUSE_PUNCT or self.texts[j] in END_PUNCT or self.has(j, "subordinators"):
                return j + 1
            j -= 1
        return 0

    def clause_end(self, i: int) -> int:
        j = i + 1
        while j < len(self.texts):
            if self.texts[j] in CLAUSE_PUNCT or self.texts[j] in END_PUNCT or self.has(j, "subordinators"):
                return j
            j += 1
        return len(self.texts)

    def after_preposition(self, name: NameSpan) -> bool:
        j = name.start - 1
        while j >= 0 and self.texts[j] in "«\"“'":
            j -= 1
        return j >= 0 and self.has(j, "prepositions")

    def previous(self, i: int) -> int:
        """Index of the token before i, skipping quotes and markup; -1 at the start."""
        j = i - 1
        while j >= 0 and not self.texts[j].strip("«»\"“”'*"):
            j -= 1
        return j

    def nominative(self, name: NameSpan) -> bool:
        """A configured name as written is a nominative; an inflected one is when some analysis says so."""
        text = normalise(self.text[name.mention.start : name.mention.end])
        return text in self.surfaces or self.infos[name.start].nominative

    def genitive_attribute(self, name: NameSpan) -> bool:
        """ "ответ РФ", "органы России": a name right after a common noun qualifies it; after an official's
        title ("постпред США", "омбудсмен ДНР") it names the official's side and stays a subject."""
        if name.mention.kind == "speaker":  # a person's case shows in the name itself
            return False
        j = self.previous(name.start)
        if j >= 0 and self.has(j, "date_words"):  # "В четверг Песков заявил"
            return False
        if j >= 0 and self.has(j, "conjunctions"):  # "органы России и США": both are attributes
            before = [n for n in self.names if n.end == j]
            return bool(before) and self.genitive_attribute(before[0])
        if j < 0 or not self.infos[j].noun or (self.texts[j][:1].isupper() and j > 0):
            return False
        return not self.has(j, "official_nouns")

    def can_be_subject(self, name: NameSpan) -> bool:
        return not self.after_preposition(name) and not self.genitive_attribute(name) and self.nominative(name)

    def former(self, name: NameSpan) -> bool:
        """ "экс-глава МИД Украины Кулеба", "бывший посол": no longer speaks for a side."""
        for j in range(max(0, name.start - 4), name.start + 1):
            if self.has(j, "former_markers") or normalise(self.texts[j]).startswith(("экс-", "екс-")):
                return True
        return False

    def speech_verbs(self) -> list[int]:
        return [i for i in range(len(self.texts)) if self.has(i, "speech_verbs") and self.infos[i].verb]


def _source(sentence: Sentence, first: NameSpan, by_speech: bool) -> Source:
    """A named source from its first name plus the names right after it ("глава МИД России Сергей Лавров")."""
    if sentence.former(first):
        return Source("former", span=(first.start, first.end))
    group = [first]
    for index, name in enumerate(sentence.names):
        if name.start <= group[-1].start:
            continue
        gap = range(group[-1].end, name.start)
        if len(gap) > 4 or any(
            sentence.texts[i] in END_PUNCT or sentence.texts[i] in (",", ";", ":", "—") or sentence.infos[i].verb
            for i in gap
        ):
            break
        if any(sentence.has(i, "prepositions") for i in gap):
            # "уполномоченная по правам человека в России Татьяна Москалькова": skip the place, keep the person
            following = sentence.names[index + 1] if index + 1 < len(sentence.names) else None
            if following is not None and following.start == name.end and following.mention.kind == "speaker":
                continue
            break
        joined_by_and = len(gap) == 1 and sentence.has(gap[0], "conjunctions")
        if joined_by_and and not sentence.can_be_subject(name):
            break
        group.append(name)
    person = next((n.mention for n in group if n.mention.kind == "speaker"), None)
    if person is not None:
        parties: tuple[str, ...] = (person.party,)
        speaker = person.speaker
    else:
        conjoined = [first] + [
            n
            for prev, n in itertools.pairwise(group)
            if n.start - prev.end == 1 and sentence.has(prev.end, "conjunctions")
        ]
        parties = tuple(dict.fromkeys(n.mention.party for n in conjoined))
        body = next((n.mention for n in group if n.mention.kind in ("roles", "institutions")), None)
        speaker = (getattr(body, "phrase", "") or sentence.text[body.start : body.end]) if body else None
    return Source("named", parties, speaker, by_speech, (first.start, group[-1].end), tuple(n.mention for n in group))


def _pronoun(sentence: Sentence, lo: int, hi: int, by_speech: bool, possessive: bool = False) -> Source | None:
    for i in range(lo, hi):
        if sentence.has(i, "first_person") and (possessive or sentence.infos[i].nominative):
            return Source("first_person", by_speech=by_speech, span=(i, i + 1))
        if sentence.has(i, "third_person") and (possessive or sentence.infos[i].nominative):
            return Source("third_person", by_speech=by_speech, span=(i, i + 1))
    return None


def subject_between(sentence: Sentence, lo: int, hi: int, by_speech: bool) -> Source:
    """The first name in [lo, hi) that can be a subject, else a nominative pronoun, else none."""
    for name in sentence.names:
        if lo <= name.start < hi and sentence.can_be_subject(name):
            return _source(sentence, name, by_speech)
    return _pronoun(sentence, lo, hi, by_speech) or NO_SOURCE


def _subject_after(sentence: Sentence, verb: int) -> Source:
    """The subject of an inverted speech verb: "— заявил Песков", "как сообщил глава МИД".

    Only for a verb that opens its clause (after a comma, a dash or "как"): in "В США не считают ответ РФ…"
    the name after the verb is its object."""
    if any(sentence.infos[i].noun for i in range(sentence.clause_start(verb), verb)):
        return NO_SOURCE
    end = min(sentence.clause_end(verb), verb + 12)
    for name in sentence.names:
        if verb < name.start < end and not sentence.after_preposition(name):
            return _source(sentence, name, True)
    return NO_SOURCE


def _speech_subject(sentence: Sentence, verb: int) -> Source:
    lo = sentence.clause_start(verb)
    found = subject_between(sentence, lo, verb, True)
    if found.kind != "none":
        return found
    for name in sentence.names:  # "В Турции заявили": a place before an impersonal speech verb
        if name.end <= verb and verb - name.end <= 1 and sentence.after_preposition(name):
            return _source(sentence, name, True)
    return _subject_after(sentence, verb)


def speech_source(sentence: Sentence, anchor: int) -> tuple[Source, int | None]:
    """The source of the speech verb reporting the cue at `anchor`, of "по словам X", or of a headline."""
    verbs = sentence.speech_verbs()
    before = [v for v in verbs if v < anchor]
    after = [v for v in verbs if v > anchor and any(sentence.texts[i] in (",", "—", "–") for i in range(anchor, v))]
    for verb in sorted(before, reverse=True)[:2] + after[:1]:
        found = _speech_subject(sentence, verb)
        if found.kind != "none":
            return found, verb
    found = _according_to(sentence)
    if found.kind == "none":
        found = _headline(sentence, anchor)
    return found, None


def _according_to(sentence: Sentence) -> Source:
    """ "по словам Пескова", "по данным Минобороны", "за словами Лубінця", "согласно МИД"."""
    for i in range(len(sentence.texts)):
        starts = sentence.has(i, "source_prepositions") and any(
            sentence.has(j, "source_nouns") for j in range(i + 1, min(len(sentence.texts), i + 3))
        )
        if not starts:
            continue
        for name in sentence.names:
            if i + 1 < name.start <= i + 6:
                return _source(sentence, name, True)
        pronoun = _pronoun(sentence, i + 1, min(len(sentence.texts), i + 4), True, possessive=True)
        if pronoun is not None:  # "по его словам": the last named speaker
            return pronoun
    return NO_SOURCE


def _headline(sentence: Sentence, anchor: int) -> Source:
    """ "Песков: Россия передала список" and "…, — Песков." (a name alone after a final dash)."""
    texts = sentence.texts
    colon = next((i for i in range(min(len(texts), 8)) if texts[i] == ":"), None)
    if colon is not None and colon < anchor:
        names = [n for n in sentence.names if n.end <= colon]
        if names and not any(sentence.infos[i].verb for i in range(colon)):
            return _source(sentence, names[0], True)
    dashes = [i for i, t in enumerate(texts) if t in ("—", "–") and i > anchor]
    if dashes:
        tail = dashes[-1]
        rest = [i for i in range(tail + 1, len(texts)) if texts[i] not in END_PUNCT and texts[i].strip('*«»"“”')]
        names = [n for n in sentence.names if n.start > tail]
        covered = {i for n in names + [a for a in sentence.agencies if a.start > tail] for i in range(n.start, n.end)}
        if names and len([i for i in rest if i not in covered]) <= 6 and not any(sentence.infos[i].verb for i in rest):
            return _source(sentence, names[0], True)
    return NO_SOURCE


def clause_source(sentence: Sentence, anchor: int) -> Source:
    """The subject of the cue's own clause ("Россия призвала США…", "ми передали список")."""
    start = sentence.clause_start(anchor)
    found = subject_between(sentence, start, anchor, False)
    if found.kind == "none" and start < anchor and sentence.has(start, "conjunctions"):
        found = subject_between(sentence, 0, start, False)  # "Москалькова опубликовала…, и выразила надежду"
    return found


def agency_via(sentence: Sentence) -> str | None:
    """The agency the statement was given to or cited from ("сообщил «Интерфаксу»", "CNN: …")."""
    if not sentence.agencies:
        return None
    return sentence.agencies[0].mention.speaker
