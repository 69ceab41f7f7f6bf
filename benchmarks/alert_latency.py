"""Alert latency: from a crawl storing an article to the watchlist's alert delivered, all on loopback.

A loopback site publishes one feed with one article in which a party states a position (a first one: a `new`
change); a webhook receiver stands in for the subscriber. `onrecord run --once` (the daemon's own path: a crawl
child, then the extraction task child, whose timeline update fills the outbox and then delivers) crawls it into a
fresh store with a watchlist that follows everything and posts to the receiver. Printed, not asserted:

- served -> delivered: from the loopback server handing out the article page to the receiver getting the POST;
- stored -> delivered: from the article's fetched_at in the store (whole seconds) to the POST;
- the whole `run --once`, for scale (it includes starting Python, Scrapy and the reader's models).

    .venv/bin/python benchmarks/alert_latency.py [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from loopback_site import Site  # noqa: E402
from onrecord.core.config import load_config  # noqa: E402
from onrecord.storage.db import open_store  # noqa: E402

SECRET_ENV = "ONRECORD_BENCH_WEBHOOK_SECRET"
ARTICLE = (
    "<p>Moscow, 23 May. Kremlin spokesman Dmitry Peskov said on Friday that Russia had handed over its list of "
    'prisoners for the exchange to Kyiv. "We have handed over our list, and now we are waiting for the '
    'Ukrainian side to respond," Peskov told reporters in Moscow.</p>'
    "<p>The exchange was agreed at the talks in Istanbul, where the delegations discussed a swap of a thousand "
    "prisoners of war on each side. Officials said the verification of names would take several days, and "
    "that the families of the prisoners had been told to expect news within the week.</p>"
)


class Served(Site):
    """The loopback site, noting when the article page was first served."""

    def __init__(self, pages):
        super().__init__(pages)
        self.article_served: float | None = None


class Receiver:
    def __init__(self) -> None:
        self.times: list[float] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.times.append(time.time())
                self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"


def one_run(run: int) -> dict[str, float] | None:
    pages: dict[str, tuple[bytes, str]] = {}
    site = Served(pages)
    article_path = f"/news/peskov-list-{run}.html"
    pages[article_path] = (
        (
            "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Kremlin says list handed over</title>"
            "</head><body><article><h1>Kremlin says Russia handed over its list</h1>"
            f"<time datetime='2025-05-23'>23 May 2025</time>{ARTICLE}</article></body></html>"
        ).encode(),
        "text/html; charset=utf-8",
    )
    pages["/feed.xml"] = (
        (
            "<?xml version='1.0'?><rss version='2.0'><channel><title>Loopback wire</title>"
            f"<item><title>Kremlin says Russia handed over its list</title><link>{escape(site.url(article_path))}"
            "</link><pubDate>Fri, 23 May 2025 10:00:00 GMT</pubDate></item></channel></rss>"
        ).encode(),
        "application/rss+xml",
    )
    pages["/robots.txt"] = (b"User-agent: *\nAllow: /\n", "text/plain")
    original_get = site.RequestHandlerClass.do_GET

    def noting_get(handler) -> None:  # the moment the crawler gets the article page
        if handler.path == article_path and site.article_served is None:
            site.article_served = time.time()
        original_get(handler)

    site.RequestHandlerClass = type("Noting", (site.RequestHandlerClass,), {"do_GET": noting_get})
    receiver = Receiver()
    tmp = Path(tempfile.mkdtemp())
    config = load_config(REPO / "config.yaml").model_dump(mode="json", exclude_none=True)
    config["crawl"].update({"download_delay": 0, "autothrottle": False})
    config["sources"] = [
        {"id": "wire", "name": "Loopback Wire", "url": site.url("/feed.xml"), "allow_private_addresses": True}
    ]
    config["watchlists"] = [
        {
            "id": "bench",
            "group_window": "1m",
            "delivery": {"webhook": {"url": receiver.url(), "secret_env": SECRET_ENV}},
        }
    ]
    (tmp / "config.yaml").write_text(yaml.safe_dump(config, allow_unicode=True))
    started = time.time()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "onrecord",
            "-q",
            "run",
            "--once",
            "--config",
            str(tmp / "config.yaml"),
            "--db",
            str(tmp / "store.db"),
        ],
        capture_output=True,
        text=True,
        cwd=tmp,
        env={**os.environ, SECRET_ENV: "bench-secret"},
        timeout=600,
    )
    finished = time.time()
    site.shutdown()
    receiver.server.shutdown()
    db = open_store(tmp / "store.db", read_only=True)
    fetched = db.execute("SELECT min(fetched_at) FROM articles").fetchone()[0]
    alerts = db.execute("SELECT count(*) FROM alerts").fetchone()[0]
    db.conn.close()
    if not receiver.times:
        print(f"run {run}: no alert delivered (exit {done.returncode}, {alerts} alerts in the outbox)")
        print(done.stderr[-2000:])
        return None
    delivered = receiver.times[0]
    stored = datetime.fromisoformat(fetched).timestamp() if fetched else float("nan")
    return {
        "served_to_delivered": delivered - (site.article_served or started),
        "stored_to_delivered": delivered - stored,
        "run_once": finished - started,
        "posts": len(receiver.times),
        "alerts": alerts,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    results = [r for r in (one_run(i) for i in range(args.runs)) if r]
    for i, r in enumerate(results):
        print(
            f"run {i}: served -> delivered {r['served_to_delivered']:.2f} s, stored -> delivered "
            f"{r['stored_to_delivered']:.2f} s (fetched_at in whole seconds), run --once {r['run_once']:.2f} s, "
            f"{r['alerts']} alert(s) in {r['posts']} POST(s)"
        )
    if results:
        median = statistics.median(r["served_to_delivered"] for r in results)
        print(f"median served -> delivered over {len(results)} run(s): {median:.2f} s")
        print(json.dumps({"runs": results}))


if __name__ == "__main__":
    main()
