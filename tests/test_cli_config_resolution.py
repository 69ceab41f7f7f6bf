"""The installed CLI runs outside the checkout: which config a command uses (--config, $ONRECORD_CONFIG,
./config.yaml, the packaged default), the one stderr line saying so, and `onrecord init`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import REPO
from onrecord.storage.db import open_store

PACKAGED = REPO / "onrecord" / "default-config.yaml"


def onrecord(cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """The real CLI in a child process, run from `cwd` (a folder outside the checkout)."""
    base = {k: v for k, v in os.environ.items() if k != "ONRECORD_CONFIG"}
    return subprocess.run(
        [sys.executable, "-m", "onrecord", *args],
        cwd=cwd,
        env=base | (env or {}),
        capture_output=True,
        text=True,
        timeout=300,
    )


def stores(folder: Path, *names: str) -> None:
    """Create empty stores: read commands (status) never create one."""
    for name in names:
        open_store(folder / name).conn.close()


def config_line(proc: subprocess.CompletedProcess) -> str:
    return next(line for line in proc.stderr.splitlines() if line.startswith("config: "))


def test_without_a_config_file_the_packaged_default_is_used_and_named_on_stderr(tmp_path):
    stores(tmp_path, "store.db")
    proc = onrecord(tmp_path, "status", "--json", "--db", "store.db")
    assert proc.returncode == 0, proc.stderr
    line = config_line(proc)
    assert line.startswith(f"config: {PACKAGED} (packaged default")
    data = json.loads(proc.stdout)  # stdout stays JSON: the config line goes to stderr
    assert {row["source"] for row in data["sources"]} >= {"tass-en", "kyiv-independent"}


def test_quiet_keeps_stderr_free_of_the_config_line(tmp_path):
    stores(tmp_path, "store.db")
    proc = onrecord(tmp_path, "-q", "status", "--json", "--db", "store.db")
    assert proc.returncode == 0, proc.stderr
    assert "config: " not in proc.stderr


def test_config_yaml_in_the_working_folder_then_the_environment_then_the_flag(tmp_path):
    stores(tmp_path, "a.db", "b.db", "c.db")
    local = tmp_path / "config.yaml"
    local.write_text("sources:\n  - {id: local-feed, name: Local, url: 'http://127.0.0.1:9/feed'}\n", encoding="utf-8")
    chosen = tmp_path / "chosen.yaml"
    chosen.write_text("sources:\n  - {id: env-feed, name: Env, url: 'http://127.0.0.1:9/feed'}\n", encoding="utf-8")
    flagged = tmp_path / "flagged.yaml"
    flagged.write_text("sources:\n  - {id: flag-feed, name: Flag, url: 'http://127.0.0.1:9/feed'}\n", encoding="utf-8")

    def sources(proc):
        assert proc.returncode == 0, proc.stderr
        return [row["source"] for row in json.loads(proc.stdout)["sources"]]

    here = onrecord(tmp_path, "status", "--json", "--db", "a.db")
    assert sources(here) == ["local-feed"]
    assert config_line(here) == f"config: {local} (found in the working folder)"
    env = onrecord(tmp_path, "status", "--json", "--db", "b.db", env={"ONRECORD_CONFIG": str(chosen)})
    assert sources(env) == ["env-feed"]
    assert config_line(env) == f"config: {chosen} (from $ONRECORD_CONFIG)"
    flag = onrecord(
        tmp_path, "status", "--json", "--db", "c.db", "--config", str(flagged), env={"ONRECORD_CONFIG": str(chosen)}
    )
    assert sources(flag) == ["flag-feed"]
    assert config_line(flag) == f"config: {flagged} (given with --config)"


def test_a_missing_config_named_by_the_environment_is_one_error_line(tmp_path):
    proc = onrecord(tmp_path, "status", "--db", "x.db", env={"ONRECORD_CONFIG": str(tmp_path / "gone.yaml")})
    assert proc.returncode == 2
    assert proc.stderr.strip().startswith(f"onrecord: error: {tmp_path / 'gone.yaml'}: config file not found")


def test_init_writes_an_editable_copy_and_never_overwrites_without_force(tmp_path):
    first = onrecord(tmp_path, "init")
    assert first.returncode == 0, first.stderr
    written = tmp_path / "config.yaml"
    assert written.read_bytes() == PACKAGED.read_bytes()
    written.write_text(
        written.read_text(encoding="utf-8").replace("path: onrecord.db", "path: mine.db"), encoding="utf-8"
    )
    again = onrecord(tmp_path, "init")
    assert again.returncode == 2
    assert again.stderr.strip() == "onrecord: error: config.yaml: already exists; pass --force to overwrite it"
    assert "mine.db" in written.read_text(encoding="utf-8")  # untouched

    stores(tmp_path, "mine.db")
    used = onrecord(tmp_path, "status", "--json")  # the edited copy is what commands in this folder use
    assert used.returncode == 0, used.stderr
    assert config_line(used) == f"config: {written} (found in the working folder)"
    assert not (tmp_path / "onrecord.db").exists()  # the copy's storage.path, not the default's

    forced = onrecord(tmp_path, "init", "--force")
    assert forced.returncode == 0, forced.stderr
    assert written.read_bytes() == PACKAGED.read_bytes()


def test_init_into_a_folder_writes_its_config_yaml(tmp_path):
    proc = onrecord(tmp_path, "init", "settings/")
    assert proc.returncode == 0, proc.stderr
    assert yaml.safe_load((tmp_path / "settings" / "config.yaml").read_text(encoding="utf-8"))["claim_types"]


@pytest.mark.slow
def test_extract_file_mode_runs_outside_the_checkout(tmp_path):
    """The issue's case: `onrecord extract --input F` in another folder used to stop with 'config file not found'."""
    articles = tmp_path / "articles.jsonl"
    articles.write_text(
        json.dumps(
            {
                "id": "a1",
                "url": "http://news.example/a1",
                "source": "tass-en",
                "published": "2025-05-22",
                "title": "Prisoner exchange",
                "language": "en",
                "text": "Kremlin spokesman Dmitry Peskov said Russia had handed over its list of prisoners for the "
                "exchange to Ukraine.",
            }
        )
        + "\n",
        encoding="utf-8",
    )
    proc = onrecord(tmp_path, "extract", "--input", str(articles))
    assert proc.returncode == 0, proc.stderr
    assert "packaged default" in config_line(proc)
    claims = [json.loads(line) for line in proc.stdout.splitlines()]
    assert any(c["holder"] == "russia" and c["claim_type"] == "list_submitted" for c in claims), claims
