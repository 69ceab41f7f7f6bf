"""A claim type is one entry in config.yaml: what it reverses, contradicts and how the digest words it; every id
one part of the config (or a grammar file) names of another must exist."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import yaml

from conftest import REPO
from onrecord.core.config import config_from_dict, load_config
from onrecord.core.errors import ConfigError
from onrecord.core.grammar_refs import check_grammar_ids
from onrecord.digest.builder import build_digest
from onrecord.storage import timeline
from onrecord.storage.db import open_store
from onrecord.storage.sources import sync_config
from timeline_fixtures import add_article, claim

TYPES = "claim_types:\n  - {id: a, reverses: [b]}\n  - {id: b}\n"


@pytest.mark.parametrize(
    "text, key, unknown",
    [
        ("claim_types:\n  - {id: a, reverses: [zz]}\n", "claim_types[0].reverses[0]", "claim type 'zz'"),
        (
            "claim_types:\n  - {id: a, contradicts: [{rule: r, other: zz}]}\n",
            "claim_types[0].contradicts[0].other",
            "claim type 'zz'",
        ),
        (TYPES + "  - {id: c, when_negated: zz}\n", "claim_types[2].when_negated", "claim type 'zz'"),
        (TYPES + "  - {id: c, reported_of_other: zz}\n", "claim_types[2].reported_of_other", "claim type 'zz'"),
        ("topics:\n  - {id: t}\ndigest:\n  recipients: {zz: [a@example.org]}\n", "digest.recipients.zz", "topic 'zz'"),
        ("parties:\n  - {id: p, name: P, counterpart: zz}\n", "parties[0].counterpart", "party 'zz'"),
        (
            "parties:\n  - {id: p, name: P}\nsources:\n  - {id: s, name: S, url: 'http://x', speaks_for: zz}\n",
            "sources[0].speaks_for",
            "party 'zz'",
        ),
    ],
)
def test_an_unknown_id_names_its_key_path_and_the_id(tmp_path, text, key, unknown):
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert message.startswith(f"{path}: {key}: unknown {unknown}; expected one of ")
    assert "\n" not in message


def test_known_ids_and_the_wildcard_recipient_pass():
    text = TYPES + "topics:\n  - {id: t}\ndigest:\n  recipients: {'*': [x@y.z], t: [a@b.c]}\n"
    config = config_from_dict(yaml.safe_load(text + "nlp:\n  languages: {de: {model: de}}\n"))  # no de grammar
    assert config.claim_types[0].reverses == ["b"]


def test_an_unknown_placeholder_in_a_phrase_is_refused():
    with pytest.raises(ConfigError, match=r"claim_types\[0\]\.phrase\.negated: unknown placeholder \{targt\}"):
        config_from_dict({"claim_types": [{"id": "a", "phrase": {"affirmed": "x", "negated": "not {targt}"}}]})


@pytest.mark.parametrize(
    "grammar, language, message",
    [
        ({"behaviour_types": ["accusation", "zz"]}, "en", "behaviour_types[1]: unknown claim type 'zz'"),
        ({"topic_exclusions": {"zz": {"words": ["x"]}}}, "ru", "topic_exclusions.zz: unknown topic 'zz'"),
    ],
)
def test_an_unknown_id_in_a_grammar_file_names_the_file_key_and_id(tmp_path, grammar, language, message):
    (tmp_path / f"{language}.yaml").write_text(yaml.safe_dump(grammar), encoding="utf-8")
    ids = {"claim_type": {"accusation"}, "topic": {"prisoner-exchange"}}
    with pytest.raises(ConfigError) as info:
        check_grammar_ids(ids, [language], "my.yaml", folder=tmp_path)
    assert (
        str(info.value) == f"{tmp_path / f'{language}.yaml'}: {message} (not among the "
        f"{'topic' if 'unknown topic' in message else 'claim_type'}s of my.yaml)"
    )
    check_grammar_ids(ids, ["uk"], "my.yaml", folder=tmp_path)  # a language not configured is not read


def test_the_shipped_grammar_files_are_checked_against_the_config(config):
    """Dropping a claim type the English grammar names stops the load, naming en.yaml and the id."""
    data = config.model_dump(mode="json")
    data["claim_types"] = [c for c in data["claim_types"] if c["id"] != "accusation"]
    for c in data["claim_types"]:  # the config's own references to it go too, so only the grammar file names it
        c["contradicts"] = [r for r in c["contradicts"] if r["other"] != "accusation"]
        c["reverses"] = [r for r in c["reverses"] if r != "accusation"]
        c["reported_of_other"] = None if c["reported_of_other"] == "accusation" else c["reported_of_other"]
        c["when_negated"] = None if c["when_negated"] == "accusation" else c["when_negated"]
    with pytest.raises(
        ConfigError,
        match=r"patterns/en\.yaml: behaviour_types\[\d\]: unknown claim type 'accusation'",
    ):
        config_from_dict(data, origin="config.yaml")


NEW_TYPE = {
    "id": "ceasefire_broken",
    "description": "The holder says the other side broke the ceasefire.",
    "default_target": "counterpart",
    "reverses": ["agreement"],
    "contradicts": [{"rule": "ceasefire broken / denied", "other": "denial", "targeted": True}],
    "phrase": {"affirmed": "says {target} broke the ceasefire", "negated": "says {target} kept the ceasefire"},
}


@pytest.fixture
def extended(config):
    """The repository's config plus one claim type added purely as data."""
    data = config.model_dump(mode="json")
    data["claim_types"].append(NEW_TYPE)
    return config_from_dict(data)


def test_a_claim_type_added_in_config_reverses_contradicts_and_is_phrased(tmp_path, extended):
    db = open_store(tmp_path / "store.db")
    sync_config(db, extended)
    topic = "peace-talks"
    add_article(
        db,
        "agreed",
        "ukrinform",
        "2025-06-01",
        [claim("ukraine", "agreement", "Kyiv agreed to the ceasefire.", topic=topic)],
    )
    add_article(
        db,
        "broken",
        "ukrinform",
        "2025-06-03",
        [claim("ukraine", "ceasefire_broken", "Kyiv said Moscow broke the ceasefire.", topic=topic, target="russia")],
    )
    add_article(
        db,
        "denied",
        "tass",
        "2025-06-04",
        [claim("russia", "denial", "Moscow denied breaking the ceasefire.", topic=topic)],
    )
    timeline.update_events(db, extended)

    changes = [(c["holder"], c["kind"], c["from_type"], c["to_type"]) for c in timeline.changes(db, topic=topic)]
    assert ("ukraine", "reversal", "agreement", "ceasefire_broken") in changes
    pairs = timeline.contradictions(db, topic=topic)
    assert [(p["rule"], p["holder_a"], p["holder_b"]) for p in pairs] == [
        ("ceasefire broken / denied", "ukraine", "russia")
    ]
    view = db.execute("SELECT rule FROM contradictions WHERE topic = ?", [topic]).fetchall()
    assert view == [("ceasefire broken / denied",)]

    digest = build_digest(extended, db, datetime(2025, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC), topic)
    headlines = [c.headline for c in digest.topics[0].changes]
    assert "Ukraine says Russia broke the ceasefire" in headlines
    db.conn.close()


def test_without_the_entry_the_same_claims_make_no_reversal_or_contradiction(tmp_path, config, extended):
    """The behaviour comes from the entry: the same type without reverses/contradicts makes neither."""
    bare = extended.model_copy(
        update={
            "claim_types": [
                *config.claim_types,
                extended.claim_types[-1].model_copy(update={"reverses": [], "contradicts": []}),
            ]
        }
    )
    db = open_store(tmp_path / "store.db")
    sync_config(db, bare)
    add_article(
        db,
        "agreed",
        "ukrinform",
        "2025-06-01",
        [claim("ukraine", "agreement", "Kyiv agreed to the ceasefire.", topic="peace-talks")],
    )
    add_article(
        db,
        "broken",
        "ukrinform",
        "2025-06-03",
        [
            claim(
                "ukraine",
                "ceasefire_broken",
                "Kyiv said Moscow broke the ceasefire.",
                topic="peace-talks",
                target="russia",
            )
        ],
    )
    add_article(
        db,
        "denied",
        "tass",
        "2025-06-04",
        [claim("russia", "denial", "Moscow denied breaking the ceasefire.", topic="peace-talks")],
    )
    timeline.update_events(db, bare)
    assert {c["kind"] for c in timeline.changes(db, topic="peace-talks")} == {"new"}
    assert timeline.contradictions(db, topic="peace-talks") == []
    db.conn.close()


def test_the_packaged_default_is_the_repository_config():
    packaged = REPO / "onrecord" / "default-config.yaml"
    assert packaged.read_bytes() == (REPO / "config.yaml").read_bytes()
