"""Whether a cue is asserted by its sentence, and with which polarity: the checks on the parse that keep
conditions, backgrounds, references, embedded questions, predictions and descriptions from being read as
positions ("if Kyiv sends its list", "as agreed in Istanbul", "agreed lists", "will not be able to ignore"),
and that decide negation ("has not been received", double negation "not a day when we did not...").

Grammar words come from nlp/patterns/<lang>.yaml (conditional_markers, denial_verbs, negators...).
"""

from __future__ import annotations

from spacy.tokens import Token

from onrecord.nlp.attribution import CLAUSE_POS, Source, clause_root, resolve_source
from onrecord.nlp.cues import CueMatch
from onrecord.nlp.grammar import Grammar
from onrecord.nlp.lexicon import NameFinder


class Modality:
    """Assertion and negation of cue matches on a parsed sentence."""

    def __init__(self, grammar: Grammar, names: NameFinder):
        self.grammar = grammar
        self.names = names

    def hypothetical(self, anchor: Token) -> bool:
        """Under "if"/"whether" (a condition), in a background clause ("when the envoy was holding talks",
        "until Moscow agreed") or after "without" ("without waiting for the end of the war")."""
        markers = set(self.grammar.conditional_markers)
        background = set(self.grammar.background_markers)
        negating = set(self.grammar.negating_prepositions)
        current = anchor
        for _ in range(8):
            if any(c.dep_ == "mark" and c.lower_ in markers for c in current.children):
                return True
            if current.dep_ == "advcl" and any(
                c.dep_ in ("mark", "advmod") and c.lower_ in background for c in current.children
            ):
                return True
            if current.dep_ == "pcomp" and current.head.lower_ in negating:
                return True
            if current.head.i == current.i:
                return False
            current = current.head
        return False

    def asserted(self, match: CueMatch) -> bool:
        """A cue must be asserted by its clause.

        - not an adjective or a participle describing a noun ("agreed lists", "the exchange agreed in
          Istanbul", "a town blocked for weeks");
        - a noun cue only as the object of an expressing verb ("expressed concern"), as the head of a
          verbless sentence, or with its agent ("violations by Russian forces"); a multi-word cue may also
          carry its own verb ("received the proposal");
        - factual types need a verb, not in an infinitive, a gerund or under a modal, also through the verb
          it is conjoined with ("must show ... and accept"), except after an implicative verb ("managed to").
        """
        anchor = match.anchor
        grammar = self.grammar
        if anchor.dep_ == "amod" or (anchor.dep_ == "acl" and anchor.tag_ == "VBN"):
            return False
        if self._reference(anchor) or self._embedded_question(anchor):
            return False
        denying = set(grammar.denial_verbs)
        if any(a.lemma_.lower() in denying for a in list(anchor.ancestors)[:4]):
            return False  # "denied that the talks had stalled": the denial is the claim, not the stalling
        clause = anchor
        for _ in range(4):  # "surrounded or blocked": a conjoined verb shares its clause's voice
            if clause.dep_ != "conj" or clause.head.i == clause.i:
                break
            clause = clause.head
        if (
            clause.dep_ in ("relcl", "acl")
            and len(match.words) < 3
            and not any(c.dep_ == "agent" for c in anchor.children)
            and any(c.dep_ == "auxpass" for c in (*anchor.children, *clause.children))
        ):
            return False  # "settlements that are blocked": a description, nobody is said to block (a cue of three
            # or more words is specific enough to be the point: "issues that can be resolved only at the table")
        if anchor.pos_ in ("NOUN", "PROPN") and not self._noun_asserted(match):
            return False
        if match.claim_type.get("factual"):
            verbs = [t for t in match.tokens if t.pos_ == "VERB"]
            if not verbs:
                return False
            verb = verbs[0]
            if verb.dep_ in ("amod", "acl") and verb.tag_ == "VBN":
                return False
            implicative = set(grammar.implicative_verbs)
            non_factive = set(grammar.non_factive_verbs)
            if any(a.lemma_.lower() in non_factive for a in list(verb.ancestors)[:4]):
                return False  # "proposed that the sides exchange all prisoners": wanted, not done
            deontic = set(grammar.deontic_modals)
            if any(
                c.dep_ == "aux" and c.lemma_.lower() in deontic for a in list(verb.ancestors)[:4] for c in a.children
            ):
                return False  # "Russia must show that it is serious and accept a ceasefire": required, not done
            current = verb
            for _ in range(4):
                root = clause_root(current)
                if root.tag_ == "VBG" and root.dep_ not in ("ROOT", "ccomp", "conj") and not self._presupposed(root):
                    return False
                if any(c.dep_ == "aux" and c.tag_ in ("TO", "MD") for c in root.children) and not (
                    root.dep_ == "xcomp" and root.head.lemma_.lower() in implicative
                ):
                    return False
                if root.dep_ == "xcomp" and root.head.lemma_.lower() in implicative:
                    current = root.head
                    continue
                if root.dep_ != "conj" or root.head.i == root.i:
                    break
                current = root.head
        return True

    def _presupposed(self, verb: Token) -> bool:
        """A gerund that someone is thanked for happened ("grateful for the help in exchanging the prisoners")."""
        words = set(self.grammar.presupposing_words)
        near = [t for a in list(verb.ancestors)[:6] for t in (a, *(c for c in a.children if c.dep_ == "dobj"))]
        return any(t.lemma_.lower() in words or t.lower_ in words for t in near)  # "expressed gratitude ... for"

    def _reference(self, anchor: Token) -> bool:
        """A past participle that refers to something settled rather than states it: "as agreed in Istanbul",
        and "the ceasefire agreed on July 22" even when the parser makes "agreed" a main verb (the word before
        it is the object of another verb)."""
        if anchor.pos_ != "VERB" or anchor.tag_ not in ("VBN", "VBD"):
            return False
        markers = set(self.grammar.reference_markers)
        if any(c.dep_ == "mark" and c.lower_ in markers for c in anchor.children) and not any(
            c.dep_ in ("nsubj", "nsubjpass") for c in anchor.children
        ):
            return True
        if anchor.i == 0:
            return False
        before = anchor.doc[anchor.i - 1]
        return before.pos_ in ("NOUN", "PROPN") and before.dep_ == "dobj" and before.head.i != anchor.i

    @staticmethod
    def _embedded_question(anchor: Token) -> bool:
        """A cue inside an embedded wh-clause ("they knew what they were disrupting", "everyone knows who is to
        blame") is what someone knows or asks, not a statement that it happened."""
        current = anchor
        for _ in range(4):
            if current.dep_ in ("ccomp", "csubj", "pcomp") and any(
                c.tag_ in ("WP", "WRB") and c.dep_ in ("nsubj", "nsubjpass", "dobj", "advmod", "attr")
                for c in current.children
            ):
                return True
            if current.dep_ not in ("xcomp", "conj", "acomp", "ccomp") or current.head.i == current.i:
                return False
            current = current.head
        return False

    def modal(self, anchor: Token) -> bool:
        """The cue's clause is under a modal of prediction or possibility ("will not be able to ignore")."""
        modals = set(self.grammar.prediction_modals)
        current = clause_root(anchor)
        for _ in range(4):
            if any(c.dep_ == "aux" and c.tag_ == "MD" and c.lemma_.lower() in modals for c in current.children):
                return True
            if current.dep_ not in ("xcomp", "acomp", "conj") or current.head.i == current.i:
                return False
            current = clause_root(current.head) if current.head.pos_ not in CLAUSE_POS else current.head
        return False

    def possessor(self, anchor: Token) -> Source | None:
        """The side a possessed noun cue belongs to: "the initiatives of Ukraine", "our proposal", "Kyiv's
        initiative" (not "at the initiative of", which names who called a meeting)."""
        if anchor.pos_ not in ("NOUN", "PROPN") or (
            anchor.dep_ == "pobj" and anchor.head.lower_ in ("at", "on", "upon")
        ):
            return None
        for child in anchor.children:
            owner = None
            if child.dep_ == "poss":
                owner = child
            elif child.dep_ == "prep" and child.lower_ == "of":
                owner = next((c for c in child.children if c.dep_ == "pobj"), None)
            if owner is not None:
                source = resolve_source(owner, self.names, self.grammar, False)
                if source.kind in ("named", "first_person"):
                    return source
        return None

    def _noun_asserted(self, match: CueMatch) -> bool:
        anchor = match.anchor
        if anchor.lemma_.lower() in self.grammar.possessed_noun_cues:
            return self.possessor(anchor) is not None  # "initiatives were noted" is vague; "Ukraine's initiatives"
        if anchor.dep_ == "ROOT":
            return True
        if anchor.head.lemma_.lower() in self.grammar.noun_cue_verbs and anchor.dep_ in (
            "dobj",
            "attr",
            "nsubj",
            "nsubjpass",
            "acomp",
            "oprd",
            "conj",
            "appos",
        ):
            return True
        ancestors = {t.i for t in anchor.ancestors}
        if any(t.pos_ in ("VERB", "AUX") and t.i in ancestors for t in match.tokens):
            return True  # the cue carries its own verb ("received the proposal", "returned from captivity")
        for child in anchor.children:  # "violations by Russian forces": the noun has its agent
            if child.dep_ == "prep" and child.lower_ in self.grammar.agent_prepositions:
                last = child.right_edge  # the whole phrase: a name may have several words ("Russian forces")
                if self.names.find(child.doc.text, child.idx, last.idx + len(last.text)):
                    return True
        return False

    def negated(self, match: CueMatch) -> bool:
        if any(w in self.grammar.cue_negators for w in match.words):
            return False
        negators = set(self.grammar.negators)
        anchor = match.anchor
        heads = {anchor, clause_root(anchor)}
        if anchor.dep_ in ("xcomp", "dobj", "pobj", "attr", "acomp") or anchor.pos_ in ("NOUN", "ADJ"):
            heads.add(anchor.head)
        if not any(
            c.dep_ in ("neg", "det", "advmod", "preconj") and c.lower_ in negators
            for head in heads
            for c in head.children
        ):
            return False
        return not self._double_negation(clause_root(anchor), negators)

    @staticmethod
    def _double_negation(root: Token, negators: set[str]) -> bool:
        """A negated clause describing a negated noun states the positive: "there was not a day when we did not
        work on it", "there is no meeting at which we have not raised it"."""
        if root.dep_ not in ("relcl", "advcl", "acl") or root.head.i == root.i:
            return False
        noun = root.head
        if noun.pos_ not in ("NOUN", "PROPN"):
            return False
        near = [*noun.children, *(noun.head.children if noun.dep_ in ("attr", "nsubj", "dobj") else ())]
        return any(c.lower_ in negators and c.dep_ in ("neg", "det", "advmod", "preconj") for c in near)
