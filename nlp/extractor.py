"""Article -> claims: the prefilter picks sentences, spaCy parses them in batches, context fills holders."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator

from spacy.language import Language
from spacy.tokens import Doc

from onrecord import __version__
from onrecord.config import Config
from onrecord.records import Article, Claim
from nlp.dates import resolve_date
from nlp.lexicon import NameMatcher, build_lexicon
from nlp.pipeline import build_pipeline
from nlp.prefilter import Prefilter, split_sentences

CHUNK_ARTICLES = 32


@dataclass
class _Language:
    nlp: Language
    prefilter: Prefilter
    names: NameMatcher


class Extractor:
    """Extracts claims from articles; `version` changes whenever code, cues, config or model change."""

    def __init__(self, config: Config):
        self.config = config
        self._languages: dict[str, _Language | None] = {}
        self.version = self._version()

    def _version(self) -> str:
        parts: list[Any] = [__version__]
        for language, settings in sorted(self.config.nlp.languages.items()):
            parts.append([language, settings.model, build_lexicon(self.config, language)])
        parts.append(self.config.nlp.min_confidence)
        code = hashlib.sha256()
        for path in sorted(Path(__file__).parent.rglob("*")):
            if path.suffix in (".py", ".yaml") and "__pycache__" not in path.parts:
                code.update(path.read_bytes())
        parts.append(code.hexdigest())
        return "nlp-" + hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:12]

    def language(self, code: str) -> _Language | None:
        if code not in self._languages:
            nlp = build_pipeline(self.config, code)
            if nlp is None:
                self._languages[code] = None
            else:
                lexicon = build_lexicon(self.config, code)
                self._languages[code] = _Language(nlp, Prefilter(lexicon, _inflections(nlp)),
                                                  NameMatcher(lexicon["names"]))
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
        for index, article in enumerate(articles):
            code = article.language or self.config.nlp.default_language
            lang = self.language(code) if code in self.config.nlp.languages else None
            if lang is None:
                continue
            for start, doc in self._sentence_docs(article, lang):
                jobs.setdefault(code, []).append((index, start, doc))
        found: list[list[Claim]] = [[] for _ in articles]
        for code, items in jobs.items():
            nlp = self._languages[code].nlp
            docs = nlp.pipe((doc for _, _, doc in items), batch_size=self.config.nlp.batch_size)
            for (index, start, _), doc in zip(items, docs):
                found[index].extend(self._claims(articles[index], start, doc, code))
        for article, claims in zip(articles, found):
            yield article, _dedupe(claims)

    def _sentence_docs(self, article: Article, lang: _Language) -> Iterator[tuple[int, Doc]]:
        text = article.text
        last_speaker = None
        scanned = 0
        previous = ""
        for start, end in split_sentences(text):
            for mention in lang.names.find(text, scanned, start):
                if mention.kind in ("speaker", "roles"):
                    last_speaker = (mention.party, mention.speaker or text[mention.start:mention.end])
            scanned = start
            sentence = text[start:end]
            before, previous = previous, sentence
            follows_topic = bool(before) and lang.prefilter.has_topic(before)
            if self.config.nlp.prefilter and not lang.prefilter.is_candidate(sentence, follows_topic):
                continue
            doc = lang.nlp.make_doc(sentence)
            doc._.onrecord_context = {"speaks_for": self._speaks_for(article), "last_speaker": last_speaker,
                                      "in_quote": _inside_quote(text, start), "via": article.via,
                                      "previous_sentence": before if follows_topic else ""}
            yield start, doc

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
            out.append(Claim(
                article_id=article.id, topic=raw["topic"], holder=raw["holder"], claim_type=raw["claim_type"],
                negated=raw["negated"], evidence=doc.text, start=start, end=start + len(doc.text),
                claim_date=resolve_date(raw["date_phrase"], article.published, language), speaker=raw["speaker"],
                target=raw["target"], source=article.source, via=raw["via"], confidence=raw["confidence"],
                extractor_version=self.version))
        return out


def _inside_quote(text: str, position: int) -> bool:
    before = text[max(0, position - 2000):position]
    return before.count("“") > before.count("”") or before.count('"') % 2 == 1


def _inflections(nlp: Language) -> dict[str, list[str]]:
    """Irregular forms per lemma ("send" -> "sent"), from the lemmatizer's exception table if it has one."""
    out: dict[str, list[str]] = {}
    if "lemmatizer" not in nlp.pipe_names:
        return out
    lookups = getattr(nlp.get_pipe("lemmatizer"), "lookups", None)
    if lookups is None or not lookups.has_table("lemma_exc"):
        return out
    table = lookups.get_table("lemma_exc")
    for pos in ("verb", "noun", "adj"):
        for form, lemmas in (table.get(pos) or {}).items():
            for lemma in lemmas:
                out.setdefault(lemma, []).append(form)
    return out


def _dedupe(claims: list[Claim]) -> list[Claim]:
    seen: dict[str, Claim] = {}
    for claim in claims:
        seen.setdefault(claim.id, claim)
    return list(seen.values())
