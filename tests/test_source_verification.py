"""What each configured source's settings were checked against (`verified` in config.yaml): validated, shown by
`onrecord status` (table and JSON), and honest: a real copy named is replayed by a test, a fixture that follows a
real copy's structure says which copy, and every source has a fixture of its own."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from conftest import REPO
from onrecord.cli import cli
from onrecord.core.config import load_config
from onrecord.core.errors import ConfigError

CONFIG = REPO / "config.yaml"
CONFIGURED = load_config(CONFIG).sources
FIXTURES = REPO / "tests" / "fixtures" / "sources"


def _reference(source) -> str:
    return source.verified.split(":", 1)[1].strip()


def test_every_configured_source_says_what_it_was_checked_against():
    unverified = [s.id for s in CONFIGURED if s.verified_kind == "unverified"]
    assert not unverified, f"configured sources with no fixture and no real copy: {unverified}"
    assert any(s.verified_kind == "real-copy" for s in CONFIGURED)


@pytest.mark.parametrize("source", [s for s in CONFIGURED if s.verified_kind == "real-copy"], ids=lambda s: s.id)
def test_a_real_copy_is_replayed_by_a_test(source):
    """The reference is a folder next to the checkout (never inside it) that some test reads."""
    reference = _reference(source)
    assert reference.startswith("../shared/corpus/"), reference
    folder = (REPO / reference).resolve()
    assert not folder.is_relative_to(REPO), "real copies stay out of the repository"
    tests = " ".join(path.read_text(encoding="utf-8") for path in (REPO / "tests").glob("test_*.py"))
    assert folder.name in tests, f"no test reads {reference}"
    if not folder.is_dir():
        pytest.skip(f"the real copy is not at {folder}")
    assert (folder / "PROVENANCE.md").is_file()


@pytest.mark.parametrize("source", [s for s in CONFIGURED if s.verified_kind == "real-structure"], ids=lambda s: s.id)
def test_a_fixture_on_a_real_structure_names_the_copy_it_follows(source):
    """repository@commit:path, and the fixture says it follows that copy (and is written in our words)."""
    repo_commit, _, path = _reference(source).partition(":")
    repo, _, commit = repo_commit.partition("@")
    assert repo.count("/") == 1 and len(commit) == 40 and path, source.verified
    texts = " ".join(p.read_text(encoding="utf-8") for p in (FIXTURES / source.id).iterdir())
    assert commit in texts and repo in texts, f"{source.id}: the fixture does not name {source.verified}"
    assert "Written by us" in texts


def test_a_fixture_only_source_has_its_fixture():
    for source in CONFIGURED:
        if source.verified_kind == "fixture-only":
            assert (FIXTURES / source.id / "expected.json").is_file(), source.id


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("real-copy", "real-copy needs the reference of the real copy"),
        ("real-copy:   ", "real-copy needs the reference of the real copy"),
        ("checked", "expected 'real-copy: <reference>'"),
        ("fixture-only: tests/fixtures", "expected 'real-copy: <reference>'"),
    ],
)
def test_a_bad_verified_value_is_one_line_naming_the_key(tmp_path, value, message):
    path = tmp_path / "config.yaml"
    path.write_text(
        json.dumps({"sources": [{"id": "wire", "name": "Wire", "url": "https://example.org/feed", "verified": value}]}),
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    text = str(caught.value)
    assert "\n" not in text and "sources[0].verified" in text and message in text, text


def test_status_marks_what_each_source_was_checked_against(tmp_path, store):
    db_path = tmp_path / "store.db"  # the `store` fixture's file
    args = ["status", "--config", str(CONFIG), "--db", str(db_path)]
    data = json.loads(CliRunner().invoke(cli, [*args, "--json"]).stdout)
    verified = {row["source"]: row["verified"] for row in data["sources"]}
    assert verified == {s.id: s.verified for s in CONFIGURED}
    text = CliRunner().invoke(cli, args).output
    lines: dict[str, str] = {}
    for line in text.splitlines():  # the sources' table comes first, the jobs' (also named by source) after
        if line.split() and line.split()[0] in verified:
            lines.setdefault(line.split()[0], line)
    for source in CONFIGURED:
        shown = {"real-copy": "real copy", "real-structure": "real struct.", "fixture-only": "our fixture"}
        assert shown[source.verified_kind] in lines[source.id], lines[source.id]
    real = sum(1 for s in CONFIGURED if s.verified_kind.startswith("real-"))
    assert f"{len(CONFIGURED)} sources ({real} checked on real copies or their structure" in text
