"""The named rules by which the English claim reader (nlp.claims) drops a cue that is not a party's position.

A cue is read in steps (ClaimReader.reading): the cue and its clause's subject, then the speaker of the
sentence, then the clause's own source, then the holders and the side the claim is about. After each step the
rules of that step are asked in order; the first that answers True drops the claim and is named in
`Reading.rejected_by`. Each rule is a small function of the reader and the reading so far, with its own test
(tests/test_nlp_claim_rules.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from spacy.tokens import Doc, Token

from onrecord.nlp.attribution import NO_SOURCE, Source, subject_of
from onrecord.nlp.context import Holder, SentenceContext
from onrecord.nlp.cues import CueMatch
from onrecord.nlp.grammar import Grammar

if TYPE_CHECKING:
    from onrecord.nlp.claims import ClaimReader


@dataclass
class Reading:
    """One cue of a parsed sentence as far as it has been read."""

    doc: Doc
    match: CueMatch
    context: SentenceContext
    grammar: Grammar
    subject: Token | None  # of the cue's clause
    claim_type: str  # the cue's type; `reported_of_other` once the claim is found to be about the other side
    behaviour: bool  # a cue of what its subject does ("delay", "block"), not an accusing verb
    passive: bool
    spoken: Source = NO_SOURCE  # the speaker of the sentence ("X said that ...", "according to X")
    speech_verb: Token | None = None
    owner: Source | None = None  # the side a possessed cue belongs to ("the initiatives of Ukraine")
    own: Source = NO_SOURCE  # the source of the cue's own clause
    addressee: str | None = None  # the side a modal cue addresses ("Russia must ...")
    reported_by_them: bool = False  # "they claimed that ...": the other side's words
    base: Source = NO_SOURCE  # the source the holders come from
    holders: list[Holder] = field(default_factory=list)
    confidence: float = 0.0
    negated: bool = False
    speaks_of_other: bool = False  # the holder reports what the other side says or is
    other: str | None = None  # the side the claim is about, when it is the other side
    rejected_by: str | None = None  # the name of the rule that dropped the claim

    @property
    def anchor(self) -> Token:
        return self.match.anchor


Rule = Callable[["ClaimReader", Reading], bool]


# -- on the cue and its clause's subject -------------------------------------------------------------------------
def holder_is_the_accused(reader: ClaimReader, r: Reading) -> bool:
    """ "So that we are not accused of delaying": the holder's side is the one accused, not accusing."""
    accusing, first = set(r.grammar.accusing_verbs), set(r.grammar.first_person)
    return any(
        t.lemma_.lower() in accusing and any(c.dep_ == "nsubjpass" and c.lower_ in first for c in t.children)
        for t in (r.anchor, *list(r.anchor.ancestors)[:3])
    )


def held_by_a_non_party(reader: ClaimReader, r: Reading) -> bool:
    """ "Families who are waiting...": the position of people who are not a party (grammar non_party_subjects),
    unless the cue reports a fact or the subject is what a behaviour was done to."""
    return (
        r.subject is not None
        and not r.match.claim_type.get("factual")
        and not (r.behaviour and r.passive)
        and r.subject.lemma_.lower() in r.grammar.non_party_subjects
    )


# -- on the speaker ----------------------------------------------------------------------------------------------
def said_by_nobody_on_record(reader: ClaimReader, r: Reading) -> bool:
    """ "Everyone knows...", "experts say...": the speech verb's subject is nobody on record."""
    if r.speech_verb is None:
        return False
    speaker = subject_of(r.speech_verb, r.grammar.relative_pronouns)
    return speaker is not None and speaker.lemma_.lower() in r.grammar.non_party_subjects


# -- on the clause's own source ----------------------------------------------------------------------------------
def no_side_comes_home(reader: ClaimReader, r: Reading) -> bool:
    """ "Members were released from prisons": an exchange or release whose people are nobody's side (no party,
    "our", prisoners or captives) is not an exchange."""
    return r.claim_type == "exchange_completed" and not reader._people_of_a_side(r.doc, r.anchor)


def freed_by_force(reader: ClaimReader, r: Reading) -> bool:
    """ "Troops freed 40 civilians trapped in a basement": armed forces (grammar `armed_forces`) setting people free
    is a rescue or a battle, not an exchange; "our soldiers returned home" (no object) still is one."""
    return (
        r.claim_type == "exchange_completed"
        and not r.passive
        and r.subject is not None
        and r.subject.lemma_.lower() in r.grammar.armed_forces
        and any(child.dep_ == "dobj" for child in r.anchor.children)
    )


def modal_addresses_nobody(reader: ClaimReader, r: Reading) -> bool:
    """ "We must", "talks must be held": a modal cue addresses its subject; without a named side, both sides or
    the other side as subject it addresses nobody in particular and is no demand."""
    return r.anchor.dep_ == "aux" and r.own.kind not in ("named", "both_sides", "other_side")


# -- on the holders and the other side ---------------------------------------------------------------------------
def reported_without_counterpart(reader: ClaimReader, r: Reading) -> bool:
    """ "They claimed that ...": the other side's words are a claim about it only when the holder has one."""
    return r.speaks_of_other and r.other is None


def own_side_behaviour(reader: ClaimReader, r: Reading) -> bool:
    """ "We will not allow...", "we do not want this": a behaviour cue done by the holder's own side accuses
    nobody."""
    own = r.own
    own_side = own.kind == "first_person" or (own.kind == "named" and any(h in own.parties for h, _ in r.holders))
    return r.behaviour and not r.passive and r.other is None and r.anchor.dep_ != "aux" and own_side


def prediction_about_another_side(reader: ClaimReader, r: Reading) -> bool:
    """ "Putin will not be able to ignore it": a modal statement about a side other than the speaker's is a
    prediction, not a position."""
    context, own, spoken = r.context, r.own, r.spoken
    side: Any = spoken.parties if spoken.kind == "named" else ((context.speaks_for,) if context.speaks_for else ())
    return (
        r.anchor.dep_ != "aux"
        and reader.modality.modal(r.anchor)
        and (
            own.kind in ("other_side", "third_person")
            or bool(own.kind == "named" and side and not set(own.parties) & set(side))
        )
    )


def no_type_for_the_other_side(reader: ClaimReader, r: Reading) -> bool:
    """A cue about the other side whose type has no `reported_of_other` (config) states nothing of it."""
    return r.other is not None and not r.claim_type


ON_THE_CUE: tuple[Rule, ...] = (holder_is_the_accused, held_by_a_non_party)
ON_THE_SPEAKER: tuple[Rule, ...] = (said_by_nobody_on_record,)
ON_THE_CLAUSE: tuple[Rule, ...] = (no_side_comes_home, freed_by_force, modal_addresses_nobody)
# Rules exact enough to bind the learned reader too: where one of them drops a cue of a type, the learned reader reads
# no claim of that type from the sentence (the extractor passes them on as `doc._.onrecord_vetoes`).
BINDING_RULES: frozenset[str] = frozenset({freed_by_force.__name__, no_side_comes_home.__name__})
ON_THE_HOLDERS: tuple[Rule, ...] = (
    reported_without_counterpart,
    own_side_behaviour,
    prediction_about_another_side,
    no_type_for_the_other_side,
)
