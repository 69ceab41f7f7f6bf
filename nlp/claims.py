"""The `onrecord_claims` spaCy component: typed claims from one parsed sentence.

For each cue in the sentence it decides the holder (attribution, then the article context set on
`doc._.onrecord_context`), negation, modality (questions and conditionals are dropped), target, topic and
the date phrase. The result, a list of plain dicts, goes on `doc._.onrecord_claims`.

Use in your own spaCy code:
    nlp.add_pipe("onrecord_claims", config={"lexicon": build_lexicon(config, "en")})
    doc = nlp("Peskov said on Thursday that Moscow had handed over its list of prisoners.")
    doc._.onrecord_claims
"""

from __future__ import annotations

from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, Token

from onrecord.nlp import claim_rules as rules
from onrecord.nlp.attribution import (
    NO_SOURCE,
    Source,
    agency_via,
    clause_root,
    clause_source,
    speech_source,
    subject_of,
)
from onrecord.nlp.claim_rules import BINDING_RULES, Reading
from onrecord.nlp.context import Holder, SentenceContext
from onrecord.nlp.cues import CueMatch, CueMatcher
from onrecord.nlp.dates import date_phrase
from onrecord.nlp.grammar import Grammar
from onrecord.nlp.lexicon import NameFinder, NameMatcher
from onrecord.nlp.modality import Modality
from onrecord.nlp.topics import TopicReader

for _name in ("onrecord_claims", "onrecord_context", "onrecord_vetoes"):
    if not Doc.has_extension(_name):
        Doc.set_extension(_name, default=None)

QUOTE_OPEN = '"“«‘'


@Language.factory("onrecord_claims", default_config={"lexicon": {}})
def make_claim_reader(nlp: Language, name: str, lexicon: dict[str, Any]) -> ClaimReader:
    return ClaimReader(lexicon)


class ClaimReader:
    """Reads claims from a parsed sentence; context (speaks_for, last speaker) comes from the Doc."""

    def __init__(self, lexicon: dict[str, Any]):
        self.lexicon = lexicon
        self.grammar = Grammar.of(lexicon)
        self.names: NameFinder = NameMatcher(lexicon.get("names", []))
        self.cues = CueMatcher(lexicon.get("claim_types", []), self.grammar)
        self.counterparts = lexicon.get("counterparts", {})
        self.types = {c["id"]: c for c in lexicon.get("claim_types", [])}
        self.modality = Modality(self.grammar, self.names)
        topics = TopicReader(lexicon.get("topics", {}), self.grammar, self.names, self.counterparts)
        self.topic_of, self.topic_for = topics.topic_of, topics.topic_for  # text only: the extractor asks too

    def __call__(self, doc: Doc) -> Doc:
        doc._.onrecord_claims = self.read(doc, doc._.onrecord_context or SentenceContext())
        return doc

    def read(self, doc: Doc, context: SentenceContext) -> list[dict[str, Any]]:
        topic, own_topic = self.topic_for(doc.text, context)
        if topic is None:
            return []
        out = []
        vetoes: list[str] = []
        doc._.onrecord_vetoes = vetoes  # types an exact rule ruled out here (nlp.claim_rules.BINDING_RULES)
        quoted = doc.text[:1] in QUOTE_OPEN or context.in_quote
        modality = self.modality
        asserted = [m for m in self.cues(doc) if not modality.hypothetical(m.anchor) and modality.asserted(m)]
        for match in self._outermost(asserted):
            if own_topic is None and match.claim_type.get("factual") and not quoted:
                continue  # a reported fact names what it is about; stances and quotes continue a topic
            if own_topic is None and context.topic_loose and not self._may_borrow_topic(match, context):
                continue  # a stance borrowing its passage's topic must name its holder (a side, "we", "I")
            out.extend(self._claims_for(doc, match, topic, context, vetoes))
        return _dedupe(out)

    def _may_borrow_topic(self, match: CueMatch, context: SentenceContext) -> bool:
        """A sentence without a topic word taking its passage's topic (the extractor set `topic_loose` to its
        length in words): a short stance about the other side or an offer (en.yaml borrowed_topic_types) whose
        holder is named or "we"; a longer one only when it accuses the article's counterpart, named as the subject
        of the cue ("the Kiev regime did not want to ...")."""
        grammar = self.grammar
        if context.topic_loose <= grammar.borrowed_topic_max_words:
            return match.claim_type["id"] in grammar.borrowed_topic_types and self._holder_named(match.anchor)
        if match.claim_type["id"] not in grammar.behaviour_types:
            return False
        subject = subject_of(clause_root(match.anchor), grammar.relative_pronouns)
        if subject is None or subject.dep_ != "nsubj":
            return False
        own = clause_source(match.anchor, self.names, grammar)
        other = self.counterparts.get(context.speaks_for or "")
        return own.kind == "named" and other is not None and other in own.parties

    def _holder_named(self, anchor: Token) -> bool:
        """The cue's own clause, or the speech verb over it, names a side or speaks in the first person."""
        spoken, _ = speech_source(anchor, self.names, self.grammar)
        own = clause_source(anchor, self.names, self.grammar)
        return spoken.kind in ("named", "first_person") or own.kind in ("named", "first_person")

    @staticmethod
    def _outermost(matches: list[CueMatch]) -> list[CueMatch]:
        """Drop a cue whose words are all part of a longer cue of another type ("impossible without" is a
        demand, not also the concern "impossible")."""
        sets = [frozenset(t.i for t in m.tokens) for m in matches]
        return [m for m, own in zip(matches, sets, strict=False) if not any(own < other for other in sets)]

    def _people_of_a_side(self, doc: Doc, anchor: Token) -> bool:
        """An exchange or release names whose people come home: a party, "our", or prisoners, captives..."""
        root = clause_root(anchor)
        tokens = list(root.subtree) + ([root.head] if root.dep_ in ("relcl", "acl") else [])  # "citizens who returned"
        people = set(self.grammar.exchanged_people)
        first = set(self.grammar.first_person)
        if any(t.lemma_.lower() in people or t.lower_ in first for t in tokens):
            return True
        start, end = tokens[0].idx, tokens[-1].idx + len(tokens[-1].text)
        return any(m.party for m in self.names.find(doc.text, start, end))

    def _claims_for(
        self, doc: Doc, match: CueMatch, topic: str, context: SentenceContext, vetoes: list[str] | None = None
    ) -> list[dict[str, Any]]:
        reading = self.reading(doc, match, context)
        if reading.rejected_by is not None:
            if vetoes is not None and reading.rejected_by in BINDING_RULES:
                vetoes.append(reading.claim_type)  # the learned reader may not read this type here either
            return []
        anchor, claim_type, negated = reading.anchor, reading.claim_type, reading.negated
        if negated and self.types.get(claim_type, {}).get("when_negated"):
            claim_type, negated = self.types[claim_type]["when_negated"], False
        via = agency_via(doc.text, self.grammar) or context.via
        when = date_phrase(reading.speech_verb, anchor, self.grammar)
        out = []
        for holder, speaker in reading.holders:
            target = (
                reading.other
                or reading.addressee
                or (
                    self._target(doc, anchor, holder, reading.base, claim_type)
                    if reading.owner is None  # not the one who backs it
                    else self.counterparts.get(holder)
                    if self.types.get(claim_type, {}).get("default_target")
                    else None
                )
            )
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
                    "confidence": reading.confidence,
                    "cue": " ".join(t.text for t in match.tokens),
                }
            )
        return out

    def reading(self, doc: Doc, match: CueMatch, context: SentenceContext) -> Reading:
        """How one cue of a parsed sentence is read: its sources, holders and the other side, step by step, each
        step followed by the named rules (nlp.claim_rules) that may drop the claim; `rejected_by` names the
        first rule that did."""
        grammar = self.grammar
        anchor = match.anchor
        subject = subject_of(clause_root(anchor), grammar.relative_pronouns)
        type_id = match.claim_type["id"]
        # a behaviour cue ("delay", "block") describes what its subject does; in the passive the subject is what
        # was done to ("the process was blocked"), and the doer is left to the context
        r = Reading(
            doc=doc,
            match=match,
            context=context,
            grammar=grammar,
            subject=subject,
            claim_type=type_id,
            behaviour=type_id in grammar.behaviour_types and anchor.lemma_.lower() not in grammar.accusing_verbs,
            passive=subject is not None and subject.dep_ == "nsubjpass",
        )
        if self._rejected(r, rules.ON_THE_CUE):
            return r
        r.spoken, r.speech_verb = speech_source(anchor, self.names, grammar)
        if anchor.lemma_.lower() in grammar.possessed_noun_cues:
            r.owner = self.modality.possessor(anchor)
        if r.owner is not None:  # "X expressed support for the initiatives of Ukraine": Ukraine's proposal
            r.spoken, r.speech_verb = NO_SOURCE, None
        if self._rejected(r, rules.ON_THE_SPEAKER):
            return r
        r.own = r.owner or clause_source(anchor, self.names, grammar)
        if self._rejected(r, rules.ON_THE_CLAUSE):
            return r
        if anchor.dep_ == "aux":
            # a modal cue ("Russia must confirm...") addresses its subject: the holder is whoever says it
            if r.own.kind == "named":
                r.addressee, r.own = r.own.parties[0], NO_SOURCE
            else:  # both sides, the other side (rules.modal_addresses_nobody dropped the rest)
                r.own = NO_SOURCE
        r.reported_by_them = r.spoken.kind == "other_side"  # "they claimed that...": their words, not the holder's
        if r.reported_by_them:
            r.spoken = NO_SOURCE
        r.base = r.spoken if r.spoken.kind != "none" else r.own
        if r.base.kind == "other_side":
            r.base, r.reported_by_them = NO_SOURCE, True
        r.holders, r.confidence = self._holders(doc, r.base, context)
        r.negated = self.modality.negated(match)
        self._other_side(r)
        self._rejected(r, rules.ON_THE_HOLDERS)
        return r

    def _other_side(self, r: Reading) -> None:
        """The side a claim is about when the holder speaks of the other one (then the claim type is the cue's
        `reported_of_other`), and the holder that implies."""
        own, spoken, context = r.own, r.spoken, r.context
        r.speaks_of_other = r.reported_by_them or (own.kind == "other_side" and r.base is spoken)
        if r.speaks_of_other:
            r.other = self.counterparts.get(r.holders[0][0]) if r.holders else None
        elif r.base is spoken and spoken.kind != "none" and own.kind == "named":
            r.other = next((p for p in own.parties if p not in {h for h, _ in r.holders}), None)
        elif (
            r.behaviour
            and not r.passive
            and r.base is own
            and own.kind == "named"
            and r.speech_verb is not None
            and (last := context.last_speaker())
            and last[0] not in own.parties
        ):
            # "'The Russian side is dragging out the process,' the headquarters said": an unnamed speaker who
            # accuses a named side stands for the speaker named before
            r.other = own.parties[0]
            r.holders, r.confidence = [last], 0.6
        elif (
            r.base is own
            and own.kind == "named"
            and (r.behaviour or not any(m.kind == "speaker" for m in own.mentions))
            and context.speaks_for
            and context.speaks_for not in own.parties
        ):
            r.other = own.parties[0]
            r.holders, r.confidence = [(context.speaks_for, context.speaker)], 0.6
        if r.other is not None:
            r.claim_type = r.match.claim_type.get("reported_of_other") or ""

    def _rejected(self, r: Reading, checks: tuple[rules.Rule, ...]) -> bool:
        for check in checks:
            if check(self, r):
                r.rejected_by = check.__name__
                return True
        return False

    def _holders(self, doc: Doc, source: Source, context: SentenceContext) -> tuple[list[Holder], float]:
        speaks_for = context.speaks_for
        last = context.last_speaker()  # (party, speaker) of the last named speaker before this sentence
        in_quote = doc.text[:1] in QUOTE_OPEN or context.in_quote
        if source.kind == "named":
            speaker = source.speaker if len(source.parties) == 1 else None
            return [(p, speaker) for p in source.parties], 0.9 if source.by_speech else 0.8
        if source.kind == "third_person" and last:
            return [last], 0.7
        if source.kind == "first_person":
            if in_quote and last:
                return [last], 0.7
            if speaks_for:
                return [(speaks_for, context.speaker)], 0.75
            return ([last], 0.5) if last else ([], 0.0)
        if source.kind == "unknown_person" and speaks_for:
            return [(speaks_for, source.speaker)], 0.6
        if source.kind == "both_sides" and speaks_for:
            # "the parties stressed...": the article's side and the other participant named just before
            out = [(speaks_for, context.speaker)]
            other = last if last and last[0] != speaks_for else context.participant
            if other:
                out.append(other)
            return out, 0.6
        if source is NO_SOURCE or source.kind in ("none", "third_person", "both_sides"):
            if in_quote and last:
                return [last], 0.6
            if speaks_for:
                return [(speaks_for, context.speaker)], 0.6
        return [], 0.0

    def _target(self, doc: Doc, anchor: Token, holder: str, source: Source, claim_type: str) -> str | None:
        """The party the claim is about: a party named in the cue's clause (not the holder, not the source,
        not a place where something happens: "in Paris", "in Gomel, Belarus"), the holder's counterpart
        first; else the counterpart for types that are about the other side by default."""
        skip = range(*source.span) if source.span else range(0)
        root = clause_root(anchor)
        scope = {t.i for t in root.subtree}
        places = set(self.grammar.place_prepositions)
        near = []
        for mention in self.names.find(doc.text):
            span = doc.char_span(mention.start, mention.end, alignment_mode="expand")
            if mention.party == holder or span is None or span.start in skip or span.root.i not in scope:
                continue
            head = span.root
            while head.dep_ in ("conj", "appos", "compound") and head.head.i != head.i:
                head = head.head
            if head.dep_ == "pobj" and head.head.lower_ in places:
                continue
            near.append(mention.party)
        counterpart = self.counterparts.get(holder)
        if near:
            return counterpart if counterpart in near else near[0]
        if self.types.get(claim_type, {}).get("default_target") == "counterpart":
            return counterpart
        return None


def _dedupe(claims: list[dict[str, Any]]) -> list[dict[str, Any]]:
    best: dict[tuple, dict[str, Any]] = {}
    for claim in claims:
        key = (claim["holder"], claim["claim_type"], claim["negated"])
        if key not in best or claim["confidence"] > best[key]["confidence"]:
            best[key] = claim
    return list(best.values())
