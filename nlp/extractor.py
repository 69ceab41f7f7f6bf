"""Article -> claims: the prefilter picks sentences, spaCy parses them in batches, context fills holders."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from functools import partial
from typing import TYPE_CHECKING, Any

from spacy.tokens import Doc

from onrecord.core.config import Config
from onrecord.core.records import Article, Claim
from onrecord.core.version import __version__
from onrecord.nlp.context import Holder, SentenceContext
from onrecord.nlp.dates import resolve_date
from onrecord.nlp.engine import LOOSE_WINDOW, LanguageEngine, rule_engine
from onrecord.nlp.language import detect_language
from onrecord.nlp.lexicon import Mention, build_lexicon
from onrecord.nlp.prefilter import split_sentences
from onrecord.nlp.quotes import QuoteIndex
from onrecord.nlp.reading import code_digest

if TYPE_CHECKING:
    from onrecord.nlp.learned.reader import LearnedReader

CHUNK_ARTICLES = 128
# How many sentences back a pronoun or a continuing quote looks for its speaker.
SPEAKER_LOOKBACK = 4


class Extractor:
    """Extracts claims from articles; `version` changes whenever code, cues, config or model change.

    Each language has an engine (config nlp.languages.<lang>.engine): `rules`, the hand-written reader below
    (spaCy parse + cues), or `learned`, the trained reader of nlp.learned (whose model may take the rule
    engine's claims as features: its model card says so)."""

    def __init__(self, config: Config):
        self.config = config
        self._languages: dict[str, LanguageEngine | None] = {}
        self._readers: dict[str, LearnedReader] = {}
        self.version = self._version()

    def engine(self, code: str) -> str | None:
        """The engine that reads a language: `learned` or `rules` (`auto`: learned where a model exists)."""
        settings = self.config.nlp.languages.get(code)
        if settings is None:
            return None
        if settings.engine == "auto":
            from onrecord.nlp.learned.reader import model_dir

            return "learned" if (model_dir(self.config, code) / "model.json").exists() else "rules"
        return settings.engine

    def reader(self, code: str) -> LearnedReader | None:
        """The learned reader of a language whose engine is `learned`, else None."""
        if self.engine(code) != "learned":
            return None
        if code not in self._readers:
            from onrecord.nlp.learned.reader import LearnedReader

            self._readers[code] = LearnedReader(self.config, code)
        return self._readers[code]

    def _needs_rules(self, code: str) -> bool:
        reader = self.reader(code)
        return reader is None or reader.uses_rule_features

    def _version(self) -> str:
        parts: list[Any] = [__version__]
        for language, settings in sorted(self.config.nlp.languages.items()):
            parts.append([language, settings.model, self.engine(language), build_lexicon(self.config, language)])
            reader = self.reader(language)
            if reader is not None:
                parts.append(reader.fingerprint())
        parts.append(self.config.nlp.min_confidence)
        parts.append(code_digest())  # the modules and grammar files the reading path uses (nlp.reading)
        return "nlp-" + hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:12]

    def language(self, code: str) -> LanguageEngine | None:
        """The rule engine of a language (nlp.engine), its pipeline loaded on first use."""
        if code not in self._languages:
            self._languages[code] = rule_engine(self.config, code)
        return self._languages[code]

    def extract(self, articles: Iterable[Article]) -> Iterator[tuple[Article, list[Claim]]]:
        chunk: list[Article] = []
        for article in articles:
            chunk.append(article)
            if len(chunk) >= CHUNK_ARTICLES:
                yield from self._extract_chunk(chunk)
                chunk = []
        if chunk:
            yield from self._extract_chunk(chunk)

    def _extract_chunk(self, articles: list[Article]) -> Iterator[tuple[Article, list[Claim]]]:
        jobs: dict[str, list[tuple[int, int, Doc]]] = {}
        codes: list[str | None] = []
        for index, article in enumerate(articles):
            code = article.language or detect_language(article.text, default=self.config.nlp.default_language)
            codes.append(code if code in self.config.nlp.languages else None)
            if codes[-1] is None or not self._needs_rules(code):
                continue
            lang = self.language(code)
            if lang is None:
                continue
            for start, doc in self._sentence_docs(article, lang):
                jobs.setdefault(code, []).append((index, start, doc))
        found: list[list[Claim]] = [[] for _ in articles]
        vetoed: list[list[tuple[int, int, str]]] = [[] for _ in articles]  # (start, end, claim type) per article
        for code, items in jobs.items():
            engine = self.language(code)
            assert engine is not None  # jobs are made only for languages with an engine
            nlp = engine.nlp
            docs = nlp.pipe((doc for _, _, doc in items), batch_size=self.config.nlp.batch_size)
            for (index, start, _), doc in zip(items, docs, strict=False):
                found[index].extend(self._claims(articles[index], start, doc, code))
                vetoed[index].extend(
                    (start, start + len(doc.text), t) for t in getattr(doc._, "onrecord_vetoes", None) or ()
                )
        for index, known in enumerate(codes):
            reader = self.reader(known) if known else None
            if reader is not None:
                found[index] = [
                    c
                    for c in reader.claims(articles[index], found[index], self.version, vetoed[index])
                    if c.confidence >= self.config.nlp.min_confidence
                ]
        for article, claims in zip(articles, found, strict=False):
            yield article, _dedupe(claims)

    def _sentence_docs(self, article: Article, lang: LanguageEngine) -> Iterator[tuple[int, Doc]]:
        """Candidate sentences as unparsed Docs with their context. Cheap checks come first: the cue test on
        every sentence, the topic test only where a cue is found, the engine's own text-only topic test before
        a parse, party names only around candidates."""
        text = article.text
        spans = split_sentences(text)
        filtering = self.config.nlp.prefilter
        people: dict[int, list[Mention]] = {}
        quotes = QuoteIndex(text)
        speaks_for = self._speaks_for(article)
        for index, (start, end) in enumerate(spans):
            sentence = text[start:end]
            if filtering and not lang.has_cue(sentence):
                continue
            before = text[spans[index - 1][0] : spans[index - 1][1]] if index else ""
            topical = lang.has_topic(sentence)
            in_quote = quotes.around(start) is not None
            continuing = lang.continues_passage(sentence, in_quote)
            window = "" if topical or not continuing else lang.topic_window(text, spans, index)
            if not (topical or window) and continuing:
                window = self._quote_passage(text, spans, index, quotes, lang)
            loose = 0
            if (
                not (topical or window)
                and continuing
                and lang.takes_title_topic
                and index < TITLE_REACH
                and article.title
                and lang.has_topic(article.title)
            ):
                window = article.title  # a quote or "he/they ..." continues the topic its article is titled with
            if not (topical or window):
                # a short stance of a named side or of "we" in a passage on the topic: the claim reader takes the
                # topic only for a stance whose own clause names its holder
                loose = lang.loose_topic(text, spans, index, speaks_for)
                if loose:
                    lo, hi = max(0, index - LOOSE_WINDOW), min(len(spans), index + LOOSE_WINDOW + 1)
                    window = text[spans[lo][0] : spans[hi - 1][1]]
            if filtering and not (topical or window):
                continue
            context = SentenceContext(
                speaks_for=speaks_for,
                in_quote=in_quote,
                via=article.via,
                previous_sentence=before,
                topic_context=window,
                topic_loose=loose,
            )
            if filtering and not lang.topic_before_parse(sentence, context):
                continue  # the engine's text-only test: no topic, no claim
            context.find_last_speaker = partial(self._last_speaker, text, spans, index, lang, people)  # if asked
            if lang.names_both_sides(sentence):
                context.participant = self._participant(article, spans, index, lang)
            doc = lang.nlp.make_doc(sentence)
            doc._.onrecord_context = context
            yield start, doc

    def _participant(
        self, article: Article, spans: list[tuple[int, int]], index: int, lang: LanguageEngine
    ) -> Holder | None:
        """(party, speaker) of the other participant of a meeting or call ("the parties stressed..."): the first
        person or role of another side than the article's named in the title, else in the sentences around."""
        own = self._speaks_for(article)
        lo, hi = max(0, index - LOOSE_WINDOW), min(len(spans), index + LOOSE_WINDOW + 1)
        for text, start, end in ((article.title or "", 0, None), (article.text, spans[lo][0], spans[hi - 1][1])):
            for m in lang.names.find(text, start, end):
                office = lang.office_before(text, m.start)  # "the President of France"
                if (m.kind in ("speaker", "roles") or office) and m.party and m.party != own:
                    return m.party, m.speaker or text[office.start() if office else m.start : m.end]
        return None

    @staticmethod
    def _quote_passage(
        text: str, spans: list[tuple[int, int]], index: int, quotes: QuoteIndex, lang: LanguageEngine
    ) -> str:
        """A quotation that runs over several sentences is one passage, however its paragraphs are broken: the
        sentence that leads into it and the whole quote, when they are on a topic ("…the '1000 for 1000' swap.
        Peskov said: ‘We sent our list. ¶ We are waiting.’")."""
        start, end = spans[index]
        found = quotes.overlapping(start, end)
        if not found:
            return ""
        first = next(k for k, (s0, e0) in enumerate(spans) if e0 > found[0].start - 1)
        last = max(k for k, (s0, e0) in enumerate(spans) if s0 <= found[-1].end)
        if last == first:
            return ""
        passage = text[spans[max(0, first - 1)][0] : spans[last][1]]
        return passage if lang.has_topic(passage) else ""

    @staticmethod
    def _last_speaker(
        text: str, spans: list[tuple[int, int]], index: int, lang: LanguageEngine, cache: dict[int, list[Mention]]
    ) -> Holder | None:
        """(party, speaker) of the last person or role named in the few sentences before sentence `index`
        (what a later "he said" or a continuing quote refers to), else of the transcript label
        ("Vladimir Putin:", the grammar's speaker_label) that opened the current turn. `cache` keeps the people
        found per sentence."""

        def people(key: int, start: int, end: int) -> list[Mention]:
            if key not in cache:
                cache[key] = [m for m in lang.names.find(text, start, end) if m.kind in ("speaker", "roles")]
            return cache[key]

        for back in range(index - 1, max(-1, index - 1 - SPEAKER_LOOKBACK), -1):
            found = people(back, *spans[back])
            if found:
                return found[-1].party, found[-1].speaker or text[found[-1].start : found[-1].end]
        label = lang.speaker_label_at(text, spans[index][0])
        if label is not None:
            found = people(-label.start(1) - 1, label.start(1), label.end(1))
            if found:
                return found[-1].party, found[-1].speaker or text[found[-1].start : found[-1].end]
        return None

    def _speaks_for(self, article: Article) -> str | None:
        if article.speaks_for:
            return article.speaks_for
        source = self.config.source(article.source)
        return source.speaks_for if source else None

    def _claims(self, article: Article, start: int, doc: Doc, language: str) -> list[Claim]:
        out = []
        for raw in doc._.onrecord_claims or []:
            if raw["confidence"] < self.config.nlp.min_confidence:
                continue
            out.append(
                Claim(
                    article_id=article.id,
                    topic=raw["topic"],
                    holder=raw["holder"],
                    claim_type=raw["claim_type"],
                    negated=raw["negated"],
                    evidence=doc.text,
                    start=start,
                    end=start + len(doc.text),
                    claim_date=resolve_date(raw["date_phrase"], article.published, language),
                    speaker=raw["speaker"],
                    target=raw["target"],
                    source=article.source,
                    via=raw["via"],
                    confidence=raw["confidence"],
                    extractor_version=self.version,
                )
            )
        return out


# How many sentences from the start of a text a quote or pronoun may take the topic of the title (further on, a
# long release has moved on to other matters).
TITLE_REACH = 6


def _dedupe(claims: list[Claim]) -> list[Claim]:
    seen: dict[str, Claim] = {}
    for claim in claims:
        seen.setdefault(claim.id, claim)
    return list(seen.values())
