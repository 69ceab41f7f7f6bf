"""Every configured source has a fixture shaped like the outlet (its feed or listing page, one article page,
and the expected output); one crawl pass over all of them, through the real path, checks each source."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawl_helpers import loopback_config
from loopback import LoopbackServer, Route
from onrecord.core.config import load_config
from onrecord.crawlers.run import crawl
from onrecord.storage.db import open_store

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures" / "sources"
SOURCE_DOCUMENT = {"feed": "feed.xml", "site": "listing.html"}  # what the source's url points at, per kind
CONTENT_TYPES = {".xml": "application/rss+xml; charset=utf-8", ".html": "text/html; charset=utf-8"}
CONFIGURED = load_config(REPO / "config.yaml").sources


def _has_fixture(source) -> bool:
    folder = FIXTURES / source.id
    return all((folder / name).is_file() for name in (SOURCE_DOCUMENT[source.kind], "article.html", "expected.json"))


def _expected(source_id: str) -> dict:
    return json.loads((FIXTURES / source_id / "expected.json").read_text(encoding="utf-8"))


def test_every_configured_source_has_a_fixture():
    missing = [s.id for s in CONFIGURED if not _has_fixture(s)]
    assert not missing, (
        f"configured sources without a fixture (tests/fixtures/sources/<id>/ with "
        f"feed.xml or listing.html, article.html, expected.json): {', '.join(missing)}"
    )


def _serve(server: LoopbackServer, source_id: str) -> None:
    """Each file at /<source id>/<name>, or at the path expected.json's `paths` gives it (a selector that keys on
    the site's URL paths needs the site's paths)."""
    expected = _expected(source_id)
    content_types, paths = expected.get("content_types", {}), expected.get("paths", {})
    for path in (FIXTURES / source_id).iterdir():
        if path.name == "expected.json":
            continue
        body = path.read_bytes().replace(b"{{BASE}}", server.base.encode())
        content_type = content_types.get(path.name) or CONTENT_TYPES[path.suffix]
        route = paths.get(path.name, f"/{source_id}/{path.name}")
        server.routes[route] = Route(body, headers={"Content-Type": content_type})


@pytest.fixture(scope="module")
def crawled(tmp_path_factory, config):
    """One pass over every source with a fixture, each source's url pointing at its loopback copy."""
    db_path = str(tmp_path_factory.mktemp("sources") / "store.db")
    with LoopbackServer() as server:
        server.routes["/robots.txt"] = Route(b"User-agent: *\nAllow: /\n", headers={"Content-Type": "text/plain"})
        sources = []
        for source in config.sources:
            if _has_fixture(source):
                _serve(server, source.id)
                sources.append(
                    source.model_copy(update={"url": server.url(f"/{source.id}/{SOURCE_DOCUMENT[source.kind]}")})
                )
        lines: list[str] = []
        summary = crawl(loopback_config(config, db_path, sources), force=True, progress=lines.append)
        db = open_store(db_path)
        yield {"db": db, "summary": summary, "lines": lines}
        db.conn.close()


@pytest.mark.parametrize("source_id", [s.id for s in CONFIGURED if _has_fixture(s)])
def test_source_fixture_gives_the_expected_article(crawled, source_id):
    db, expected = crawled["db"], _expected(source_id)
    rows = list(db.query("SELECT * FROM articles WHERE source = ?", [source_id]))
    fetches = [
        (f["url"].rsplit("/", 1)[-1], f["outcome"], f["error"])
        for f in db.query("SELECT url, outcome, error FROM fetches WHERE source = ?", [source_id])
    ]
    assert len(rows) == 1, f"{source_id}: expected one stored article, got {len(rows)}; fetches: {fetches}"
    article = rows[0]
    assert article["title"] == expected["title"]
    assert (article["published"] or "").startswith(expected["date"]), article["published"]
    if "published" in expected:
        assert article["published"] == expected["published"]
    assert article["language"] == expected["language"]
    assert expected["snippet"] in article["text"]
    if "also_in_text" in expected:  # the lead, where the page marks one up apart from the body
        assert expected["also_in_text"] in article["text"], article["text"][:300]
    assert expected["not_in_text"] not in article["text"], "page furniture leaked into the text"
    assert article["via"] == expected["via"]
    assert article["speaks_for"] == expected.get("speaks_for")


def test_no_source_reports_an_error(crawled):
    assert crawled["summary"].errors == 0, [line for line in crawled["lines"] if "error" in line.lower()]
