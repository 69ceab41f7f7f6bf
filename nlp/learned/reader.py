"""The learned engine: article -> claims by the trained model, over candidates found by exact rules.

For each candidate (sentence, party) the type model gives a probability per claim type; a type at or above its
threshold (chosen on the corpus dev split) is a claim, the negation model decides `negated`. Topic, target,
date, speaker and agency are filled by exact rules: the topic words near the sentence, the other party it names
(else, for types whose target defaults to the counterpart, the holder's counterpart), a date word of the
sentence, the person named for the holder, the agency the sentence cites.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from onrecord.core.config import Config
from onrecord.core.records import Article, Claim
from onrecord.nlp.dates import resolve_date
from onrecord.nlp.engine import SentenceFilter
from onrecord.nlp.grammar import Grammar
from onrecord.nlp.learned.features import LOOKS_AHEAD, Candidate, Featurizer
from onrecord.nlp.learned.model import ReaderModel
from onrecord.nlp.topics import OtherConflicts

MODELS_DIR = Path(__file__).resolve().parent.parent / "models"


def model_dir(config: Config, language: str) -> Path:
    """The configured model folder of a language (nlp.languages.<lang>.reader), else the shipped one."""
    settings = config.nlp.languages.get(language)
    configured = getattr(settings, "reader", None) if settings else None
    return Path(configured) if configured else MODELS_DIR / language


def negation_features(candidate: Candidate, claim_type: str) -> list[str]:
    """What the negation model reads: the sentence's features and the claim type."""
    return [*candidate.sentence_features, f"T:{claim_type}"]


class LearnedReader:
    """Reads one language with a trained model (nlp/models/<lang>/ unless configured otherwise)."""

    def __init__(self, config: Config, language: str, model: ReaderModel | None = None, folder: Path | None = None):
        self.language = language
        self.folder = folder or model_dir(config, language)
        self.model = model or ReaderModel.load(self.folder)
        self.featurizer = Featurizer(config, language)
        self.default_target = {c.id: c.default_target for c in config.claim_types}  # also: the types configured
        self.events = {c.id for c in config.claim_types if c.event}  # not stated by a sentence that looks ahead
        engine = self.featurizer.engine
        lexicon = engine.lexicon
        self._topics: list[tuple[str, SentenceFilter]] = []
        for topic in config.topics:
            only = dict(lexicon, topics={topic.id: topic.keywords.get(language, [])})
            self._topics.append((topic.id, engine.sentence_filter(only)))
        grammar = Grammar.of(lexicon)
        self._elsewhere = OtherConflicts(grammar, engine.names, lexicon.get("counterparts", {}))
        words, before = grammar.date_words, grammar.date_prefixes
        self._date = (
            re.compile(
                r"(?<!\w)(?:(?:"
                + "|".join(re.escape(w) for w in before)
                + r")\s+)?(?:"
                + "|".join(re.escape(w) for w in words)
                + r")(?:\s+\d{1,2}(?!\d))?",
                re.IGNORECASE,
            )
            if words and before
            else None
        )
        self._date_prefixes = tuple(f"{w} " for w in before)

    def fingerprint(self) -> str:
        """What changes this reader's claims: the weights, labels, thresholds and the types left to the rules — not
        the card's training time, so that `make train` on the same corpus keeps the extractor version (the code
        and config are hashed by the caller)."""
        digest = hashlib.sha256()
        weights = self.folder / "weights.npz"
        if weights.exists():
            digest.update(weights.read_bytes())
        card = self.model.card
        reading = {
            "labels": {name: part.labels for name, part in self.model.parts.items()},
            "thresholds": self.model.thresholds,
            "rule_features": card.get("rule_features"),
            "rule_types": card.get("rule_types"),
            "rules_only_types": card.get("rules_only_types", []),
        }
        digest.update(json.dumps(reading, sort_keys=True).encode())
        return digest.hexdigest()[:16]

    @property
    def uses_rule_features(self) -> bool:
        """Whether the reader needs the rule engine's claims: as features of a model trained with them, or for the
        claim types the model did not learn (too few in the corpus; the model card lists them as `rule_types`)."""
        return bool(self.model.card.get("rule_features") or self.model.card.get("rule_types"))

    @property
    def rule_types(self) -> set[str]:
        return set(self.model.card.get("rule_types", []))

    @property
    def rules_only_types(self) -> set[str]:
        """Learned types read only from the rule engine's claims that the model backs (chosen at training)."""
        return set(self.model.card.get("rules_only_types", []))

    def claims(
        self,
        article: Article,
        rule_claims: Iterable[Claim] = (),
        version: str = "",
        vetoes: Iterable[tuple[int, int, str]] = (),
    ) -> list[Claim]:
        """The claims of one article; `rule_claims` are the rule engine's, for a model that uses them; `vetoes`
        (start, end, claim type) are sentences where an exact rule (nlp.claim_rules.BINDING_RULES) ruled a type
        out: the model reads no claim of that type there."""
        vetoes = list(vetoes)
        rule_claims = list(rule_claims)
        kept = [c for c in rule_claims if c.claim_type in self.rule_types]  # types the model did not learn
        candidates = self.featurizer.candidates(
            article, rule_claims=rule_claims if self.model.card.get("rule_features") else ()
        )
        if not candidates:
            return kept
        by_sentence: dict[int, list[Candidate]] = {}
        for candidate in candidates:
            by_sentence.setdefault(candidate.sentence, []).append(candidate)
        groups = list(by_sentence.values())
        model, thresholds = self.model, self.model.thresholds
        rows = [group[0].sentence_features for group in groups]
        scores = model.types.probabilities(rows) * model.claim.probabilities(rows)[:, :1]
        labels = model.types.labels
        second = thresholds.get("second_holder", 1.1)
        out: dict[tuple, Claim] = {}
        text = article.text
        backed = thresholds.get("rule_backed", 1.1)
        learned_rules = [c for c in rule_claims if c.claim_type not in self.rule_types and c.claim_type in labels]
        in_group = _overlapping(groups, learned_rules)  # rule claims per group, found by bisection (long texts)
        column = {label: j for j, label in enumerate(labels)}
        for g, (group, score) in enumerate(zip(groups, scores, strict=True)):
            ahead = LOOKS_AHEAD in group[0].sentence_features
            for claim in in_group[g]:  # a rule claim in this sentence that the model does not rule out
                bar = thresholds.get(f"rule_backed:{claim.claim_type}", backed)
                backing = float(score[column[claim.claim_type]])
                if backing >= bar and not (ahead and claim.claim_type in self.events):
                    # its confidence is the model's, like every claim the model reads (nlp.min_confidence compares
                    # one scale), not the rule's fixed one
                    claim = replace(claim, confidence=round(backing, 4))
                    out.setdefault((claim.holder, claim.claim_type, claim.negated, claim.start), claim)
            ruled_out = {t for s, e, t in vetoes if s < group[0].end and group[0].start < e}
            stated = [
                (j, float(score[j]))
                for j, label in enumerate(labels)
                if label in self.default_target
                and label not in ruled_out
                and label not in self.rule_types | self.rules_only_types
                and not (ahead and label in self.events)
                and score[j] >= thresholds.get(label, thresholds.get("*", 0.5))
            ]
            if not stated:
                continue
            topic = self._topic(article, group[0])
            if topic is None:
                continue
            held = model.holder.probabilities([c.features for c in group])[:, 0]
            ranked = sorted(zip(group, held, strict=False), key=lambda item: -item[1])
            holders = [ranked[0][0]] + [c for c, p in ranked[1:] if p >= second]
            negated = model.negation.probabilities([negation_features(group[0], labels[j]) for j, _ in stated])[:, 0]
            evidence = text[group[0].start : group[0].end]
            date = resolve_date(self._date_phrase(evidence), article.published, self.language)
            via = self.featurizer.via(evidence) or article.via
            for (j, p), neg in zip(stated, negated, strict=False):
                label = labels[j]
                for candidate in holders:
                    target = candidate.target
                    if target is None and self.default_target.get(label) == "counterpart":
                        target = self.featurizer.counterpart(candidate.holder)
                    claim = Claim(
                        article_id=article.id,
                        topic=topic,
                        holder=candidate.holder,
                        claim_type=label,
                        negated=bool(neg >= 0.5),
                        evidence=evidence,
                        start=candidate.start,
                        end=candidate.end,
                        claim_date=date,
                        speaker=candidate.speaker,
                        target=target if target != candidate.holder else None,
                        source=article.source,
                        via=via,
                        confidence=round(p, 4),
                        extractor_version=version,
                    )
                    out.setdefault((claim.holder, claim.claim_type, claim.negated, claim.start), claim)
        for claim in kept:
            out.setdefault((claim.holder, claim.claim_type, claim.negated, claim.start), claim)
        return list(out.values())

    def _topic(self, article: Article, candidate: Candidate) -> str | None:
        text = article.text
        if self._elsewhere(text[candidate.start : candidate.end]):
            return None
        windows = (
            text[candidate.start : candidate.end],
            text[max(0, candidate.start - 400) : min(len(text), candidate.end + 400)],
            article.title or "",
        )
        for window in windows:
            for topic_id, tester in self._topics:
                if window and tester.has_topic(window):
                    return topic_id
        return None

    def _date_phrase(self, evidence: str) -> str | None:
        if self._date is None:
            return None
        match = self._date.search(evidence)
        if match is None:
            return None
        phrase = match.group()
        for prefix in self._date_prefixes[:1]:  # the first prefix ("on") is dropped wherever it stands
            phrase = phrase.replace(prefix, "")
        return phrase.strip()


def _overlapping(groups: list[list[Candidate]], claims: list[Claim]) -> list[list[Claim]]:
    """For each group (one sentence, groups in text order), the claims whose evidence overlaps its sentence: each
    claim finds its sentences by bisection, so the work grows with claims and sentences, not their product."""
    starts = [group[0].start for group in groups]
    out: list[list[Claim]] = [[] for _ in groups]
    for claim in claims:
        g = max(0, bisect.bisect_right(starts, claim.start) - 1)
        while g < len(groups) and groups[g][0].start < claim.end:
            if claim.start < groups[g][0].end:
                out[g].append(claim)
            g += 1
    return out
