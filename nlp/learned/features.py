"""Candidates and their features: who might hold a position in which sentence, described for a linear model.

A candidate is a (sentence, party) pair. The parties come from exact rules: the names, roles and bodies of
config.yaml found in the sentence, the party an official source speaks for, the speaker of the sentences just
before (a quote that runs on) or just after (attribution that follows: "… The Coordination Headquarters
announced this."), and the title ("Peskov: …"). What the model learns is whether that party states a position of
each claim type in that sentence. Its features are the sentence's words with the candidate's own mentions
written HOLDER and every other party's OTHER — "HOLDER accused OTHER of", "according to HOLDER" — plus the
relation of the party to the sentence and the topic words around it.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from onrecord.core.config import Config
from onrecord.core.errors import ConfigError
from onrecord.core.records import Article, Claim
from onrecord.nlp.engine import NameFinder, SentenceFilter, rule_engine
from onrecord.nlp.grammar import Grammar
from onrecord.nlp.lexicon import Mention
from onrecord.nlp.prefilter import split_sentences
from onrecord.nlp.quotes import QuoteIndex

_TOKEN = re.compile(r"\w+(?:['’-]\w+)*|[«»“”\"'‘’:?!;]")
_DIGITS = re.compile(r"\d")
QUOTES = '"“”«»„‘'
LOOK_BACK = 3  # sentences a running quote or a pronoun may look back for its speaker
MAX_TOKENS = 80
TITLE_REACH = 6  # sentences from the start that the title reaches: its topic word makes them worth asking about, the
# party it names (a headline "Peskov: ...") may hold them


@dataclass(frozen=True)
class Candidate:
    """One party that may hold a position in one sentence of an article."""

    sentence: int
    start: int
    end: int
    holder: str
    speaker: str | None
    target: str | None
    features: tuple[str, ...]  # of this party in this sentence (its mentions written HOLDER)
    sentence_features: tuple[str, ...] = ()  # of the sentence, the same for every party (mentions written PARTY)


class Featurizer:
    """Builds the candidates of an article for one language. Words of the language come from the grammar file
    (nlp/patterns/<lang>.yaml: first_person, agencies); names, parties and topics from config.yaml."""

    def __init__(self, config: Config, language: str):
        self.language = language
        engine = rule_engine(config, language)
        if engine is None:
            raise ConfigError(f"nlp.languages: {language!r} is not configured")
        self.engine = engine
        lexicon = engine.lexicon
        grammar = Grammar.of(lexicon)
        self.names: NameFinder = engine.name_finder(lexicon)
        self.topics: SentenceFilter = engine.sentence_filter(lexicon)
        self.counterparts: dict[str, str] = lexicon.get("counterparts", {})
        self.first_person = {w.lower() for w in grammar.first_person}
        agencies = grammar.agencies
        self.agencies: dict[str, str] = dict(agencies) if isinstance(agencies, dict) else {a: a for a in agencies}
        self._agency = (
            re.compile(
                r"(?<!\w)(" + "|".join(re.escape(a) for a in sorted(self.agencies, key=len, reverse=True)) + r")\w*"
            )
            if self.agencies
            else None
        )
        # The configured cues of each claim type (config.yaml), as prior knowledge the model weighs: "cue:demand".
        self._cues: list[tuple[str, SentenceFilter]] = []
        for claim_type in lexicon["claim_types"]:
            if not claim_type["cues"]:
                continue
            only = dict(lexicon, claim_types=[claim_type])
            self._cues.append((claim_type["id"], engine.sentence_filter(only)))
        # Grammar words whose presence matters for stance: negators, conditionals, modals.
        self._marks = {
            key: {_word(w) for w in grammar.word_list(key)}
            for key in ("negators", "conditional_markers", "deontic_modals", "prediction_modals", "prospective_markers")
        }

    # -- text ---------------------------------------------------------------------------------------------------
    def _tokens(
        self, text: str, start: int, end: int, mentions: list[Mention], holder: str | None, limit: int = MAX_TOKENS
    ) -> list[str]:
        """Lower-cased words of text[start:end], each party mention replaced by HOLDER / OTHER, numbers by 0."""
        out: list[str] = []
        position = start
        for mention in mentions:
            if mention.end <= start or mention.start >= end:
                continue
            out += self._words(text[position : max(position, mention.start)])
            out.append("HOLDER" if mention.party == holder else "OTHER")
            position = max(position, mention.end)
        out += self._words(text[position:end])
        return out[:limit]

    @staticmethod
    def _words(text: str) -> list[str]:
        return [_DIGITS.sub("0", t.lower()) for t in _TOKEN.findall(text)]

    def _grams(self, tokens: list[str], prefix: str, n: int) -> list[str]:
        feats = [f"{prefix}{t}" for t in tokens]
        # and the beginnings of long words, in every language: "concerns", "concerned" -> ~conce; "заявила" -> ~заяви
        feats += [f"{prefix}~{t[:5]}" for t in tokens if len(t) > 6]
        if n >= 2:
            feats += [f"{prefix}{a}_{b}" for a, b in itertools.pairwise(tokens)]
        if n >= 3:
            feats += [
                f"{prefix}{a}_{b}_{c}"
                for a, b, c in zip(tokens, tokens[1:], tokens[2:], strict=False)
                if "HOLDER" in (a, b, c) or "OTHER" in (a, b, c)
            ]
        return feats

    # -- candidates ---------------------------------------------------------------------------------------------
    def candidates(
        self, article: Article, only_topical: bool = True, rule_claims: Iterable[Claim] = ()
    ) -> list[Candidate]:
        """Every (sentence, party) pair worth asking about. With `only_topical`, only sentences with a topic word
        within one sentence either side, or among the first TITLE_REACH of an article whose title has one (the
        model decides the rest).
        `rule_claims`, the claims of the rule engine on the same article, become features of the candidates whose
        sentence holds their evidence ("rule:demand" for the same holder, "rule_other:demand" for another) and
        make their holder a candidate."""
        text = article.text
        spans = split_sentences(text)
        if not spans:
            return []
        title = article.title or ""
        title_mentions = [m for m in self.names.find(title) if m.party] if title else []
        topical = [self.topics.has_topic(text[s:e]) for s, e in spans]
        title_topic = bool(title) and self.topics.has_topic(title)
        asked = [
            not only_topical or (title_topic and i < TITLE_REACH) or any(topical[max(0, i - 1) : i + 2])
            for i in range(len(spans))
        ]
        # A quotation over several sentences is one statement: all its sentences are asked about if one is, and
        # each may belong to the speaker named before the quote opens or after it closes.
        quotes = QuoteIndex(text)
        starts = [s for s, _ in spans]
        quoted: dict[int, tuple[int, int, Any]] = {}  # sentence -> (opening sentence, closing sentence, quote)
        for quote in quotes.quotes:
            first = max(0, bisect.bisect_right(starts, quote.start - 1) - 1)
            last = max(0, bisect.bisect_right(starts, quote.end) - 1)
            if last > first:
                for k in range(first, last + 1):
                    quoted[k] = (first, last, quote)
                if any(asked[first : last + 1]):
                    for k in range(first, last + 1):
                        asked[k] = True
        quote_people: dict[tuple[int, int], list[tuple[str, Mention]]] = {}
        # names are looked for only where a candidate sentence, its look-back or its next sentence needs them
        needed = [any(asked[max(0, i - 1) : i + LOOK_BACK + 1]) for i in range(len(spans))]
        per_sentence: list[list[Mention]] = [[] for _ in spans]
        i = 0
        while i < len(spans):
            if not needed[i]:
                i += 1
                continue
            j = i
            while j + 1 < len(spans) and needed[j + 1]:
                j += 1
            index = i
            for mention in self.names.find(text, spans[i][0], spans[j][1]):
                if not mention.party:
                    continue
                while index < j and mention.start >= spans[index][1]:
                    index += 1
                per_sentence[index].append(mention)
            i = j + 1
        agency_in = [
            bool(self._agency and asked[k] and self._agency.search(text, s, e)) for k, (s, e) in enumerate(spans)
        ]
        speaks_for = article.speaks_for
        ruled: list[list[Claim]] = [[] for _ in spans]
        for claim in rule_claims:  # the sentences its evidence overlaps, found by bisection
            k = max(0, bisect.bisect_right(starts, claim.start) - 1)
            while k < len(spans) and spans[k][0] < claim.end:
                if claim.start < spans[k][1]:
                    ruled[k].append(claim)
                k += 1
        out: list[Candidate] = []
        for i, (start, end) in enumerate(spans):
            near_topic = any(topical[max(0, i - 1) : i + 2])
            if not asked[i] or is_question(text[start:end]):
                continue  # a question states no position (an interviewer's least of all)
            sources: dict[str, set[str]] = {}
            speakers: dict[str, str] = {}
            for m in per_sentence[i]:
                sources.setdefault(m.party, set()).add("in:" + m.kind)
                if m.speaker and m.party not in speakers:
                    speakers[m.party] = m.speaker
            if speaks_for:
                sources.setdefault(speaks_for, set()).add("speaks_for")
            for back in range(i - 1, max(-1, i - 1 - LOOK_BACK), -1):
                people = [m for m in per_sentence[back] if m.kind in ("speaker", "roles")]
                if people:
                    sources.setdefault(people[-1].party, set()).add(f"prev{i - back}")
                    if people[-1].speaker:
                        speakers.setdefault(people[-1].party, people[-1].speaker)
                    break
            if i + 1 < len(spans):
                for m in per_sentence[i + 1]:
                    sources.setdefault(m.party, set()).add("next:" + m.kind)
            if i in quoted:
                first, last, quote = quoted[i]
                key = (quote.start, quote.end)
                if key not in quote_people:
                    before = [("qopen", m) for m in self.names.find(text, spans[first][0], quote.start - 1) if m.party]
                    after = [("qclose", m) for m in self.names.find(text, quote.end + 1, spans[last][1]) if m.party]
                    quote_people[key] = before + after
                for how, m in quote_people[key]:
                    if (how == "qopen" and first == i) or (how == "qclose" and last == i):
                        continue  # named in this very sentence: already a candidate by "in:"
                    sources.setdefault(m.party, set()).add(f"{how}:{m.kind}")
                    if m.speaker:
                        speakers.setdefault(m.party, m.speaker)
            for m in title_mentions if i < TITLE_REACH else ():  # a headline speaks over its lede, not the whole text
                sources.setdefault(m.party, set()).add("title:" + m.kind)
                if m.speaker:
                    speakers.setdefault(m.party, m.speaker)
            for claim in ruled[i]:
                sources.setdefault(claim.holder, set()).add("rule")
                if claim.speaker:
                    speakers.setdefault(claim.holder, claim.speaker)
            if not sources:
                continue
            sentence = text[start:end]
            lowered = self._words(sentence)
            shared = [
                f"r:kind={'official' if speaks_for else 'news'}",
                "r:topic_s" if topical[i] else ("r:topic_near" if near_topic else "r:topic_none"),
                f"r:topic_title={title_topic}",
                f"r:nparties={min(3, len({m.party for m in per_sentence[i]}))}",
            ]
            if any(q in sentence for q in QUOTES):
                shared.append("r:quote")
            if quotes.around(start) is not None:
                shared.append("r:in_quote")
            if i in quoted:
                shared.append("r:quote_runs")
            if self.first_person.intersection(lowered):
                shared.append("r:first_person")
            if agency_in[i]:
                shared.append("r:agency")
            if i == 0:
                shared.append("r:first_sentence")
            shared += [f"cue:{type_id}" for type_id, tester in self._cues if tester.has_cue(sentence)]
            shared += [f"m:{key}" for key, marks in self._marks.items() if marks.intersection(lowered)]
            previous = self._tokens(text, spans[i - 1][0], spans[i - 1][1], [], None, 30) if i else []
            plain = [t if t != "OTHER" else "PARTY" for t in self._tokens(text, start, end, per_sentence[i], None)]
            sentence_feats = tuple(
                self._grams(plain, "", 2)
                + [f"p:{t}" for t in previous]
                + shared
                + [f"rule_any:{c.claim_type}" for c in ruled[i]]
                + [f"rule_any:{c.claim_type}:{c.negated}" for c in ruled[i]]
            )
            for holder, ways in sorted(sources.items()):
                tokens = self._tokens(text, start, end, per_sentence[i], holder)
                feats = self._grams(tokens, "", 3)
                feats += [f"p:{t}" for t in previous]
                if i + 1 < len(spans) and any(s.startswith("next") for s in ways):
                    feats += [f"n:{t}" for t in self._tokens(text, *spans[i + 1], per_sentence[i + 1], holder, 25)]
                feats += shared
                feats += [f"r:{s}" for s in ways]
                feats += [f"r:party={holder}", f"r:ways={min(3, len(ways))}"]
                for claim in ruled[i]:
                    mark = "rule" if claim.holder == holder else "rule_other"
                    feats += [f"{mark}:{claim.claim_type}", f"{mark}:{claim.claim_type}:{claim.negated}", f"{mark}:any"]
                if holder == speaks_for:
                    feats.append("r:is_speaks_for")
                    if "r:first_person" in shared:
                        feats.append("r:is_speaks_for+first_person")
                own = [m for m in per_sentence[i] if m.party == holder]
                if own:
                    feats.append("r:holder_first" if per_sentence[i][0].party == holder else "r:holder_later")
                    if "r:quote" in shared:
                        feats.append("r:in+quote")
                others = [m.party for m in per_sentence[i] if m.party != holder]
                target = others[0] if others else None
                out.append(Candidate(i, start, end, holder, speakers.get(holder), target, tuple(feats), sentence_feats))
        return out

    def counterpart(self, party: str) -> str | None:
        return self.counterparts.get(party)

    def via(self, text: str) -> str | None:
        """The agency an evidence sentence cites, if any ("told Interfax")."""
        if not self._agency:
            return None
        match = self._agency.search(text)
        return self.agencies.get(match.group(1)) if match else None


def _word(value: Any) -> str:
    """A grammar-file word; YAML 1.1 reads a bare `no` or `yes` as a boolean."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value).lower()


def is_question(sentence: str) -> bool:
    """A sentence that asks ("Is Moscow ready to swap all for all?"), its closing quote mark aside."""
    return sentence.rstrip().rstrip(QUOTES + "’").endswith(("?", "?»", "?”"))


LOOKS_AHEAD = "m:prospective_markers"  # the sentence feature of a sentence that looks ahead
