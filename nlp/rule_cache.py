"""The trained model's rule components (attribute_ruler, lemmatizer), run with memoised results.

On a few thousand candidate sentences the English model spends as long in its two rule components as in
its parser: the attribute ruler runs a Matcher of 179 patterns over every token, and the rule lemmatizer
re-derives the lemma of every word from tables. Both are pure functions of a few token attributes, so
`onrecord_rules` computes each distinct input once and then copies the result:

- attribute ruler: the single-token patterns that match a token depend only on its (TAG, LOWER, DEP,
  IS_SPACE); their attributes are merged once per such key, in pattern order (later patterns win, as in
  spaCy's AttributeRuler). The few multi-token patterns are checked where their first token matches.
- lemmatizer: the lemma of a token depends only on (ORTH, POS, MORPH) — the key spaCy's own cache uses.

The annotations are identical to the original components' (tests/test_nlp_rule_cache.py compares them
token by token on real text). `use_rule_cache(nlp)` swaps the originals for it when their patterns use only
the attributes and operators above; otherwise the model runs as shipped.
"""

from __future__ import annotations

import copy as copy_module
import re
from collections.abc import Callable
from typing import Any

from spacy.attrs import DEP, IS_SPACE, LEMMA, LOWER, MORPH, ORTH, POS, TAG
from spacy.language import Language
from spacy.lookups import Lookups
from spacy.tokens import Doc

set_token_attrs: Callable[..., Any] | None
try:  # the setter spaCy's AttributeRuler itself applies; without it, the model runs as shipped
    from spacy.tokens._retokenize import set_token_attrs
except ImportError:  # pragma: no cover - a spaCy that moved it
    set_token_attrs = None

RULER, LEMMATIZER = "attribute_ruler", "lemmatizer"
_KEY_ATTRS = ("TAG", "LOWER", "DEP", "IS_SPACE")  # what a token's pattern matches may depend on

Predicate = Callable[[tuple], bool]


def _predicate(spec: dict[str, Any]) -> Predicate | None:
    """A test on a token's (tag, lower, dep, is_space) strings for one Matcher token spec; None if unsupported."""
    tests = []
    for attr, wanted in spec.items():
        if attr not in _KEY_ATTRS:
            return None
        at = _KEY_ATTRS.index(attr)
        if isinstance(wanted, (str, bool)):
            tests.append(lambda key, at=at, wanted=wanted: key[at] == wanted)
        elif isinstance(wanted, dict) and len(wanted) == 1:
            ((op, value),) = wanted.items()
            if op == "IN":
                tests.append(lambda key, at=at, values=frozenset(value): key[at] in values)
            elif op == "NOT_IN":
                tests.append(lambda key, at=at, values=frozenset(value): key[at] not in values)
            elif op == "REGEX":
                tests.append(lambda key, at=at, regex=re.compile(value): bool(regex.search(key[at])))
            else:
                return None
        else:
            return None
    return lambda key: all(test(key) for test in tests)


def _with_set_index(lemmatizer: Any) -> Any:
    """A copy of a rule lemmatizer whose lemma_index lists are sets: it asks `form in index` of lists of up to
    57,000 words for every new word, which is most of its time. Same answers, in constant time."""
    lookups = Lookups()
    for name in lemmatizer.lookups.tables:
        table = lemmatizer.lookups.get_table(name)
        copy = lookups.add_table(name)
        for key, value in table.items():
            copy.set(key, frozenset(value) if name == "lemma_index" and isinstance(value, list) else value)
    clone = copy_module.copy(lemmatizer)
    clone.lookups, clone.cache = lookups, {}
    clone.lemmatize = getattr(clone, f"{lemmatizer.mode}_lemmatize")  # bound to the clone, not the original
    return clone


class _SpecIndex:
    """Token specs (of single-token patterns, or first tokens of longer ones) by what they read, so that a new
    token key is tested only against the specs that can match it: specs without LOWER are decided once per
    (TAG, DEP, IS_SPACE); specs naming LOWER values are looked up by the token's LOWER; only the rest (a
    LOWER regex) are tested on every new key."""

    def __init__(self) -> None:
        self._free: list[tuple[int, Predicate, Any]] = []
        self._by_lower: dict[str, list[tuple[int, Predicate, Any]]] = {}
        self._other: list[tuple[int, Predicate, Any]] = []
        self._free_memo: dict[tuple, list[tuple[int, Any]]] = {}

    def add(self, order: int, spec: dict[str, Any], test: Predicate, payload: Any) -> None:
        lower = spec.get("LOWER")
        entry = (order, test, payload)
        if lower is None:
            self._free.append(entry)
        elif isinstance(lower, str) or (isinstance(lower, dict) and "IN" in lower):
            for value in [lower] if isinstance(lower, str) else lower["IN"]:
                self._by_lower.setdefault(value, []).append(entry)
        else:
            self._other.append(entry)

    def matching(self, key: tuple) -> list[tuple[int, Any]]:
        """(order, payload) of the specs matching a token key (tag, lower, dep, is_space), in pattern order."""
        free_key = (key[0], key[2], key[3])
        free = self._free_memo.get(free_key)
        if free is None:
            free = self._free_memo[free_key] = [(order, payload) for order, test, payload in self._free if test(key)]
        found = [(order, payload) for order, test, payload in self._by_lower.get(key[1], []) + self._other if test(key)]
        return sorted(free + found, key=lambda match: match[0]) if found else free


class RuleCache:
    """Applies an AttributeRuler and a rule Lemmatizer with memoised results (see the module docstring)."""

    def __init__(self, nlp: Language, ruler: Any, lemmatizer: Any):
        self.vocab = nlp.vocab
        self.lemmatizer = _with_set_index(lemmatizer)
        self.single = _SpecIndex()  # payload: the pattern's attributes
        self.first = _SpecIndex()  # first tokens of multi-token patterns; payload: index into self.multi
        self.multi: list[tuple[int, list[Predicate], int, dict]] = []  # (order, token tests, index set, attrs)
        for order, entry in enumerate(ruler.patterns):
            attrs = ruler.attrs[order]
            for pattern in entry["patterns"]:
                found = [_predicate(spec) for spec in pattern]
                tests = [test for test in found if test is not None]
                if len(tests) < len(found):
                    raise ValueError(f"attribute_ruler pattern {order} uses an unsupported attribute or operator")
                if len(pattern) == 1:
                    self.single.add(order, pattern[0], tests[0], attrs)
                else:
                    self.first.add(order, pattern[0], tests[0], len(self.multi))
                    self.multi.append((order, tests, entry["index"] % len(pattern), attrs))
        self._singles: dict[tuple, list[tuple[int, dict]]] = {}
        self._starts: dict[tuple, list[int]] = {}  # multi-token patterns whose first token matches
        self._merged: dict[tuple, dict] = {}
        self._lemmas: dict[tuple, int] = {}

    def __call__(self, doc: Doc) -> Doc:
        self.apply_attributes(doc)
        self.apply_lemmas(doc)
        return doc

    def _strings(self, row: tuple) -> tuple:
        strings = self.vocab.strings
        return strings[row[0]], strings[row[1]], strings[row[2]], bool(row[3])

    def _matches(self, raw: tuple) -> list[tuple[int, dict]]:
        found = self._singles.get(raw)
        if found is None:
            key = self._strings(raw)
            found = self._singles[raw] = self.single.matching(key)
            self._starts[raw] = [n for _, n in self.first.matching(key)]
        return found

    def apply_attributes(self, doc: Doc) -> None:
        rows = [tuple(row) for row in doc.to_array([TAG, LOWER, DEP, IS_SPACE]).tolist()]
        extra = self._multi_matches(rows) if self.multi else {}
        for i, raw in enumerate(rows):
            if i in extra:
                matches = sorted(self._matches(raw) + extra[i], key=lambda match: match[0])
                merged = {k: v for _, attrs in matches for k, v in attrs.items()}
            else:
                known = self._merged.get(raw)
                if known is None:
                    known = self._merged[raw] = {k: v for _, attrs in self._matches(raw) for k, v in attrs.items()}
                merged = known
            if merged and set_token_attrs is not None:  # use_rule_cache does not install this without it
                set_token_attrs(doc[i], merged)

    def _multi_matches(self, rows: list[tuple]) -> dict[int, list[tuple[int, dict]]]:
        """Matches of the multi-token patterns, by the index of the token they set: {token: [(order, attrs)]}."""
        out: dict[int, list[tuple[int, dict]]] = {}
        for start, raw in enumerate(rows):
            if raw not in self._starts:
                self._matches(raw)
            for n in self._starts[raw]:
                order, tests, index, attrs = self.multi[n]
                if start + len(tests) <= len(rows) and all(
                    test(self._strings(rows[start + offset])) for offset, test in enumerate(tests[1:], 1)
                ):
                    out.setdefault(start + index, []).append((order, attrs))
        return out

    def apply_lemmas(self, doc: Doc) -> None:
        lemmatizer = self.lemmatizer
        overwrite = lemmatizer.overwrite
        for i, (orth, pos, morph, lemma) in enumerate(doc.to_array([ORTH, POS, MORPH, LEMMA]).tolist()):
            if lemma and not overwrite:
                continue
            key = (orth, pos, morph)
            found = self._lemmas.get(key)
            if found is None:
                found = self._lemmas[key] = self.vocab.strings.add(lemmatizer.lemmatize(doc[i])[0])
            doc[i].lemma = found


@Language.factory("onrecord_rules")
def make_rule_cache(nlp: Language, name: str) -> RuleCache:
    return RuleCache(nlp, nlp.get_pipe(RULER), nlp.get_pipe(LEMMATIZER))


def use_rule_cache(nlp: Language) -> bool:
    """Replace the model's attribute_ruler + rule lemmatizer by `onrecord_rules` where it is exact. True if done."""
    names = nlp.pipe_names
    if (
        set_token_attrs is None
        or RULER not in names
        or LEMMATIZER not in names
        or names.index(LEMMATIZER) != names.index(RULER) + 1
        or getattr(nlp.get_pipe(LEMMATIZER), "mode", None) != "rule"
    ):
        return False
    try:
        nlp.add_pipe("onrecord_rules", after=LEMMATIZER)
    except ValueError:  # a pattern this cache cannot evaluate: keep the originals
        return False
    nlp.disable_pipe(RULER)
    nlp.disable_pipe(LEMMATIZER)
    return True
