"""`onrecord serve` bounds each request in memory and time, also for a single-step SQL function that
Datasette's SQL time limit cannot cut. Real server on loopback, real HTTP requests."""

from __future__ import annotations

import json
import sys
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from conftest import REPO, free_port
from onrecord.storage.db import open_store
from onrecord.storage.sources import sync_config
from test_serve_datasette import get, start_server, stop_server

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory, config):
    tmp = tmp_path_factory.mktemp("limits")
    db_path = tmp / "onrecord.db"
    db = open_store(db_path)
    sync_config(db, config)
    db.conn.close()
    port = free_port()
    argv = [sys.executable, "-m", "onrecord", "serve", "--config", str(REPO / "config.yaml"), "--db", str(db_path),
            "--host", "127.0.0.1", "--port", str(port)]  # fmt: skip
    process = start_server(argv, port, tmp / "server.log")
    yield f"http://127.0.0.1:{port}/onrecord", process
    stop_server(process)


def sql(base: str, query: str) -> tuple[int, dict]:
    status, body = get(f"{base}.json?" + urllib.parse.urlencode({"sql": query, "_shape": "objects"}))
    return status, json.loads(body)


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


def test_a_huge_single_step_value_is_refused_and_memory_stays_bounded(server):
    base, process = server
    query = "select length(hex(zeroblob(450000000))) as n"
    with ThreadPoolExecutor(3) as pool:  # three at once took 4.3 GB before
        answers = list(pool.map(lambda _: sql(base, query), range(3)))
    for status, body in answers:
        assert status == 400, body
        assert "too big" in body.get("error", ""), body
    peak = peak_rss_mb(process.pid)
    print(f"server peak RSS {peak:.0f} MB")
    assert peak < 600, "the server grew by far more than one bounded value"


def test_values_below_the_limit_still_work(server):
    base, _ = server
    status, body = sql(base, "select length(hex(zeroblob(5000000))) as n")
    assert status == 200, body
    assert body["rows"] == [{"n": 10_000_000}]
