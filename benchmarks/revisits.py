"""What revisits cost: requests, bytes and time of a crawl pass over the demo site with and without the revisit window.

A first pass stores the demo's articles; then the same second pass runs on two copies of that store: with revisits
off (crawl.revisit.window_days 0: only the feeds and listing pages, answered 304) and with every stored article
due (window 2 days, interval 0s: each article page fetched again with If-None-Match / If-Modified-Since; the demo
server answers 304 like a real newsroom server that sends validators). A third figure: the same revisit pass
against a server that ignores validators (every page answered 200 and re-extracted, as many outlets do).
Printed per pass: requests (fetches rows), answers by status, bytes received, wall time of the pass.

    .venv/bin/python benchmarks/revisits.py
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "benchmarks"))

from onrecord.core.config import RevisitConfig, load_config  # noqa: E402
from onrecord.crawlers.run import crawl  # noqa: E402
from onrecord.demo.run import demo_config  # noqa: E402
from onrecord.demo.server import SITE_DIR, DemoServer, _Handler  # noqa: E402
from onrecord.storage.db import open_store  # noqa: E402


def one_pass(config, db_path: Path, label: str) -> None:
    db = open_store(db_path)
    before = db.execute("SELECT max(id) FROM fetches").fetchone()[0] or 0
    db.conn.close()
    started = time.perf_counter()
    summary = crawl(config.with_storage_path(str(db_path)), force=True, progress=lambda line: None)
    seconds = time.perf_counter() - started
    db = open_store(db_path)
    rows = db.execute("SELECT status, coalesce(bytes, 0), kind FROM fetches WHERE id > ?", [before]).fetchall()
    db.conn.close()
    statuses = Counter(str(status) for status, _, _ in rows)
    pages = sum(1 for *_, kind in rows if kind == "page")
    print(
        f"{label:<44} {len(rows):>4} requests ({pages} article pages) "
        f"{', '.join(f'{n}x{s}' for s, n in sorted(statuses.items()))}; "
        f"{sum(b for _, b, _ in rows) / 1024:>7.1f} KiB; {seconds:5.1f} s; "
        f"revisited {summary.total('revisited')}, updated {summary.total('updated')}"
    )


def main() -> None:
    config = load_config(REPO / "config.yaml")
    off = RevisitConfig(window_days=0)
    due = RevisitConfig(window_days=2, interval="0s")
    with tempfile.TemporaryDirectory() as tmp, DemoServer(SITE_DIR) as server:
        base = demo_config(config, server.base_url)

        def with_revisit(revisit: RevisitConfig):
            return base.model_copy(update={"crawl": base.crawl.model_copy(update={"revisit": revisit})})

        first = Path(tmp) / "first.db"
        one_pass(with_revisit(off), first, "first pass (fresh store)")
        for name in ("off", "on", "no-validators"):
            shutil.copy(first, Path(tmp) / f"{name}.db")
        one_pass(with_revisit(off), Path(tmp) / "off.db", "second pass, revisits off")
        one_pass(with_revisit(due), Path(tmp) / "on.db", "second pass, every stored article revisited")
        original = _Handler._serve

        def no_validators(self, body: bool) -> None:  # a server that answers every conditional GET in full
            for name in ("If-None-Match", "If-Modified-Since"):
                del self.headers[name]
            original(self, body)

        _Handler._serve = no_validators  # type: ignore[method-assign]
        one_pass(with_revisit(due), Path(tmp) / "no-validators.db", "same, server ignoring validators")


if __name__ == "__main__":
    main()
