"""A page refused as not an article is recorded and not fetched again on every pass (unless asked to recheck);
a short readout among many links is stored, a list of headlines is refused as an index page."""

from __future__ import annotations

import pytest
import yaml
from click.testing import CliRunner

from crawl_helpers import article_html, loopback_config, rss
from loopback import LoopbackServer, Route
from onrecord.cli import cli
from onrecord.core.config import SourceConfig
from onrecord.crawlers.run import crawl
from onrecord.storage.db import open_store

pytestmark = pytest.mark.slow
READOUT = (
    "Vladimir Putin had a telephone conversation with the President of the Republic of Finland. "
    "The two leaders discussed the situation in the region and agreed to continue their contacts. "
    "They also exchanged views on the coming talks."
)  # 38 words: shorter than min_article_words


def readout_page() -> bytes:
    links = "".join(f"<li><a href='/menu/{i}'>Section {i} of the site</a></li>" for i in range(60))
    return (
        f"<html><head><title>Telephone conversation</title></head><body><nav><ul>{links}</ul></nav>"
        f"<article itemscope itemtype='http://schema.org/NewsArticle'><h1>Telephone conversation</h1>"
        f"<div itemprop='articleBody'><p>{READOUT}</p></div></article></body></html>"
    ).encode()


def index_page() -> bytes:
    items = "".join(f"<li><a href='/news/{i}'>Headline {i} about the talks</a></li>" for i in range(30))
    return f"<html><body><main><h1>News</h1><ul>{items}</ul></main></body></html>".encode()


def test_refusals_are_remembered_and_short_readouts_stored(tmp_path, config):
    db_path = str(tmp_path / "store.db")
    with LoopbackServer() as server:
        u = server.url
        server.routes["/feed.xml"] = Route(
            rss([(u("/news/readout"), "Telephone conversation"), (u("/news/all"), "All news"), (u("/news/a"), "A")]),
            headers={"Content-Type": "application/rss+xml"},
        )
        server.routes["/news/readout"] = Route(readout_page())
        server.routes["/news/all"] = Route(index_page())
        server.routes["/news/a"] = Route(article_html("A long article", 3).encode())
        cfg = loopback_config(config, db_path, [SourceConfig(id="wire", name="Wire", url=u("/feed.xml"))])
        lines: list[str] = []
        crawl(cfg, force=True, progress=lines.append)
        assert server.count("/news/all") == 1
        crawl(cfg, force=True, progress=lines.append)
        assert server.count("/news/all") == 1, "a refused page was fetched again"
        assert any("1 refused before" in line for line in lines), lines
        crawl(cfg, force=True, recheck_refused=True, progress=lines.append)
        assert server.count("/news/all") == 2, "recheck_refused did not fetch the refused page again"
    db = open_store(db_path)
    try:
        refusals = list(db.query("SELECT url, error FROM fetches WHERE outcome = 'not-article'"))
        assert refusals and all(r["url"].endswith("/news/all") and "index page" in r["error"] for r in refusals)
        texts = [r["text"] for r in db.query("SELECT text FROM articles")]
        assert any("telephone conversation with the President of the Republic of Finland" in t for t in texts)
        assert len(texts) == 2
    finally:
        db.conn.close()


def test_crawl_recheck_refused_fetches_refused_pages_again_once(tmp_path, config):
    """`onrecord crawl --recheck-refused`: the refused pages are fetched again on that pass only; one that has
    become an article (a fixed page, or a fixed extraction) is stored, one still refused stays skipped after."""
    db_path = str(tmp_path / "store.db")
    config_path = tmp_path / "config.yaml"
    with LoopbackServer() as server:
        u = server.url
        server.routes["/feed.xml"] = Route(
            rss([(u("/news/all"), "All news"), (u("/news/tags"), "Tags"), (u("/news/a"), "A")]),
            headers={"Content-Type": "application/rss+xml"},
        )
        server.routes["/news/all"] = Route(index_page())
        server.routes["/news/tags"] = Route(index_page())
        server.routes["/news/a"] = Route(article_html("A long article", 3).encode())
        cfg = loopback_config(config, db_path, [SourceConfig(id="wire", name="Wire", url=u("/feed.xml"))])
        config_path.write_text(yaml.safe_dump(cfg.model_dump(mode="json")), encoding="utf-8")

        def crawl_cli(*flags: str):
            result = CliRunner().invoke(cli, ["crawl", "--config", str(config_path), "--force", *flags])
            assert result.exit_code == 0, result.output
            return result

        crawl_cli()
        second = crawl_cli()
        assert (server.count("/news/all"), server.count("/news/tags")) == (1, 1), "a refused page was fetched again"
        assert "2 refused before" in second.stderr, second.stderr
        server.routes["/news/all"] = Route(article_html("All news, now an article", 4).encode())  # the fix
        third = crawl_cli("--recheck-refused")
        assert (server.count("/news/all"), server.count("/news/tags")) == (2, 2), "--recheck-refused did not refetch"
        assert "crawl: 1 new articles" in third.stdout, third.stdout
        crawl_cli()
        assert (server.count("/news/all"), server.count("/news/tags")) == (2, 2), "a rechecked page was fetched again"
    db = open_store(db_path)
    try:
        titles = sorted(r["title"] for r in db.query("SELECT title FROM articles"))
        assert titles == ["A", "All news"], titles  # the feed's titles; the index page "Tags" stays out
    finally:
        db.conn.close()


def test_crawl_help_names_recheck_refused():
    result = CliRunner().invoke(cli, ["crawl", "--help"])
    assert result.exit_code == 0 and "--recheck-refused" in result.output
    assert "refused as not articles" in " ".join(result.output.split())
