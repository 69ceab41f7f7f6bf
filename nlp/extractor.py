"""Article -> claims: the prefilter picks sentences, spaCy parses them in batches, context fills holders."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

from onrecord.core.config import Config
from onrecord.core.records import Article, Claim
from onrecord.core.version import __version__
from onrecord.nlp.dates import resolve_date
from onrecord.nlp.language import detect_language
from onrecord.nlp.lemma_match import lemma_helpers
from onrecord.nlp.lexicon import Mention, NameMatcher, build_lexicon
from onrecord.nlp.pipeline import build_pipeline
from onrecord.nlp.prefilter import Prefilter, split_sentences
from onrecord.nlp.quotes import QuoteIndex

CHUNK_ARTICLES = 128
# Code under nlp/ that cannot change a claim, left out of the extractor version: the corpus tools, training,
# scoring (the learned reader's weights are hashed by the reader itself).
NOT_CLAIMS = {
    "corpus/__init__.py",
    "corpus/sources.py",
    "corpus/select.py",
    "corpus/store.py",
    "corpus/stats.py",
    "corpus/build.py",
    "learned/train.py",
    "evaluate.py",
}
# How many sentences back a pronoun or a continuing quote looks for its speaker.
SPEAKER_LOOKBACK = 4
# How many sentences either side of a statement may carry the topic word it continues.
TOPIC_WINDOW = 1


@dataclass
class _Language:
    nlp: Language
    prefilter: Prefilter
    names: NameMatcher
    counterparts: dict[str, str] = field(default_factory=dict)
    topic_for: Callable[[str, dict], tuple[str | None, str | None]] | None = None  # the reader's text-only topic test


class Extractor:
    """Extracts claims from articles; `version` changes whenever code, cues, config or model change.

    Each language has an engine (config nlp.languages.<lang>.engine): `rules`, the hand-written reader below
    (spaCy parse + cues), or `learned`, the trained reader of nlp.learned (whose model may take the rule
    engine's claims as features: its model card says so)."""

    def __init__(self, config: Config):
        self.config = config
        self._languages: dict[str, _Language | None] = {}
        self._readers: dict[str, Any] = {}
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

    def reader(self, code: str):
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
        code = hashlib.sha256()
        here = Path(__file__).parent
        for path in sorted(here.rglob("*")):
            if (
                path.suffix in (".py", ".yaml")
                and "__pycache__" not in path.parts
                and path.relative_to(here).as_posix() not in NOT_CLAIMS
            ):
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
                if "onrecord_claims_cyr" in nlp.pipe_names:  # ru, uk: prefilter and names on lemmas
                    self._languages[code] = _Language(nlp, *lemma_helpers(lexicon, nlp.lang))
                else:
                    self._languages[code] = _Language(
                        nlp,
                        Prefilter(lexicon, _inflections(nlp)),
                        NameMatcher(lexicon["names"]),
                        lexicon.get("counterparts", {}),
                        nlp.get_pipe("onrecord_claims").topic_for,
                    )
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
        for code, items in jobs.items():
            nlp = self._languages[code].nlp
            docs = nlp.pipe((doc for _, _, doc in items), batch_size=self.config.nlp.batch_size)
            for (index, start, _), doc in zip(items, docs, strict=False):
                found[index].extend(self._claims(articles[index], start, doc, code))
        for index, (article, code) in enumerate(zip(articles, codes, strict=False)):
            reader = self.reader(code) if code else None
            if reader is not None:
                found[index] = [
                    c
                    for c in reader.claims(article, found[index], self.version)
                    if c.confidence >= self.config.nlp.min_confidence
                ]
        for article, claims in zip(articles, found, strict=False):
            yield article, _dedupe(claims)

    def _sentence_docs(self, article: Article, lang: _Language) -> Iterator[tuple[int, Doc]]:
        """Candidate sentences as unparsed Docs with their context. Cheap checks come first: the cue regex on
        every sentence, the topic regex only where a cue is found, the reader's own topic test (nlp.claims
        ClaimReader.topic_for) before a parse, party names only around candidates."""
        text = article.text
        spans = split_sentences(text)
        prefilter = lang.prefilter
        filtering = self.config.nlp.prefilter
        people: dict[int, list[Mention]] = {}
        quotes = QuoteIndex(text)
        for index, (start, end) in enumerate(spans):
            sentence = text[start:end]
            if filtering and not prefilter.has_cue(sentence):
                continue
            before = text[spans[index - 1][0] : spans[index - 1][1]] if index else ""
            topical = prefilter.has_topic(sentence)
            continues = getattr(prefilter, "continues_passage", None)  # English: only quotes and "they/he ..."
            in_quote = quotes.around(start) is not None
            continuing = continues is None or continues(sentence, in_quote)
            window = "" if topical or not continuing else self._topic_window(text, spans, index, prefilter)
            if not (topical or window) and continuing:
                window = self._quote_passage(text, spans, index, quotes, prefilter)
            loose = 0
            if (
                not (topical or window)
                and continuing
                and continues is not None
                and index < TITLE_REACH
                and article.title
                and prefilter.has_topic(article.title)
            ):
                window = article.title  # a quote or "he/they ..." continues the topic its article is titled with
            if not (topical or window) and continues is not None:
                # a short stance of a named side or of "we" in a passage on the topic: the claim reader takes the
                # topic only for a stance whose own clause names its holder
                loose = self._borrowed_topic(article, spans, index, lang)
                if loose:
                    lo, hi = max(0, index - LOOSE_WINDOW), min(len(spans), index + LOOSE_WINDOW + 1)
                    window = text[spans[lo][0] : spans[hi - 1][1]]
            if filtering and not (topical or window):
                continue
            context = {
                "speaks_for": self._speaks_for(article),
                "in_quote": in_quote,
                "via": article.via,
                "previous_sentence": before,
                "topic_context": window,
                "topic_loose": loose,
            }
            if filtering and lang.topic_for is not None:  # the reader's text-only test: no topic, no claim
                context["topics"] = lang.topic_for(sentence, context)
                if context["topics"][0] is None:
                    continue
            context["last_speaker"] = partial(self._last_speaker, text, spans, index, lang.names, people)  # if asked
            context["participant"] = (
                self._participant(article, spans, index, lang.names) if _BOTH_SIDES.search(sentence) else None
            )
            doc = lang.nlp.make_doc(sentence)
            doc._.onrecord_context = context
            yield start, doc

    def _participant(
        self, article: Article, spans: list[tuple[int, int]], index: int, names: NameMatcher
    ) -> tuple[str, str] | None:
        """(party, speaker) of the other participant of a meeting or call ("the parties stressed..."): the first
        person or role of another side than the article's named in the title, else in the sentences around."""
        own = self._speaks_for(article)
        lo, hi = max(0, index - LOOSE_WINDOW), min(len(spans), index + LOOSE_WINDOW + 1)
        for text, start, end in ((article.title or "", 0, None), (article.text, spans[lo][0], spans[hi - 1][1])):
            for m in names.find(text, start, end):
                office = _OFFICE_OF.search(text, max(0, m.start - 40), m.start)  # "the President of France"
                if (m.kind in ("speaker", "roles") or office) and m.party and m.party != own:
                    return m.party, m.speaker or text[office.start() if office else m.start : m.end]
        return None

    def _borrowed_topic(self, article: Article, spans: list[tuple[int, int]], index: int, lang: _Language) -> int:
        """Whether a sentence without a topic word may take the topic of its passage (LOOSE_WINDOW sentences
        either side, across paragraphs), in a passage on the topic:
        - a short one (en.yaml borrowed_topic_max_words) with a cue of a type that may borrow a topic, naming a
          side or speaking in the first person ("And the Russian Federation does not want to return anything.",
          "So I had a simple suggestion.");
        - a longer one (borrowed_topic_max_words_accusing) that names the article's counterpart before an
          accusation cue ("the Kiev regime did not want to ...").
        Longer or other ones were mostly about something else in real releases, and cost parses. Returns the
        sentence's length in words (nlp.claims decides on the parse), else 0. Cheapest tests first."""
        text = article.text
        sentence = text[spans[index][0] : spans[index][1]]
        prefilter = lang.prefilter
        if sentence.count(" ") >= prefilter.borrow_max_words_accusing + 5:
            return 0
        words = len(_WORD.findall(sentence))
        short = words <= prefilter.borrow_max_words
        if short and not prefilter.may_borrow_topic(sentence):
            return 0
        cue_at = -1 if short or words > prefilter.borrow_max_words_accusing else prefilter.behaviour_cue_at(sentence)
        if not short and cue_at < 0:
            return 0
        lo, hi = max(0, index - LOOSE_WINDOW), min(len(spans), index + LOOSE_WINDOW + 1)
        if not prefilter.has_topic(text[spans[lo][0] : spans[hi - 1][1]]):
            return 0
        if short and _FIRST_PERSON.search(sentence):
            return words
        mentions = [m for m in lang.names.find(sentence) if m.party]
        if short:
            return words if mentions else 0
        other = lang.counterparts.get(self._speaks_for(article) or "")
        return words if any(m.party == other and m.start < cue_at for m in mentions) else 0

    @staticmethod
    def _topic_window(text: str, spans: list[tuple[int, int]], index: int, prefilter: Prefilter) -> str:
        """The neighbouring sentences (TOPIC_WINDOW either side, same paragraph) when one of them is on a
        topic: a statement without a topic word continues the topic of the passage it stands in."""
        own = getattr(prefilter, "topic_window", None)  # ru/uk: nlp.lemma_match.LemmaPrefilter.topic_window
        if own is not None:
            return own(text, spans, index)
        lo, hi = max(0, index - TOPIC_WINDOW), min(len(spans), index + TOPIC_WINDOW + 1)
        for near in range(index - 1, lo - 1, -1):  # do not cross a blank line (a new paragraph)
            if "\n\n" in text[spans[near][1] : spans[near + 1][0]]:
                lo = near + 1
                break
        for near in range(index + 1, hi):
            if "\n\n" in text[spans[near - 1][1] : spans[near][0]]:
                hi = near
                break
        passage = text[spans[lo][0] : spans[hi - 1][1]]
        return passage if prefilter.has_topic(passage) else ""

    @staticmethod
    def _quote_passage(
        text: str, spans: list[tuple[int, int]], index: int, quotes: QuoteIndex, prefilter: Prefilter
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
        return passage if prefilter.has_topic(passage) else ""

    @staticmethod
    def _last_speaker(
        text: str, spans: list[tuple[int, int]], index: int, names: NameMatcher, cache: dict[int, list[Mention]]
    ) -> tuple[str, str] | None:
        """(party, speaker) of the last person or role named in the few sentences before sentence `index`
        (what a later "he said" or a continuing quote refers to), else of the transcript label
        ("Vladimir Putin:") that opened the current turn. `cache` keeps the people found per sentence."""

        def people(key: int, start: int, end: int) -> list[Mention]:
            if key not in cache:
                cache[key] = [m for m in names.find(text, start, end) if m.kind in ("speaker", "roles")]
            return cache[key]

        for back in range(index - 1, max(-1, index - 1 - SPEAKER_LOOKBACK), -1):
            found = people(back, *spans[back])
            if found:
                return found[-1].party, found[-1].speaker or text[found[-1].start : found[-1].end]
        labels = list(_SPEAKER_LABEL.finditer(text, 0, spans[index][0]))
        label = labels[-1] if labels else None
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


_WORD = re.compile(r"\w+")
_FIRST_PERSON = re.compile(r"(?<!\w)(?:I|we|We|WE)(?!\w)")
# How many sentences from the start of a text a quote or pronoun may take the topic of the title (further on, a
# long release has moved on to other matters).
TITLE_REACH = 6
# How many sentences either side (across paragraphs) may carry the topic such a sentence takes.
LOOSE_WINDOW = 2


_BOTH_SIDES = re.compile(r"\b(?:parties|sides|leaders)\b", re.IGNORECASE)  # en.yaml both_sides, plural
_OFFICE_OF = re.compile(
    r"\b(?:President|Prime Minister|Chancellor|Foreign Minister|Minister|Secretary|King|Emir|"
    r"Crown Prince|Pope|leader|head)\s+of\s+(?:the\s+)?$"
)
_SPEAKER_LABEL = re.compile(r"^[ \t]*([A-Z][\w.'’ -]{2,60}?):[ \t]", re.MULTILINE)


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
