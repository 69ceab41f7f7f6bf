"""Who holds a statement: speech verbs and their subjects, "according to", clause subjects, roles -> party.

Works on one parsed sentence (a spaCy Doc or Span) and the party names of the language (NameMatcher).
Pronouns and first-person subjects are left for the extractor to resolve from the article's context.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterable

from spacy.tokens import Token

from nlp.lexicon import Mention, NameMatcher

SUBJECT_DEPS = ("nsubj", "nsubjpass", "csubj")
INHERIT_SUBJECT_DEPS = ("conj", "xcomp", "acomp")
CLAUSE_POS = ("VERB", "AUX")


@dataclass(frozen=True)
class Source:
    """Who a statement is attributed to, as read from the sentence.

    kind: named (a party name, role, institution or known speaker), first_person, third_person,
    both_sides ("the parties"), other_side ("they", a group not named), unknown_person (a name not in
    config), or none.
    """

    kind: str
    parties: tuple[str, ...] = ()
    speaker: str | None = None
    by_speech: bool = False  # attributed through a speech verb or "according to"
    span: tuple[int, int] | None = None  # token span of the source expression
    mentions: tuple[Mention, ...] = field(default=(), compare=False)


NO_SOURCE = Source("none")


def clause_root(token: Token) -> Token:
    """The verb heading the clause a token is in (the token itself when it is a verb; the main verb for an
    auxiliary such as "must")."""
    current = token.head if token.dep_ in ("aux", "auxpass") else token
    for _ in range(32):  # bounded walk up the tree
        if current.pos_ in CLAUSE_POS or current.head.i == current.i:
            break
        current = current.head
    return current


def subject_of(verb: Token, relative_pronouns: Iterable[str] = ()) -> Token | None:
    """The subject of a verb, inherited from the governing verb for conjoined and complement verbs; a
    relative pronoun subject ("who", "which") stands for the noun its clause describes."""
    current = verb
    for _ in range(4):
        for child in current.children:
            if child.dep_ in SUBJECT_DEPS:
                if child.lower_ in relative_pronouns and current.dep_ == "relcl" and current.head.i != current.i:
                    return current.head
                return child
        for child in current.children:
            if child.dep_ == "agent":
                objects = [c for c in child.children if c.dep_ == "pobj"]
                if objects:
                    return objects[0]
        if current.dep_ not in INHERIT_SUBJECT_DEPS or current.head.i == current.i:
            return None
        current = current.head
    return None


def _source_tokens(head: Token) -> list[Token]:
    """The tokens of a source phrase: the head with its modifiers, conjuncts and appositions, without
    prepositional phrases other than "of" ("the head of the Russian delegation")."""
    keep = [head]
    for child in head.children:
        if child.dep_ in ("prep",) and child.lower_ != "of":
            continue
        if child.dep_ in ("relcl", "acl", "punct", "cc", "advmod", "ccomp"):
            continue
        keep.extend(_source_tokens(child))
    return keep


def resolve_source(head: Token, names: NameMatcher, grammar: dict[str, Any], by_speech: bool) -> Source:
    """Read a source phrase headed by `head` into parties and a canonical speaker."""
    tokens = sorted(_source_tokens(head), key=lambda t: t.i)
    span = (tokens[0].i, tokens[-1].i + 1)
    doc = head.doc
    text = doc.text
    mentions = []
    for token_group in _contiguous(tokens):
        start, end = token_group[0].idx, token_group[-1].idx + len(token_group[-1].text)
        mentions.extend(names.find(text, start, end))
    if mentions:
        parties = tuple(dict.fromkeys(m.party for m in mentions))
        person = next((m for m in mentions if m.kind == "speaker"), None)
        body = next((m for m in mentions if m.kind in ("roles", "institutions")), None)
        if person:
            speaker = person.speaker
        elif body:
            speaker = re.sub(r"^(?i:the)\s+|(?:'s|’s)$", "", text[body.start:body.end])
        else:
            speaker = None
        return Source("named", parties, speaker, by_speech, span, tuple(mentions))
    lower = head.lower_
    if lower in grammar.get("first_person", []):
        return Source("first_person", by_speech=by_speech, span=span)
    if lower in grammar.get("third_person", []):
        return Source("third_person", by_speech=by_speech, span=span)
    if lower in grammar.get("other_side_pronouns", []):
        return Source("other_side", by_speech=by_speech, span=span)
    if head.lemma_.lower() in grammar.get("both_sides", []) and head.tag_ in ("NNS", "NNPS"):
        return Source("both_sides", by_speech=by_speech, span=span)
    proper = [t for t in tokens if t.pos_ == "PROPN" and t.text[:1].isupper()]
    if proper and head.pos_ == "PROPN":
        name = " ".join(t.text for t in proper if t.dep_ in ("compound", "flat") or t is head)
        return Source("unknown_person", (), name, by_speech, span)
    return Source("none", by_speech=by_speech, span=span)


def _contiguous(tokens: list[Token]) -> list[list[Token]]:
    groups: list[list[Token]] = []
    for token in tokens:
        if groups and token.i == groups[-1][-1].i + 1:
            groups[-1].append(token)
        else:
            groups.append([token])
    return groups


def is_speech_verb(token: Token, grammar: dict[str, Any]) -> bool:
    lemma = token.lemma_.lower()
    if token.pos_ not in CLAUSE_POS or lemma not in grammar.get("speech_verbs", []):
        return False
    if any(c.dep_ == "aux" and c.tag_ in ("MD", "TO") for c in token.children):
        return False  # "must confirm", "to state": not a report of what was said
    particle = grammar.get("speech_particles", {}).get(lemma)
    return particle is None or any(c.lower_ == particle for c in token.children)


def speech_source(cue: Token, names: NameMatcher, grammar: dict[str, Any]) -> tuple[Source, Token | None]:
    """The source of the nearest speech verb governing the cue, or of an "according to" phrase."""
    current: Token | None = cue
    seen = 0
    while current is not None and seen < 12:
        if is_speech_verb(current, grammar) and current.i != cue.i:
            subject = subject_of(current, grammar.get("relative_pronouns", ()))
            if subject is not None and not (subject.left_edge.i <= cue.i <= subject.right_edge.i):
                return resolve_source(subject, names, grammar, by_speech=True), current
        current = None if current.head.i == current.i else current.head
        seen += 1
    for token in cue.doc:
        if token.lower_ in grammar.get("source_prepositions", []):
            objects = [t for t in token.subtree if t.dep_ == "pobj"]
            if objects:
                return resolve_source(objects[0], names, grammar, by_speech=True), None
    return NO_SOURCE, None


def clause_source(cue: Token, names: NameMatcher, grammar: dict[str, Any]) -> Source:
    """The subject of the cue's own clause ("Moscow rejected...", "we handed over...")."""
    root = clause_root(cue)
    subject = subject_of(root, grammar.get("relative_pronouns", ()))
    if subject is None and cue.pos_ in ("NOUN", "PROPN"):
        owners = [c for c in cue.children if c.dep_ == "poss"]
        subject = owners[0] if owners else None
    if subject is None:
        return NO_SOURCE
    return resolve_source(subject, names, grammar, by_speech=False)


def agency_via(sentence: str, grammar: dict[str, Any]) -> str | None:
    """The agency a statement was given to or cited from ("told Interfax", "citing TASS")."""
    agencies = grammar.get("agencies", [])
    if not agencies:
        return None
    names = "|".join(re.escape(a) for a in sorted(agencies, key=len, reverse=True))
    match = re.search(r"\b(?:told|tells|telling|to|with|citing|cited by|according to|quoted by)\s+(?:the\s+)?(" + names
                      + r")(?![\w-])", sentence)
    return match.group(1) if match else None




@dataclass(frozen=True)
class Attribution:
    """One attribution read from a parsed sentence: token index lists of its source, cue and content."""

    source: tuple[int, ...]
    cue: tuple[int, ...]
    content: tuple[int, ...]


def find_attributions(sentence, grammar: dict[str, Any]) -> list[Attribution]:
    """Every attribution of a parsed sentence (a spaCy Span or Doc): each speech verb with its subject as the
    source and its clausal complement, quoted words or content object as the content; and "according to X".

    This is the component the claim reader relies on, exposed so it can be measured on its own
    (benchmarks/attribution.py runs it over PolNeAR)."""
    out = []
    relative = grammar.get("relative_pronouns", ())
    quoted = _quoted_tokens(sentence)
    for token in sentence:
        if not is_speech_verb(token, grammar):
            continue
        if token.dep_ in ("amod", "acl") and token.tag_ == "VBN":
            continue
        subject = subject_of(token, relative)
        source = tuple(t.i for t in subject.subtree if not t.is_punct) if subject is not None else ()
        cue = [token.i] + [c.i for c in token.children if c.dep_ in ("prt", "neg") or
                           (c.dep_ == "aux" and c.tag_ != "MD")]
        content: set[int] = set()
        for child in token.children:
            if child.dep_ in ("ccomp", "xcomp") or (child.dep_ == "dobj" and token.lemma_.lower()
                                                    in grammar.get("content_object_verbs", [])):
                content.update(t.i for t in child.subtree)
        if not content and quoted:
            content = set(quoted)
        content -= set(source) | set(cue)
        if content:
            out.append(Attribution(source, tuple(sorted(cue)), tuple(sorted(t for t in content
                                                                             if not sentence.doc[t].is_punct))))
    for token in sentence:
        if token.lower_ not in grammar.get("source_prepositions", []):
            continue
        objects = [t for t in token.subtree if t.dep_ == "pobj"]
        if not objects:
            continue
        phrase = {t.i for t in token.subtree}
        head = token.head if token.dep_ != "ROOT" else token
        clause = clause_root(head)
        content = {t.i for t in clause.subtree if not t.is_punct} - phrase
        source = tuple(sorted(t.i for t in _source_tokens(objects[0])))
        cue = tuple(sorted(t.i for t in token.subtree if t.i not in source))
        if content:
            out.append(Attribution(source, cue, tuple(sorted(content))))
    return out


def _quoted_tokens(sentence) -> list[int]:
    """Indices of the tokens between quotation marks in a sentence."""
    inside, out = False, []
    for token in sentence:
        if token.text in ("\"", "“", "”", "«", "»", "``", "''"):
            inside = not inside if token.text in ("\"", "``", "''") else token.text in ("“", "«")
            continue
        if inside and not token.is_punct:
            out.append(token.i)
    return out
