"""`onrecord status --json`: per-source health and the daemon's jobs, for scripts."""

from __future__ import annotations

import json

from click.testing import CliRunner

from conftest import REPO
from onrecord.cli import cli
from onrecord.storage.sources import mark_source_result


def test_status_json_names_failing_sources_and_lists_jobs(tmp_path, config, store):
    db_path = tmp_path / "store.db"  # the `store` fixture's file
    mark_source_result(store, "tass-en", "HTTP 503 Service Unavailable")
    mark_source_result(store, "interfax-en", None)
    result = CliRunner().invoke(cli, ["status", "--json", "--config", str(REPO / "config.yaml"), "--db", str(db_path)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    sources = {row["source"]: row for row in data["sources"]}
    assert sources["tass-en"]["last_error"] == "HTTP 503 Service Unavailable"
    assert sources["tass-en"]["problem"]
    assert sources["interfax-en"]["last_success"] and not sources["interfax-en"]["last_error"]
    jobs = {job["job"]: job for job in data["jobs"]}
    assert {s.id for s in config.sources if s.enabled} <= set(jobs)
    assert jobs["tass-en"]["kind"] == "crawl"


def test_status_lists_sources_of_the_store_that_the_config_does_not_name(tmp_path, store):
    """A store filled under another config (the demo's) shows its own sources too, without alarm."""
    db_path = tmp_path / "store.db"
    store["sources"].insert({"id": "demo-interfax", "name": "Interfax (demo)", "kind": "feed", "failures": 0})
    mark_source_result(store, "demo-interfax", None)
    args = ["status", "--config", str(REPO / "config.yaml"), "--db", str(db_path)]
    data = json.loads(CliRunner().invoke(cli, [*args, "--json"]).stdout)
    demo = [row for row in data["sources"] if row["source"] == "demo-interfax"]
    assert len(demo) == 1 and demo[0]["last_success"] and "not in this config" in demo[0]["problem"]
    text = CliRunner().invoke(cli, args).output
    line = next(line for line in text.splitlines() if line.startswith("demo-interfax"))
    assert "-- not in this config" in line and "!!" not in line
    assert "1 more in the store that this config does not name" in text
