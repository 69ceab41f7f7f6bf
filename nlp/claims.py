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

import re
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, Token

from nlp.attribution import NO_SOURCE, Source, agency_via, clause_root, clause_source, speech_source
from nlp.cues import CueMatch, CueMatcher
from nlp.dates import date_phrase
from nlp.lexicon import NameMatcher, keywords_regex

for _name in ("onrecord_claims", "onrecord_context"):
    if not Doc.has_extension(_name):
        Doc.set_extension(_name, default=None)

QUOTE_OPEN = "\"“«‘"


@Language.factory("onrecord_claims", default_config={"lexicon": {}})
def make_claim_reader(nlp: Language, name: str, lexicon: dict[str, Any]) -> "ClaimReader":
    return ClaimReader(lexicon)


class ClaimReader:
    """Reads claims from a parsed sentence; context (speaks_for, last speaker) comes from the Doc."""

    def __init__(self, lexicon: dict[str, Any]):
        self.lexicon = lexicon
        self.grammar = lexicon.get("grammar", {})
        self.names = NameMatcher(lexicon.get("names", []))
        self.cues = CueMatcher(lexicon.get("claim_types", []))
        self.counterparts = lexicon.get("counterparts", {})
        self.types = {c["id"]: c for c in lexicon.get("claim_types", [])}
        self.topics = [(topic, keywords_regex(words)) for topic, words in lexicon.get("topics", {}).items() if words]

    def __call__(self, doc: Doc) -> Doc:
        doc._.onrecord_claims = self.read(doc, doc._.onrecord_context or {})
        return doc

    def topic_of(self, text: str) -> str | None:
        counts = [(len(regex.findall(text)), topic) for topic, regex in self.topics]
        best = max(counts, default=(0, None))
        return best[1] if best[0] else None

    def read(self, doc: Doc, context: dict[str, Any]) -> list[dict[str, Any]]:
        topic = self.topic_of(doc.text)
        if topic is None and (doc.text[:1] in QUOTE_OPEN or context.get("in_quote")):
            topic = self.topic_of(context.get("previous_sentence") or "")  # a quote continuing the topic
        if topic is None or doc.text.rstrip(" \"”»'’").endswith("?"):
            return []
        out = []
        for match in self.cues(doc):
            if self._hypothetical(match.anchor) or not self._well_formed(match):
                continue
            out.extend(self._claims_for(doc, match, topic, context))
        return _dedupe(out)

    def _hypothetical(self, anchor: Token) -> bool:
        markers = set(self.grammar.get("conditional_markers", []))
        current = anchor
        for _ in range(8):
            if any(c.dep_ == "mark" and c.lower_ in markers for c in current.children):
                return True
            if current.head.i == current.i:
                return False
            current = current.head
        return False

    def _well_formed(self, match: CueMatch) -> bool:
        """A cue must be asserted: not an adjective ("agreed lists"), a bare noun only as the object of an
        expressing verb; factual types not in an infinitive, under a modal, or as a noun."""
        anchor = match.anchor
        if anchor.dep_ == "amod":
            return False
        single = len(match.words) == 1
        if single and anchor.pos_ in ("NOUN", "PROPN"):
            if anchor.dep_ != "ROOT" and anchor.head.lemma_.lower() not in self.grammar.get("noun_cue_verbs", []):
                return False
        if match.claim_type.get("factual"):
            if single and anchor.pos_ != "VERB":
                return False
            root = clause_root(anchor)
            if any(c.dep_ == "aux" and c.tag_ in ("TO", "MD") for c in root.children) or root.tag_ == "VBG":
                return False
        return True

    def _negated(self, match: CueMatch) -> bool:
        if any(w in ("not", "no", "never") for w in match.words):
            return False
        negators = set(self.grammar.get("negators", []))
        anchor = match.anchor
        heads = {anchor, clause_root(anchor)}
        if anchor.dep_ in ("xcomp", "dobj", "pobj", "attr", "acomp") or anchor.pos_ in ("NOUN", "ADJ"):
            heads.add(anchor.head)
        return any(c.dep_ in ("neg", "det", "advmod", "preconj") and c.lower_ in negators
                   for head in heads for c in head.children)

    def _claims_for(self, doc: Doc, match: CueMatch, topic: str, context: dict[str, Any]) -> list[dict[str, Any]]:
        anchor = match.anchor
        spoken, speech_verb = speech_source(anchor, self.names, self.grammar)
        own = clause_source(anchor, self.names, self.grammar)
        addressee = None
        if anchor.dep_ == "aux" and own.kind == "named":
            # a modal cue ("Russia must confirm...") addresses its subject: the holder is whoever says it
            addressee, own = own.parties[0], NO_SOURCE
        base = spoken if spoken.kind != "none" else own
        holders, confidence = self._holders(doc, base, context)
        claim_type = match.claim_type["id"]
        negated = self._negated(match)
        other = None
        if base is spoken and spoken.kind != "none" and own.kind == "named":
            other = next((p for p in own.parties if p not in {h for h, _ in holders}), None)
        elif base is own and own.kind == "named" and not own.speaker and context.get("speaks_for") \
                and context["speaks_for"] not in own.parties:
            other = own.parties[0]
            holders, confidence = [(context["speaks_for"], context.get("speaker"))], 0.6
        if other is not None:
            claim_type = match.claim_type.get("reported_of_other")
            if not claim_type:
                return []
        if negated and self.types.get(claim_type, {}).get("when_negated"):
            claim_type, negated = self.types[claim_type]["when_negated"], False
        via = agency_via(doc.text, self.grammar) or context.get("via")
        when = date_phrase(speech_verb, anchor, self.grammar)
        out = []
        for holder, speaker in holders:
            target = other or addressee or self._target(doc, anchor, holder, base, claim_type)
            out.append({"holder": holder, "speaker": speaker, "claim_type": claim_type, "negated": negated,
                        "target": target, "topic": topic, "via": via, "date_phrase": when,
                        "confidence": confidence, "cue": " ".join(t.text for t in match.tokens)})
        return out

    def _holders(self, doc: Doc, source: Source, context: dict[str, Any]) -> tuple[list[tuple[str, str | None]], float]:
        speaks_for = context.get("speaks_for")
        last = context.get("last_speaker")  # (party, speaker) of the last named speaker before this sentence
        in_quote = doc.text[:1] in QUOTE_OPEN or context.get("in_quote", False)
        if source.kind == "named":
            speaker = source.speaker if len(source.parties) == 1 else None
            return [(p, speaker) for p in source.parties], 0.9 if source.by_speech else 0.8
        if source.kind == "third_person" and last:
            return [tuple(last)], 0.7
        if source.kind == "first_person":
            if in_quote and last:
                return [tuple(last)], 0.7
            if speaks_for:
                return [(speaks_for, context.get("speaker"))], 0.75
            return ([tuple(last)], 0.5) if last else ([], 0.0)
        if source.kind == "unknown_person" and speaks_for:
            return [(speaks_for, source.speaker)], 0.6
        if source.kind == "both_sides" and speaks_for:
            return [(speaks_for, context.get("speaker"))], 0.6
        if source is NO_SOURCE or source.kind in ("none", "third_person", "both_sides"):
            if in_quote and last:
                return [tuple(last)], 0.6
            if speaks_for:
                return [(speaks_for, context.get("speaker"))], 0.6
        return [], 0.0

    def _target(self, doc: Doc, anchor: Token, holder: str, source: Source, claim_type: str) -> str | None:
        skip = range(*source.span) if source.span else range(0)
        root = clause_root(anchor)
        scope = {t.idx for t in root.subtree}
        near, anywhere = [], []
        for mention in self.names.find(doc.text):
            token = doc.char_span(mention.start, mention.end, alignment_mode="expand")
            if mention.party == holder or token is None or token.start in skip:
                continue
            (near if token[0].idx in scope else anywhere).append(mention.party)
        if near or anywhere:
            return (near or anywhere)[0]
        if self.types.get(claim_type, {}).get("default_target") == "counterpart":
            return self.counterparts.get(holder)
        return None


def _dedupe(claims: list[dict[str, Any]]) -> list[dict[str, Any]]:
    best: dict[tuple, dict[str, Any]] = {}
    for claim in claims:
        key = (claim["holder"], claim["claim_type"], claim["negated"])
        if key not in best or claim["confidence"] > best[key]["confidence"]:
            best[key] = claim
    return list(best.values())
