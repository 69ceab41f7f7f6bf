"""The `onrecord_claims_cyr` spaCy component: typed claims from one Russian or Ukrainian sentence.

The same contract as `onrecord_claims` (a list of plain dicts on `doc._.onrecord_claims`), read without a
parser: cues are lemma phrases whose words sit within a few tokens of each other in any order
("передали список", "список передан", "передамо"), negation is a negator just before the cue,
questions and conditionals are dropped, and holders come from nlp.attribution_cyr.

Use in your own spaCy code:
    nlp = blank_pipeline("ru")
    nlp.add_pipe("onrecord_claims_cyr", config={"lexicon": build_lexicon(config, "ru")})
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

import onrecord.nlp.claims  # noqa: F401  (registers the doc extensions)
from onrecord.nlp.attribution import NO_SOURCE, Source
from onrecord.nlp.attribution_cyr import (
    CLAUSE_PUNCT,
    END_PUNCT,
    SENTENCE_WORDS,
    Sentence,
    agency_via,
    clause_source,
    speech_source,
)
from onrecord.nlp.claims import ClaimReader, _dedupe
from onrecord.nlp.context import SentenceContext
from onrecord.nlp.grammar import Grammar
from onrecord.nlp.lemma_match import FormGate, LemmaNameMatcher, LemmaPhrases, WordList
from onrecord.nlp.morph import WORD, morph_for, normalise, phrase_lemmas, words

CUE_WINDOW = 10
# A sentence of at most this many words without a topic word of its own continues its passage's topic.
ELLIPTIC_WORDS = 5
QUOTE_OPEN = '"“«‘„'
VERB_POS = {"VERB", "INFN", "PRTS", "PRTF", "GRND"}


@Language.factory("onrecord_claims_cyr", default_config={"lexicon": {}})
def make_cyrillic_reader(nlp: Language, name: str, lexicon: dict[str, Any]) -> CyrillicClaimReader:
    if nlp.lang is None:
        raise ValueError("onrecord_claims_cyr needs a pipeline of a language (spacy.blank('ru'))")
    return CyrillicClaimReader(lexicon, nlp.lang)


@dataclass(frozen=True)
class Cue:
    claim_type: dict[str, Any]
    words: tuple[frozenset[str], ...]
    anchor: int  # index of the anchor word in `words`
    has_negator: bool


@dataclass(frozen=True)
class CueHit:
    cue: Cue
    anchor: int  # token index of the anchor
    tokens: tuple[int, ...]


class CyrillicClaimReader(ClaimReader):
    """Claims from a sentence read as lemmas; context (speaks_for, last speaker) comes from the Doc."""

    def __init__(self, lexicon: dict[str, Any], language: str):
        self.lexicon = lexicon
        self.grammar = Grammar.of(lexicon)
        self.morph = morph_for(language)
        self.lemma_names = LemmaNameMatcher(lexicon.get("names", []), self.morph)
        self.names = self.lemma_names
        agencies = self.grammar.agencies if isinstance(self.grammar.agencies, dict) else {}
        self.agencies = LemmaNameMatcher(
            [
                {"phrase": phrase, "party": "", "speaker": canonical, "kind": "agency"}
                for phrase, canonical in agencies.items()
            ],
            self.morph,
        )
        self.counterparts = lexicon.get("counterparts", {})
        self.types = {c["id"]: c for c in lexicon.get("claim_types", [])}
        self.topic_phrases = [
            (topic, LemmaPhrases(words, self.morph)) for topic, words in lexicon.get("topics", {}).items() if words
        ]
        self._topic_gate = FormGate(
            [w for phrases in lexicon.get("topics", {}).values() for t in phrases for _, _, w in words(t)], self.morph
        )
        self._cues: dict[str, list[Cue]] = {}
        anchor_words: list[str] = []  # the anchor word of each cue, and the words of all cues, for gates
        cue_words: list[str] = []
        function_words = set(self.grammar.cue_function_words)
        negators = set(self.grammar.negators)
        for claim_type in lexicon.get("claim_types", []):
            for phrase in claim_type["cues"]:
                sets = tuple(phrase_lemmas(self.morph, phrase))
                if not sets:
                    continue
                content = [i for i, s in enumerate(sets) if not (s & function_words) and not (s & negators)]
                anchor = max(content or range(len(sets)), key=lambda i: max(len(w) for w in sets[i]))
                cue = Cue(claim_type, sets, anchor, any(s & negators for s in sets))
                anchor_words.append(words(phrase)[anchor][2])
                cue_words.extend(w for _, _, w in words(phrase))
                for lemma in sets[anchor]:
                    self._cues.setdefault(lemma, []).append(cue)
        self._anchor_gate = FormGate(anchor_words, self.morph)
        self._cue_word_gate = FormGate(cue_words, self.morph)
        self._set = {
            key: set(self.grammar.word_list(key))
            for key in ("demonstrative_exceptions", "subject_pronouns", "indefinite_subjects")
        }
        # word lists compared as lemmas, each with a gate so that words which cannot be in it are not analysed
        self.word_lists = {
            key: WordList(self.grammar.word_list(key), self.morph)
            for key in (
                *SENTENCE_WORDS,
                "negators",
                "conditional_markers",
                "clause_question_markers",
                "achievement_verbs",
                "addressee_modals",
                "future_auxiliaries",
                "non_claim_clauses",
            )
        }
        for topic, rule in self.grammar.topic_exclusions.items():
            self.word_lists[f"excluded:{topic}"] = WordList(rule.words, self.morph)
            self.word_lists[f"unless:{topic}"] = WordList(rule.unless, self.morph)

    def __call__(self, doc: Doc) -> Doc:
        doc._.onrecord_claims = self.read(doc, doc._.onrecord_context or SentenceContext())
        return doc

    def topic_of_lemmas(self, lemmas: list[frozenset[str]]) -> str | None:
        counts = [(phrases.count(lemmas), topic) for topic, phrases in self.topic_phrases]
        best = max(counts, default=(0, None))
        return best[1] if best[0] else None

    def topic_of(self, text: str) -> str | None:
        """The topic of a passage; words that cannot be a form of a topic word are not analysed."""
        empty: frozenset[str] = frozenset()
        tokens = WORD.findall(text)
        mask = self._topic_gate.mask(tokens)
        return self.topic_of_lemmas(
            [self.morph.lemmas(w) if ok else empty for ok, w in zip(mask, tokens, strict=False)]
        )

    def read(self, doc: Doc, context: SentenceContext) -> list[dict[str, Any]]:
        text = doc.text
        if not len(doc) or text.rstrip(" \"”»'’*").endswith("?"):
            return []
        sentence = Sentence(doc, self.morph, self.lemma_names, self.agencies, self.word_lists)
        empty: frozenset[str] = frozenset()
        topic = self.topic_of_lemmas(
            [sentence.lemmas[i] if ok else empty for i, ok in enumerate(self._topic_gate.mask(sentence.texts))]
        )
        if topic is None and (text.lstrip("*-–— ")[:1] in QUOTE_OPEN or context.in_quote):
            topic = self.topic_of(context.previous_sentence)
        borrowed = topic is None
        if borrowed:  # a statement continuing the topic of its passage (see _continues_passage)
            topic = self.topic_of(context.topic_context)
        if topic is None or self._off_topic(sentence, topic):
            return []
        out = []
        for hit in self._cue_hits(sentence):
            if self._hypothetical(sentence, hit):
                continue
            out.extend(self._claims_of_hit(sentence, hit, topic, context, borrowed))
        return _dedupe(out)

    def _continues_passage(self, sentence: Sentence, hit: CueHit, base: Source) -> bool:
        """Whether a sentence without a topic word holds a stance on the topic of the sentences around it.

        Only a stance (not a reported fact, which names what it is about), only with a clear holder (a named
        party, "ми", or an impersonal predicate such as "Говорити потрібно." in an official source; not "вони
        борються", not "хтось"), and only when the sentence points back to its passage: it is elliptic (at
        most ELLIPTIC_WORDS words: "Поки без конкретики.") or has a demonstrative before a noun ("цих
        намагань") or a plural subject pronoun ("Але вони необхідні.")."""
        if hit.cue.claim_type.get("factual") or base.kind not in ("named", "first_person", "none"):
            return False
        clause = range(sentence.clause_start(hit.anchor), sentence.clause_end(hit.anchor))
        if base.kind == "none" and any(self._unnamed_subject(sentence, hit, i) for i in clause):
            return False
        before = sentence.doc[hit.anchor].idx  # "Кто-то" is three tokens in spaCy's Russian tokenizer
        if any(normalise(w) in self._set["indefinite_subjects"] for _, _, w in words(sentence.text, 0, before)):
            return False
        texts = sentence.texts
        wordy = [i for i, t in enumerate(texts) if any(c.isalpha() for c in t)]
        if len(wordy) <= ELLIPTIC_WORDS:
            return True
        cue_clauses = range(sentence.clause_start(min(hit.tokens)), sentence.clause_end(max(hit.tokens)))
        for i in cue_clauses:
            if (
                sentence.has(i, "demonstratives")
                and i + 1 < len(texts)
                and any(c.isalpha() for c in texts[i + 1])
                and normalise(texts[i]) not in self._set["demonstrative_exceptions"]
            ):
                return True
            if normalise(texts[i]) in self._set["subject_pronouns"]:
                return True
        return False

    @staticmethod
    def _unnamed_subject(sentence: Sentence, hit: CueHit, i: int) -> bool:
        """Token i of the cue's clause shows a subject that is no party: "хтось", a third-person verb ("борються"),
        a noun in the nominative before the cue that is not a configured name ("Окупанти повинні…")."""
        if sentence.has(i, "indefinite_subjects") or sentence.infos[i].person == "3per":
            return True
        named = any(n.start <= i < n.end for n in sentence.names)
        info = sentence.infos[i]
        return i < hit.anchor and i not in hit.tokens and not named and info.noun and info.nominative

    def _off_topic(self, sentence: Sentence, topic: str) -> bool:
        """How prisoners are treated is not about their exchange: a sentence with a treatment word and no
        exchange word is left out (grammar `topic_exclusions`)."""
        if f"excluded:{topic}" not in self.word_lists:
            return False
        tokens = range(len(sentence.texts))
        return any(sentence.has(i, f"excluded:{topic}") for i in tokens) and not any(
            sentence.has(i, f"unless:{topic}") for i in tokens
        )

    def _cue_hits(self, sentence: Sentence) -> list[CueHit]:
        found: dict[tuple[str, int], CueHit] = {}
        for i, ok in enumerate(self._anchor_gate.mask(sentence.texts)):
            if not ok:
                continue
            for lemma in sentence.lemmas[i]:
                for cue in self._cues.get(lemma, ()):
                    tokens = self._match_rest(sentence, i, cue)
                    if tokens is None:
                        continue
                    key = (cue.claim_type["id"], i)
                    if key not in found or len(cue.words) > len(found[key].cue.words):
                        found[key] = CueHit(cue, i, tokens)
        hits = sorted(found.values(), key=lambda h: -len(h.tokens))
        kept: list[CueHit] = []
        for hit in hits:  # "принять предложение" (agreement) is not also a "предложение" (proposal)
            if not any(set(hit.tokens) < set(other.tokens) for other in kept):
                kept.append(hit)
        return sorted(kept, key=lambda h: h.anchor)

    def _match_rest(self, sentence: Sentence, i: int, cue: Cue) -> tuple[int, ...] | None:
        matched = [i]
        lo, hi = _window(sentence, i)
        for index, word in enumerate(cue.words):
            if index == cue.anchor:
                continue
            # words of the cue written before the anchor are looked for before it first
            order = range(i - 1, lo - 1, -1) if index < cue.anchor else range(i + 1, hi)
            rest = range(i + 1, hi) if index < cue.anchor else range(i - 1, lo - 1, -1)
            hit = next(
                (
                    j
                    for j in [*order, *rest]
                    if j not in matched
                    and self._cue_word_gate(sentence.texts[j])
                    and sentence.lemmas[j] & word
                    and (abs(i - j) <= 2 or not _crosses(sentence, i, j) or _opens_clause(sentence, i, j))
                ),
                None,
            )
            if hit is None:
                return None
            matched.append(hit)
        return tuple(sorted(matched))

    def _hypothetical(self, sentence: Sentence, hit: CueHit) -> bool:
        start = sentence.clause_start(hit.anchor)
        if any(sentence.has(j, "conditional_markers") for j in range(hit.anchor)):
            return True
        if start > 0 and sentence.has(start - 1, "non_claim_clauses"):
            return True  # "…, щоб звільнили", "які повинні були", "коли нам вдавалося…"
        return sentence.has(start, "clause_question_markers")

    def _negated(self, sentence: Sentence, hit: CueHit) -> bool:
        if hit.cue.has_negator:
            return False
        for token in hit.tokens:  # "не получили", "списка … не получили", "нет сомнений"
            for j in range(token - 1, max(-1, token - 4), -1):
                if sentence.texts[j] in CLAUSE_PUNCT or sentence.texts[j] in END_PUNCT:
                    break
                if sentence.has(j, "negators"):
                    return True
        return False

    def _factual_type(self, sentence: Sentence, hit: CueHit, claim_type: str) -> str | None:
        """Factual types need an asserted verb: not a noun, an adjective-like participle or a bare infinitive
        (unless after "удалось"/"вдалося"); a future form is a promise, i.e. a commitment."""
        verbs = [j for j in hit.tokens if sentence.infos[j].pos & VERB_POS]
        if not verbs:
            return None
        verb = verbs[0]
        info = sentence.infos[verb]
        if info.pos == {"PRTF"} or (not info.verb and not info.infinitive):
            return None
        before = range(max(0, verb - 3), verb)
        if info.infinitive:
            if any(sentence.has(j, "future_auxiliaries") for j in before):
                return "commitment"
            if not any(sentence.has(j, "achievement_verbs") for j in before):
                return None
        if info.future:
            return "commitment"
        return claim_type

    def _claims_of_hit(
        self, sentence: Sentence, hit: CueHit, topic: str, context: SentenceContext, borrowed: bool = False
    ) -> list[dict[str, Any]]:
        claim_type = hit.cue.claim_type["id"]
        if hit.cue.claim_type.get("factual"):
            claim_type = self._factual_type(sentence, hit, claim_type)
            if claim_type is None:
                return []
        spoken, speech_verb = speech_source(sentence, hit.anchor)
        own = clause_source(sentence, min(hit.tokens))
        if spoken.span and own.span == spoken.span:
            own = NO_SOURCE
        addressee = None
        if sentence.has(hit.anchor, "addressee_modals") and own.kind == "named":
            addressee, own = own.parties[0], NO_SOURCE  # "Российская сторона повинна…": said to Russia
        elif sentence.has(hit.anchor, "addressee_modals") and own.kind == "first_person":
            return []  # "ми повинні чекати": an obligation the speaker takes on addresses nobody
        base = spoken if spoken.kind != "none" else own
        if base.kind == "former":  # a former official speaks for no side
            return []
        if borrowed and not self._continues_passage(sentence, hit, base):
            return []
        holders, confidence = self._holders(sentence.doc, base, context)
        negated = self._negated(sentence, hit)
        other = None
        held = {h for h, _ in holders}
        if base is spoken and spoken.kind != "none" and own.kind == "named" and not held & set(own.parties):
            other = next((p for p in own.parties if p not in held), None)
        elif (
            base is own
            and own.kind == "named"
            and not own.speaker
            and context.speaks_for
            and context.speaks_for not in own.parties
        ):
            other = own.parties[0]
            holders, confidence = [(context.speaks_for, context.speaker)], 0.6
        if (
            claim_type != "commitment"
            and not self.types.get(claim_type, {}).get("factual")
            and self._future(sentence, hit.anchor)
        ):
            return []  # a plan ("будемо наполягати") is not a position unless it is a commitment
        if other is not None:
            claim_type = self.types.get(claim_type, {}).get("reported_of_other")
            if not claim_type:
                return []
        if negated and self.types.get(claim_type, {}).get("when_negated"):
            claim_type, negated = self.types[claim_type]["when_negated"], False
        via = agency_via(sentence) or context.via
        when = self._date_phrase(sentence, speech_verb, hit.anchor)
        out = []
        for holder, speaker in holders:
            target = other or addressee or self._target_of(sentence, holder, base, claim_type, hit.anchor)
            out.append(
                {
                    "holder": holder,
                    "speaker": speaker,
                    "claim_type": claim_type,
                    "negated": negated,
                    "target": target,
                    "topic": topic,
                    "via": via,
                    "date_phrase": when,
                    "confidence": confidence,
                    "cue": " ".join(sentence.texts[j] for j in hit.tokens),
                }
            )
        return out

    def _future(self, sentence: Sentence, anchor: int) -> bool:
        info = sentence.infos[anchor]
        return info.future or (
            info.infinitive
            and any(
                sentence.has(j, "future_auxiliaries") and sentence.infos[j].future
                for j in range(max(0, anchor - 2), anchor)
            )
        )

    def _target_of(self, sentence: Sentence, holder: str, source: Source, claim_type: str, anchor: int) -> str | None:
        skip = range(*source.span) if source.span and source.kind == "named" else range(0)
        others = [n for n in sentence.names if n.mention.party != holder and n.start not in skip]
        after = [n for n in others if n.start > anchor]  # the object of the cue comes after it, mostly
        if others:
            return (after or others)[0].mention.party
        if self.types.get(claim_type, {}).get("default_target") == "counterpart":
            return self.counterparts.get(holder)
        return None

    def _date_phrase(self, sentence: Sentence, speech_verb: int | None, anchor: int) -> str | None:
        """A date word next to the speech verb, or in the cue's clause before the cue ("вчора … погодили")."""
        if speech_verb is not None:
            window = range(max(0, speech_verb - 4), min(len(sentence.texts), speech_verb + 5))
        else:
            window = range(sentence.clause_start(anchor), anchor)
        for j in window:
            if sentence.has(j, "date_words"):
                if j > 0 and sentence.texts[j - 1].isdigit():
                    return f"{sentence.texts[j - 1]} {sentence.texts[j]}"
                return sentence.texts[j]
        return None


def _window(sentence: Sentence, i: int) -> tuple[int, int]:
    """Token bounds [lo, hi) of CUE_WINDOW words either side of token i (markup such as "**" not counted)."""
    lo, count = i, 0
    while lo > 0 and count < CUE_WINDOW:
        lo -= 1
        count += any(c.isalnum() for c in sentence.texts[lo])
    hi, count = i + 1, 0
    while hi < len(sentence.texts) and count < CUE_WINDOW:
        count += any(c.isalnum() for c in sentence.texts[hi])
        hi += 1
    return lo, hi


def _crosses(sentence: Sentence, i: int, j: int) -> bool:
    """Whether a clause boundary (";", a dash, a sentence end) lies between tokens i and j."""
    lo, hi = min(i, j), max(i, j)
    return any(
        sentence.texts[k] in (",", ":", ";", "—", "–") or sentence.texts[k] in END_PUNCT for k in range(lo + 1, hi)
    )


def _opens_clause(sentence: Sentence, i: int, j: int) -> bool:
    """Whether token j is a subordinator opening the clause right after token i's clause ("звернувся до мене,
    щоб…"): a cue may end in the conjunction of its complement clause."""
    return (
        j > i and sentence.texts[j - 1] == "," and sentence.has(j, "subordinators") and not _crosses(sentence, i, j - 1)
    )
