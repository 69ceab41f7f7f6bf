"""`onrecord run --once`, the one-daemon-per-store lock, and the config as the children receive it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from onrecord.core.config import Config
from onrecord.core.errors import OnrecordError
from onrecord.demo.server import DemoServer
from onrecord.scheduler.lock import StoreLock
from onrecord.scheduler.tasks import task_request
from onrecord.storage.db import open_store
from scheduler_site import write_site

REPO = Path(__file__).resolve().parent.parent


def test_the_config_a_child_receives_validates_back_to_the_same_config(config):
    request = json.loads(json.dumps(task_request("extract", config, "store.db")))  # as it crosses the pipe
    assert Config.model_validate(request["config"]) == config


def test_a_second_daemon_on_the_same_store_refuses_to_start(tmp_path):
    db = str(tmp_path / "store.db")
    first = StoreLock(db)
    first.acquire()
    try:
        with pytest.raises(OnrecordError, match=rf"another `onrecord run` \(pid {os.getpid()}\) is using this store"):
            StoreLock(db).acquire()
    finally:
        first.release()
    again = StoreLock(db)
    again.acquire()  # free once released
    again.release()


@pytest.mark.slow
def test_run_once_crawls_extracts_and_exits(tmp_path):
    root = write_site(tmp_path / "site", [1, 2, 3])
    with DemoServer(root) as server:
        config = tmp_path / "config.yaml"
        config.write_text(
            yaml.safe_dump(
                {
                    "crawl": {"download_delay": 0.1, "autothrottle": False},
                    "sources": [
                        {
                            "id": "marlow",
                            "name": "Marlow Bay News",
                            "url": f"{server.base_url}/feed.xml",
                            "allow_private_addresses": True,  # served on loopback
                        },
                        {
                            "id": "gone",
                            "name": "Gone",
                            "url": f"{server.base_url}/gone.xml",
                            "allow_private_addresses": True,
                        },
                    ],
                }
            )
        )
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "onrecord",
                "run",
                "--once",
                "--config",
                str(config),
                "--db",
                str(tmp_path / "store.db"),
            ],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            env=dict(os.environ, PYTHONPATH=str(REPO)),
        )
    assert done.returncode == 1, done.stderr  # one source failed
    lines = [line.split(" ", 4) for line in done.stderr.splitlines()]
    events = {(source, event) for _, _, source, event, *_ in lines}
    assert {
        ("marlow", "crawl.finished"),
        ("gone", "crawl.failed"),
        ("-", "extract.finished"),
        ("-", "once.finished"),
    } <= events
    store = open_store(tmp_path / "store.db")
    assert store.execute("SELECT count(*) FROM articles").fetchone()[0] == 3
    assert store.execute("SELECT count(*) FROM extractions").fetchone()[0] == 3
    assert store.execute("SELECT failures FROM sources WHERE id = 'gone'").fetchone()[0] == 1
