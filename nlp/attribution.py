"""Who holds a statement: speech verbs and their subjects, "according to", clause subjects, roles -> party.

Works on one parsed sentence (a spaCy Doc or Span) and the party names of the language (a NameFinder).
Pronouns and first-person subjects are left for the extractor to resolve from the article's context.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from spacy.tokens import Token

from onrecord.nlp.grammar import AttributionWords, Grammar, attribution_words
from onrecord.nlp.lexicon import Mention, NameFinder

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


def _source_tokens(head: Token, members: Iterable[str] = ()) -> list[Token]:
    """The tokens of a source phrase: the head with its modifiers, conjuncts and appositions, without
    prepositional phrases other than "of" ("the head of the Russian delegation") and those that name the members
    of a group (grammar `member_prepositions`: "Western nations, including the United States and the EU")."""
    keep = [head]
    for child in head.children:
        if child.dep_ in ("prep",) and child.lower_ != "of" and child.lower_ not in members:
            continue
        if child.dep_ in ("relcl", "acl", "punct", "cc", "advmod", "ccomp"):
            continue
        keep.extend(_source_tokens(child, members))
    return keep


def resolve_source(head: Token, names: NameFinder, grammar: Grammar, by_speech: bool) -> Source:
    """Read a source phrase headed by `head` into parties and a canonical speaker."""
    tokens = sorted(_source_tokens(head, grammar.member_prepositions), key=lambda t: t.i)
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
            speaker = re.sub(r"^(?i:the)\s+|(?:'s|’s)$", "", text[body.start : body.end])
        else:
            speaker = None
        return Source("named", parties, speaker, by_speech, span, tuple(mentions))
    lower = head.lower_
    if lower in grammar.first_person:
        return Source("first_person", by_speech=by_speech, span=span)
    if lower in grammar.third_person:
        return Source("third_person", by_speech=by_speech, span=span)
    if lower in grammar.other_side_pronouns:
        return Source("other_side", by_speech=by_speech, span=span)
    if head.lemma_.lower() in grammar.both_sides and head.tag_ in ("NNS", "NNPS"):
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


def is_speech_verb(token: Token, grammar: Grammar) -> bool:
    lemma = token.lemma_.lower()
    if token.pos_ not in CLAUSE_POS or lemma not in grammar.speech_verbs:
        return False
    if any(c.dep_ == "aux" and c.tag_ in ("MD", "TO") for c in token.children):
        return False  # "must confirm", "to state": not a report of what was said
    particle = grammar.speech_particles.get(lemma)
    return particle is None or any(c.lower_ == particle for c in token.children)


def speech_source(cue: Token, names: NameFinder, grammar: Grammar) -> tuple[Source, Token | None]:
    """The source of the nearest speech verb governing the cue, or of an "according to" phrase."""
    current: Token | None = cue
    seen = 0
    while current is not None and seen < 12:
        if is_speech_verb(current, grammar) and current.i != cue.i:
            subject = _inherited_subject(current, grammar.relative_pronouns)
            if subject is not None and not (subject.left_edge.i <= cue.i <= subject.right_edge.i):
                return resolve_source(subject, names, grammar, by_speech=True), current
        current = None if current.head.i == current.i else current.head
        seen += 1
    for token in cue.doc:
        if token.lower_ in grammar.source_prepositions:
            objects = [t for t in token.subtree if t.dep_ == "pobj"]
            if objects:
                return resolve_source(objects[0], names, grammar, by_speech=True), None
    return NO_SOURCE, None


def clause_source(cue: Token, names: NameFinder, grammar: Grammar) -> Source:
    """The subject of the cue's own clause ("Moscow rejected...", "we handed over...")."""
    root = clause_root(cue)
    subject = subject_of(root, grammar.relative_pronouns)
    if subject is None and cue.pos_ in ("NOUN", "PROPN"):
        owners = [c for c in cue.children if c.dep_ == "poss"]
        subject = owners[0] if owners else None
    if subject is None:
        return NO_SOURCE
    return resolve_source(subject, names, grammar, by_speech=False)


def agency_via(sentence: str, grammar: Grammar) -> str | None:
    """The agency a statement was given to or cited from ("told Interfax", "citing TASS")."""
    agencies = grammar.agencies
    if not agencies:
        return None
    names = "|".join(re.escape(a) for a in sorted(agencies, key=len, reverse=True))
    match = re.search(
        r"\b(?:told|tells|telling|to|with|citing|cited by|according to|quoted by)\s+(?:the\s+)?("
        + names
        + r")(?![\w-])",
        sentence,
    )
    return match.group(1) if match else None


@dataclass(frozen=True)
class Attribution:
    """One attribution read from a parsed sentence: token index lists of its source, cue and content."""

    source: tuple[int, ...]
    cue: tuple[int, ...]
    content: tuple[int, ...]


QUOTE_MARKS = ('"', "“", "”", "``", "''", "«", "»")
OPENING_QUOTES = ("“", "``", "«")
SINGLE_QUOTES = ("‘", "’")  # curly single quotes; a bare ’ token closes only an open ‘
MAX_QUOTE_TOKENS = 200  # a quote mark left open longer than this is taken as unpaired
PARENTHETICAL_DEPS = ("parataxis",)
# Links through which a verb without a subject of its own takes that of the verb it hangs from: "…, saying
# that…", "before asking…", "and added…".
INHERIT_THROUGH = ("advcl", "conj", "xcomp", "pcomp", "prep", "acomp", "ccomp")


def find_attributions(sentence, grammar: Grammar, words: AttributionWords | None = None) -> list[Attribution]:
    """Every attribution of a parsed sentence (a spaCy Span or Doc) of English text.

    Verbal cues (speech verbs of `grammar` plus the attitude verbs of `words`, by default
    nlp/patterns/en_attribution.yaml): the subject, or the subject inherited from the governing verb
    ("…, saying that…"), is the source; the clausal complement, a content object, a prepositional object
    ("called for…"), the quotation (which may run over several sentences) or, for a parenthetical "he
    said", the clause it interrupts is the content. Nominal cues ("Trump's claim that…") and "according to
    X" as well.

    Broader than the claim reader's speech_source/clause_source (it also reads attitudes, intentions and
    stances, as PolNeAR annotates them); benchmarks/attribution.py measures it over PolNeAR."""
    words = attribution_words() if words is None else words
    speech = set(words.quoted_speech_verbs)
    verbs = set(grammar.speech_verbs) | set(words.cue_verbs)
    object_verbs = set(grammar.content_object_verbs) | set(words.content_object_verbs)
    prepositional = words.prepositional_cues
    out = []
    quotes = _quote_spans(sentence.doc)
    in_sentence = [q for q in quotes if q[0] < sentence.end and q[1] > sentence.start]
    for token in sentence:
        if not _is_cue_verb(token, verbs, grammar):
            continue
        if token.dep_ in ("amod", "acl") and token.tag_ == "VBN":
            continue
        # A cue inside a quotation ("we said we would win") reports only its own complement, not the quote.
        inside_quote = any(start <= token.i < end for start, end in in_sentence)
        if inside_quote and token.lemma_.lower() not in speech:
            continue  # "we want…", "I think…" inside a quote are part of what is quoted
        subject = _inherited_subject(token, ())  # "who said": the relative pronoun is the source
        agent = _passive_agent(token)
        if agent is not None:  # "was first reported by the Post": the agent holds, the passive subject is held
            subject = agent
        source = _source_indices(subject) if subject is not None else ()
        cue = [token.i] + [
            c.i
            for c in token.children
            if c.dep_ in ("prt", "neg") or (c.dep_ == "aux" and c.tag_ != "MD") or c.dep_ == "auxpass"
        ]
        content: set[int] = set()
        lemma = token.lemma_.lower()
        for child in token.children:
            if (
                child.dep_ in ("ccomp", "xcomp")
                or (child.dep_ in ("dobj", "oprd") and lemma in object_verbs)
                or (agent is not None and child.dep_ in ("nsubjpass", "csubjpass"))
            ):
                content.update(t.i for t in child.subtree)
            elif child.dep_ == "prep" and child.lower_ in prepositional.get(lemma, []):
                objects = [t for t in child.children if t.dep_ in ("pobj", "pcomp")]
                if objects:
                    cue.append(child.i)
                    content.update(t.i for o in objects for t in o.subtree)
        if not content and token.dep_ in PARENTHETICAL_DEPS and token.head.i != token.i:
            content = {t.i for t in token.head.subtree} - {t.i for t in token.subtree}
        if not content and not inside_quote:
            content = _quoted_content(token, sentence, quotes)
        elif not inside_quote:  # a quoted complement takes in the whole quotation, even over sentence ends
            content.update(i for start, end in quotes if content & set(range(start, end)) for i in range(start, end))
        content = {i for i in content if not sentence.doc[i].is_punct and not sentence.doc[i].is_space} - set(cue)
        source = tuple(i for i in source if i not in content and i not in cue)
        if content:
            out.append(Attribution(source, tuple(sorted(cue)), tuple(sorted(content))))
    out.extend(_nominal_attributions(sentence, words, in_sentence))
    for token in sentence:
        if token.lower_ not in grammar.source_prepositions:
            continue
        objects = [t for t in token.subtree if t.dep_ == "pobj"]
        if not objects:
            continue
        phrase = {t.i for t in token.subtree}
        head = token.head if token.dep_ != "ROOT" else token
        clause = clause_root(head)
        content = {t.i for t in clause.subtree if not t.is_punct} - phrase
        source = _source_indices(objects[0])
        marker = tuple(sorted(t.i for t in token.subtree if t.i not in source and not t.is_punct))
        if content:
            out.append(Attribution(source, marker, tuple(sorted(content))))
    return out


def _is_cue_verb(token: Token, verbs: set[str], grammar: Grammar) -> bool:
    lemma = token.lemma_.lower()
    if token.pos_ not in CLAUSE_POS or lemma not in verbs:
        return False
    if any(c.dep_ == "aux" and c.tag_ == "MD" for c in token.children):
        return False  # "would say", "must confirm": not a report of what was said
    particle = grammar.speech_particles.get(lemma)
    return particle is None or any(c.lower_ == particle for c in token.children)


def _inherited_subject(verb: Token, relative_pronouns: Iterable[str]) -> Token | None:
    """The subject of a cue verb, else that of the verb it depends on ("Trump spoke, arguing that…")."""
    current = verb
    for _ in range(4):
        subject = subject_of(current, relative_pronouns)
        if subject is not None:
            return subject
        if current.dep_ not in INHERIT_THROUGH or current.head.i == current.i:
            return None
        current = current.head
        while current.pos_ not in CLAUSE_POS and current.dep_ in ("prep", "pcomp") and current.head.i != current.i:
            current = current.head
    return None


def _passive_agent(verb: Token) -> Token | None:
    """The object of a passive verb's "by" phrase, if any."""
    if not any(c.dep_ == "auxpass" for c in verb.children):
        return None
    for child in verb.children:
        if child.dep_ == "agent":
            return next((c for c in child.children if c.dep_ == "pobj"), None)
    return None


def _source_indices(head: Token) -> tuple[int, ...]:
    """The tokens of a source phrase: its whole subtree (appositions and relative clauses describe the
    source) without punctuation."""
    return tuple(t.i for t in head.subtree if not t.is_punct and not t.is_space)


def _nominal_attributions(sentence, words: AttributionWords, quotes: list[tuple[int, int]]) -> list[Attribution]:
    """ "Trump's claim that…", "a statement from the campaign that…": a cue noun with its possessor (or by/from
    phrase) as source and its clause as content."""
    nouns = set(words.cue_nouns)
    source_preps = set(words.noun_source_prepositions)
    out = []
    for token in sentence:
        if token.pos_ != "NOUN" or token.lemma_.lower() not in nouns:
            continue
        if any(start <= token.i < end for start, end in quotes):
            continue
        owner = next((c for c in token.children if c.dep_ == "poss"), None)
        if owner is None:
            prep = next((c for c in token.children if c.dep_ == "prep" and c.lower_ in source_preps), None)
            owner = next((c for c in prep.children if c.dep_ == "pobj"), None) if prep is not None else None
        if owner is None:
            continue
        content: set[int] = set()
        for child in token.children:
            if (
                child.dep_ in ("acl", "ccomp", "appos")
                and child.i > token.i
                and (child.dep_ == "appos" or any(m.dep_ == "mark" or m.tag_ == "TO" for m in child.children))
            ):
                content.update(t.i for t in child.subtree)
        if not content:
            continue
        source = _source_indices(owner)
        content = {i for i in content if not sentence.doc[i].is_punct} - set(source) - {token.i}
        if content:
            out.append(Attribution(source, (token.i,), tuple(sorted(content))))
    return out


def _quote_spans(doc) -> list[tuple[int, int]]:
    """Token ranges [start, end) inside quotation marks over the whole document (quotes may span sentences).
    Curly quotes pair by direction, straight ones alternate; a mark left open too long is dropped."""
    cached = doc.user_data.get("onrecord_quote_spans") if hasattr(doc, "user_data") else None
    if cached is not None:
        return cached
    spans: list[tuple[int, int]] = []
    open_at: int | None = None
    single = False  # the open quote is ‘…’, which only ’ closes (a ’ elsewhere is an apostrophe)
    for token in doc:
        text = token.text
        if text not in QUOTE_MARKS and text not in SINGLE_QUOTES:
            if open_at is not None and token.i - open_at > MAX_QUOTE_TOKENS:
                open_at = None
            continue
        straight = text in ('"', "''")
        if text in SINGLE_QUOTES:
            if open_at is None and text == "‘":
                open_at, single = token.i + 1, True
            elif open_at is not None and single and text == "’":
                if token.i > open_at:
                    spans.append((open_at, token.i))
                open_at, single = None, False
            continue
        if open_at is None:
            if text in OPENING_QUOTES or straight:
                open_at, single = token.i + 1, False
        elif text in OPENING_QUOTES and not straight:
            open_at, single = token.i + 1, False  # a new opening mark: the previous quote was never closed
        elif not single:
            if token.i > open_at:
                spans.append((open_at, token.i))
            open_at = None
    doc.user_data["onrecord_quote_spans"] = spans
    return spans


def _quoted_content(cue: Token, sentence, quotes: list[tuple[int, int]]) -> set[int]:
    """The quotation a cue reports: quotes in its sentence (whole, even when they run over sentence ends),
    else the quote ending right before the sentence ("…” Clinton said.) or starting right after the cue
    (He said: “…”)."""
    doc = sentence.doc
    mine = [q for q in quotes if q[0] < sentence.end and q[1] > sentence.start]
    if not mine:
        before = _skip_back(doc, sentence.start - 1)
        after = _skip_forward(doc, sentence.end)
        ends_before = [q for q in quotes if q[1] - 1 <= before and _skip_back(doc, q[1]) == before]
        mine = ends_before[-1:] or [q for q in quotes if q[0] == after][:1]
    return {i for start, end in mine for i in range(start, end)}


def _skip_back(doc, i: int) -> int:
    while i >= 0 and (doc[i].is_punct or doc[i].is_space):
        i -= 1
    return i


def _skip_forward(doc, i: int) -> int:
    while i < len(doc) and (doc[i].is_punct or doc[i].is_space):
        i += 1
    return i
