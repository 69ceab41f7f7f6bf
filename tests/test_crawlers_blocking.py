"""A site that blocks us (403 to article pages, 429 on its feed, a challenge page served with 200) is reported
by `onrecord status` (crawlers/health.source_health) as blocked, not as an empty listing or a plain error."""

from __future__ import annotations

import pytest

from crawl_helpers import article_html, loopback_config, rss
from loopback import LoopbackServer, Route
from onrecord.core.config import SourceConfig
from onrecord.crawlers.health import source_health
from onrecord.crawlers.run import crawl
from onrecord.storage.db import open_store

pytestmark = pytest.mark.slow
CHALLENGE = (
    b"<!DOCTYPE html><html><head><title>Just a moment...</title></head><body><div id='cf-challenge'>"
    b"Checking your browser before accessing the site.</div><script src='/cdn-cgi/challenge-platform/x.js'>"
    b"</script></body></html>"
)


def test_blocking_sites_are_reported_as_blocked(tmp_path, config):
    db_path = str(tmp_path / "store.db")
    with LoopbackServer() as server:
        u, r = server.url, server.routes
        r["/pages/feed.xml"] = Route(
            rss([(u(f"/pages/{i}"), f"Story {i}") for i in range(4)]), headers={"Content-Type": "application/rss+xml"}
        )
        for i in range(4):
            r[f"/pages/{i}"] = Route(b"Forbidden", status=403, headers={"Content-Type": "text/plain"})
        r["/storm/feed.xml"] = Route(b"Too many requests", status=429, headers={"Content-Type": "text/plain"})
        r["/wall/news"] = Route(CHALLENGE)
        r["/fine/feed.xml"] = Route(rss([(u("/fine/a"), "A")]), headers={"Content-Type": "application/rss+xml"})
        r["/fine/a"] = Route(article_html("A fine story", 4).encode())
        sources = [
            SourceConfig(id="pages", name="Pages refused", url=u("/pages/feed.xml")),
            SourceConfig(id="storm", name="Rate limited", url=u("/storm/feed.xml")),
            SourceConfig(id="wall", name="Challenge", kind="site", url=u("/wall/news"), link_selector="h2 a"),
            SourceConfig(id="fine", name="Fine", url=u("/fine/feed.xml")),
        ]
        cfg = loopback_config(config, db_path, sources, retry_times=0)
        crawl(cfg, force=True, progress=lambda line: None)
    db = open_store(db_path)
    try:
        health = {h.source: h.problem or "" for h in source_health(db, cfg)}
    finally:
        db.conn.close()
    assert health["pages"].startswith("blocked") and "403" in health["pages"], health
    assert health["storm"].startswith("blocked") and "429" in health["storm"], health
    assert health["wall"].startswith("blocked") and "challenge page" in health["wall"], health
    assert "no links matched" not in health["wall"]
    assert not health["fine"].startswith("blocked"), health
