"""`onrecord timeline` in every mode and format, on a store of claims we wrote."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner

from conftest import REPO
from onrecord.cli import cli
from onrecord.storage import timeline
from timeline_fixtures import HANDED_OVER, NOT_RECEIVED, build_may_2025


@pytest.fixture
def db_path(store, config):
    build_may_2025(store)
    timeline.update_events(store, config)  # what `onrecord extract` does after saving claims: the command only reads
    return store.conn.execute("PRAGMA database_list").fetchone()[2]


def run(db_path, *args):
    result = CliRunner().invoke(cli, ["timeline", "--config", str(REPO / "config.yaml"), "--db", db_path, *args])
    assert result.exit_code == 0, result.output
    return result.stdout  # stderr names the config


def test_default_table_groups_claims_per_party(db_path):
    out = run(db_path)
    assert "Claims: russia" in out and "Claims: ukraine" in out
    assert out.index("Claims: russia") < out.index("Claims: ukraine")
    for column in ("claim_date", "holder", "claim_type", "negated", "target", "speaker", "evidence", "source", "url"):
        assert column in out
    assert "Dmitry Peskov" in out


def test_json_claims_filtered_by_party_and_dates(db_path):
    rows = json.loads(
        run(db_path, "--party", "ukraine", "--since", "2025-05-22", "--until", "2025-05-22", "--format", "json")
    )
    assert [(r["holder"], r["claim_type"], r["negated"], r["evidence"]) for r in rows] == [
        ("ukraine", "list_received", True, NOT_RECEIVED)
    ]


def test_csv_events_carry_corroboration_and_outlets(db_path):
    rows = list(csv.DictReader(io.StringIO(run(db_path, "--events", "--party", "russia", "--format", "csv"))))
    merged = [r for r in rows if r["claim_type"] == "list_submitted" and r["event_date"] == "2025-05-22"]
    assert len(merged) == 1
    assert merged[0]["corroboration"] == "2" and merged[0]["outlets"] == "interfax; ria; tass"
    assert merged[0]["negated"] == "false" and merged[0]["evidence"] == HANDED_OVER


def test_markdown_state_as_of(db_path):
    out = run(db_path, "--as-of", "2025-05-22", "--party", "ukraine", "--format", "markdown")
    assert out.startswith("## Position state") and "### ukraine" in out
    assert "| prisoner-exchange | ukraine | list_received | yes | russia | 2025-05-22 |" in out
    assert "rejection" not in out  # stated on the 30th


@pytest.mark.parametrize("fmt", ["table", "json", "csv", "markdown"])
def test_changes_in_every_format(db_path, fmt):
    out = run(db_path, "--changes", "--party", "ukraine", "--format", fmt)
    assert "negation_flipped" in out and "reversal" in out
    if fmt == "json":
        assert [c["kind"] for c in json.loads(out)] == ["new", "new", "negation_flipped", "reversal"]


def test_contradictions_markdown_and_json(db_path):
    out = run(db_path, "--contradictions", "--format", "markdown")
    assert HANDED_OVER in out and NOT_RECEIVED in out
    [pair] = json.loads(run(db_path, "--contradictions", "--format", "json"))
    assert (pair["holder_a"], pair["holder_b"]) == ("russia", "ukraine")


@pytest.mark.parametrize("suffix, magic", [(".png", b"\x89PNG"), (".svg", b"<?xml")])
def test_plot_writes_a_chart(db_path, tmp_path, suffix, magic):
    target = tmp_path / f"timeline{suffix}"
    run(db_path, "--events", "--topic", "prisoner-exchange", "--plot", str(target))
    assert target.read_bytes().startswith(magic)
    if suffix == ".svg":
        text = target.read_text()
        assert "russia" in text and "ukraine" in text and "list_submitted" in text


def test_bad_date_is_one_clear_error(db_path):
    from onrecord.core.errors import ConfigError

    result = CliRunner().invoke(
        cli, ["timeline", "--config", str(REPO / "config.yaml"), "--db", db_path, "--since", "yesterday"]
    )
    assert isinstance(result.exception, ConfigError)
    assert "--since: expected a date such as 2025-05-22" in str(result.exception)
