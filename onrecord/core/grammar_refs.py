"""The claim-type and topic ids the grammar files (nlp/patterns/<lang>.yaml) name, checked against the config.

The grammar files ship with the package; the ids they name must be ones config.yaml defines, or the rules
they steer would silently never fire. Read here as plain YAML (core imports nothing else of ours).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from onrecord.core.errors import ConfigError

# Grammar keys that list claim-type ids, and keys whose mapping is keyed by topic id.
CLAIM_TYPE_LISTS = ("behaviour_types",)
TOPIC_MAPPINGS = ("topic_exclusions",)


def patterns_dir() -> Path | None:
    """The folder of the grammar files of the installed onrecord.nlp (found without importing it)."""
    spec = importlib.util.find_spec("onrecord.nlp")
    locations = list(spec.submodule_search_locations or []) if spec else []
    return Path(locations[0]) / "patterns" if locations else None


def grammar_references(grammar: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(key path, kind, id) of every claim-type and topic id one grammar file names."""
    refs = []
    for key in CLAIM_TYPE_LISTS:
        refs += [(f"{key}[{i}]", "claim_type", str(value)) for i, value in enumerate(grammar.get(key) or [])]
    for key in TOPIC_MAPPINGS:
        refs += [(f"{key}.{topic}", "topic", str(topic)) for topic in grammar.get(key) or {}]
    return refs


def check_grammar_ids(
    ids: dict[str, set[str]], languages: Iterable[str], origin: str, folder: Path | None = None
) -> None:
    """Raise ConfigError (one line: grammar file, key path, unknown id) when the grammar file of a configured
    language names a claim type or topic (`ids`: kind -> configured ids) the config does not define.

    A kind the config defines none of is not checked: a config without claim types extracts nothing, so the
    grammar's claim types steer nothing either.
    """
    folder = folder or patterns_dir()
    if folder is None or not folder.is_dir():
        return
    languages = set(languages)
    for path in sorted(folder.glob("*.yaml")):
        if path.stem.split("_")[0] not in languages:
            continue
        try:
            grammar = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise ConfigError(f"{path}: cannot read grammar file: {str(exc).splitlines()[0]}") from None
        for key, kind, value in grammar_references(grammar):
            if ids.get(kind) and value not in ids[kind]:
                label = kind.replace("_", " ")
                raise ConfigError(f"{path}: {key}: unknown {label} {value!r} (not among the {kind}s of {origin})")
