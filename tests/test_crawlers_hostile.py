"""Hostile feeds and a hostile network, on loopback, through real crawl processes (issue 21, crawler side).

SSRF (links and redirects to other hosts, ports and internal addresses, `file:` redirects, a host that
resolves to loopback), broken entry links, a Cyrillic feed with one invalid byte, NUL bytes, a damaged
near-duplicate signature, a full disk, and kill -9 of `onrecord crawl`.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from crawl_helpers import article_html, loopback_config, rss
from loopback import LoopbackServer, Route
from onrecord.core.config import SourceConfig
from onrecord.crawlers.run import crawl
from onrecord.storage.db import open_store

PY = sys.executable
FEED = {"Content-Type": "application/rss+xml; charset=utf-8"}


def page(title: str, seed: int, extra: str = "") -> bytes:
    return article_html(title, seed, extra=extra).encode()


def redirect(location: str) -> Route:
    return Route(status=302, headers={"Location": location, "Content-Type": "text/plain"})


def fetches(db_path: str) -> dict[str, dict]:
    """The latest fetch row of each URL."""
    db = open_store(db_path, read_only=True)
    try:
        return {row["url"]: row for row in db.query("SELECT * FROM fetches ORDER BY id")}
    finally:
        db.conn.close()


def stored(db_path: str, sql: str, params: list | None = None) -> list[dict]:
    db = open_store(db_path, read_only=True)
    try:
        return list(db.query(sql, params or []))
    finally:
        db.conn.close()


# -- SSRF ------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ssrf(tmp_path_factory, config):
    """A loopback outlet (allowed private addresses) whose feed links to its own article, to an internal
    service on another port, to the same server under another host name, through redirects to the internal
    service and to a file, and to a host it declares."""
    db_path = str(tmp_path_factory.mktemp("ssrf") / "store.db")
    with LoopbackServer() as outlet, LoopbackServer() as internal, LoopbackServer() as declared:
        internal.routes["/internal"] = Route(page("Internal admin page with secrets", 1))
        declared.routes["/partner"] = Route(page("Partner wire carries the report", 2))
        localhost_internal = internal.url("/internal").replace("127.0.0.1", "localhost")
        outlet.routes["/feed.xml"] = Route(
            rss(
                [
                    (outlet.url("/own"), "Own article"),
                    (internal.url("/internal"), "Other port"),
                    (outlet.url("/own2").replace("127.0.0.1", "localhost"), "Declared host name, other port"),
                    ("http://metadata.internal/own3", "Another host"),
                    ("http://169.254.169.254/latest/meta-data", "Cloud metadata"),
                    (outlet.url("/hop"), "Redirect to the internal service"),
                    (outlet.url("/hop-name"), "Redirect to it by name"),
                    (outlet.url("/to-file"), "Redirect to a file"),
                    (declared.url("/partner").replace("127.0.0.1", "localhost"), "Declared partner"),
                ]
            ),
            headers=FEED,
        )
        outlet.routes["/own"] = Route(page("Officials agree on the exchange list", 3))
        outlet.routes["/own2"] = Route(page("Never fetched under another name", 4))
        outlet.routes["/hop"] = redirect(internal.url("/internal"))
        outlet.routes["/hop-name"] = redirect(localhost_internal)
        outlet.routes["/to-file"] = redirect("file:///etc/passwd")
        declared_host = f"localhost:{declared.server_address[1]}"
        sources = [SourceConfig(id="outlet", name="Outlet", url=outlet.url("/feed.xml"), allowed_hosts=[declared_host])]
        cfg = loopback_config(config, db_path, sources, timeout=3.0, retry_times=0)
        summary = crawl(cfg, force=True, progress=lambda line: None)
        yield {
            "db": db_path,
            "summary": summary,
            "outlet": outlet,
            "internal": internal,
            "declared": declared,
            "fetches": fetches(db_path),
        }


def test_the_internal_service_is_never_contacted(ssrf):
    assert ssrf["internal"].hits == []
    titles = {row["title"] for row in stored(ssrf["db"], "SELECT title FROM articles")}
    assert titles == {"Own article", "Declared partner"}  # (the feed's titles)


def test_a_declared_host_is_fetched(ssrf):
    assert ssrf["declared"].count("/partner") == 1
    assert ssrf["fetches"][ssrf["declared"].url("/partner").replace("127.0.0.1", "localhost")]["outcome"] == "new"


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("internal", "refused: port"),  # another port of the same host
        ("own2", "refused: port"),  # a declared host name, on another port
        ("own3", "refused: metadata.internal is not outlet's site"),  # another host
        ("meta-data", "refused: 169.254.169.254 is not outlet's site"),
        ("hop", "refused: port"),  # through a redirect
        ("hop-name", "refused: port"),  # localhost is declared, but on another port
        ("to-file", "refused: HTTP 302 redirect to a file: URL"),
    ],
)
def test_each_refusal_is_a_fetch_row_with_its_reason(ssrf, path, reason):
    rows = [row for url, row in ssrf["fetches"].items() if url.endswith("/" + path)]
    assert rows, f"no fetch recorded for /{path}"
    row = rows[-1]
    assert row["outcome"] == "error" and row["error"].startswith(reason), row["error"]
    assert "\n" not in row["error"]
    if path.startswith("hop"):
        assert "(redirected to http://" in row["error"] and row["final_url"].endswith("/internal")
    assert "client error" not in row["error"]


def test_a_source_may_not_reach_loopback_without_saying_so(tmp_path, config):
    """By literal address (checked before connecting) and by a name that resolves to it (checked on the
    resolved address, the one connected to)."""
    db_path = str(tmp_path / "store.db")
    with LoopbackServer() as server:
        server.routes["/feed.xml"] = Route(rss([(server.url("/a"), "A")]), headers=FEED)
        by_name = server.url("/feed.xml").replace("127.0.0.1", "localhost")
        sources = [
            SourceConfig(id="literal", name="Literal", url=server.url("/feed.xml")),
            SourceConfig(id="named", name="Named", url=by_name),
        ]
        cfg = loopback_config(config, db_path, sources, timeout=3.0, retry_times=0)
        # loopback_config lets its sources reach loopback: take that back for this test
        cfg = cfg.with_sources([s.model_copy(update={"allow_private_addresses": False}) for s in cfg.sources])
        crawl(cfg, force=True, progress=lambda line: None)
        assert server.hits == []
    rows = fetches(db_path)
    assert rows[server.url("/feed.xml")]["error"].startswith("refused: 127.0.0.1 is a loopback address")
    assert rows[by_name]["error"].startswith("refused: localhost resolves to 127.0.0.1, a loopback address")
    health = {row["id"]: row for row in stored(db_path, "SELECT id, last_error FROM sources")}
    assert health["named"]["last_error"].startswith("refused: localhost resolves to")


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://www.example.org/a", True),
        ("http://example.org/a", True),  # with or without www.
        ("https://news.example.org/a", True),  # a subdomain
        ("https://cdn.partner.net/a", True),  # a declared host's subdomain
        ("http://partner.net:8080/a", False),  # a port nobody declared
        ("http://evil.example/a", False),
        ("http://example.org.evil.example/a", False),
        ("http://169.254.169.254/latest/meta-data/", False),
        ("http://[::ffff:127.0.0.1]/", False),
        ("file:///etc/passwd", False),
        ("gopher://example.org/", False),
    ],
)
def test_scope_rules(url, allowed):
    from onrecord.crawlers.scope import Refused, check_request

    source = SourceConfig(id="s", name="S", url="https://www.example.org/feed", allowed_hosts=["Partner.net"])
    try:
        check_request(url, source)
        refused = None
    except Refused as exc:
        refused = str(exc)
    assert (refused is None) == allowed, refused


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("10.1.2.3", "private"),
        ("192.168.0.1", "private"),
        ("169.254.169.254", "link-local (cloud metadata)"),
        ("100.64.0.1", "non-public"),  # shared (carrier-grade NAT)
        ("0.0.0.0", "unspecified"),
        ("::1", "loopback"),
        ("fd00:ec2::254", "private"),
        ("::ffff:10.0.0.1", "private"),
        ("93.184.216.34", None),
        ("2606:2800:220:1:248:1893:25c8:1946", None),
    ],
)
def test_internal_addresses(address, kind):
    from onrecord.crawlers.scope import address_kind

    assert address_kind(address) == kind


def test_allowed_hosts_are_host_names():
    from onrecord.core.config import config_from_dict
    from onrecord.core.errors import ConfigError

    bad = {"sources": [{"id": "s", "name": "S", "url": "https://example.org/f", "allowed_hosts": ["https://x.org/"]}]}
    with pytest.raises(
        ConfigError, match=r"sources\[0\]\.allowed_hosts: expected a host such as .* got 'https://x.org/'"
    ):
        config_from_dict(bad)


# -- broken links, bad bytes, NUL -------------------------------------------------------------------------------


CYRILLIC_TITLES = [
    "Песков заявил о передаче списков для обмена",
    "В Минобороны России сообщили о возвращении военнослужащих",
    "Зеленский прокомментировал ход переговоров в Стамбуле",
]


@pytest.fixture(scope="module")
def hostile_feed(tmp_path_factory, config):
    """One pass over a feed with broken entry links among good ones, and a Cyrillic feed with one bad byte;
    then a second pass, to see whether the feed with skipped entries is asked for conditionally."""
    db_path = str(tmp_path_factory.mktemp("hostile") / "store.db")
    with LoopbackServer() as server:
        entries = [
            (server.url("/first"), "First good entry"),
            ("http://127.0.0.1:99999/port", "Port out of range"),
            ("http://[::1/unclosed", "IPv6 literal, unclosed"),
            ("http://[fe80::1%25en0]:99999/zone", "IPv6 literal with a zone and a bad port"),
            (server.url("/second"), "Second good entry"),
        ]
        server.routes["/links.xml"] = Route(rss(entries), headers=FEED, etag='"links-v1"')
        server.routes["/first"] = Route(page("The first good entry arrives", 10))
        server.routes["/second"] = Route(page("The second good entry arrives", 11, extra="<p>Nul\x00here.</p>"))
        ru = rss([(server.url(f"/ru{i}"), title) for i, title in enumerate(CYRILLIC_TITLES)])
        ru = ru.replace("заявил".encode(), "зая".encode() + b"\xff" + "вил".encode(), 1)  # one invalid byte
        server.routes["/ru.xml"] = Route(ru, headers=FEED)
        for i in range(len(CYRILLIC_TITLES)):
            server.routes[f"/ru{i}"] = Route(page(f"Russian page {i}", 20 + i))
        sources = [
            SourceConfig(id="links", name="Links", url=server.url("/links.xml")),
            SourceConfig(id="ru", name="RU", url=server.url("/ru.xml"), language="ru"),
        ]
        cfg = loopback_config(config, db_path, sources, timeout=3.0, retry_times=0)
        first = crawl(cfg, force=True, progress=lambda line: None)
        rows_first = fetches(db_path)
        hits_before = len(server.hits)
        crawl(cfg, force=True, progress=lambda line: None)
        second_feed_hits = [h for p, h in server.hits[hits_before:] if p == "/links.xml"]
        config_path = Path(db_path).parent / "config.yaml"
        config_path.write_text(yaml.safe_dump(cfg.model_dump(mode="json")), encoding="utf-8")
        yield {
            "db": db_path,
            "first": first,
            "fetches": rows_first,
            "second_feed_hits": second_feed_hits,
            "config": config_path,
        }


def test_a_broken_link_costs_its_entry_only(hostile_feed):
    titles = {row["title"] for row in stored(hostile_feed["db"], "SELECT title FROM articles WHERE source = 'links'")}
    assert titles == {"First good entry", "Second good entry"}
    rows = hostile_feed["fetches"]
    assert rows["http://127.0.0.1:99999/port"]["error"] == "unusable link: Port out of range 0-65535"
    assert rows["http://[::1/unclosed"]["error"] == "unusable link: Invalid IPv6 URL"
    assert rows["http://[fe80::1%25en0]:99999/zone"]["error"].startswith("unusable link:")


def test_a_feed_with_skipped_entries_is_not_complete(hostile_feed):
    feed = next(row for url, row in hostile_feed["fetches"].items() if url.endswith("/links.xml"))
    assert feed["outcome"] == "partial" and "skipped 3 entries" in feed["error"]
    assert feed["etag"] is None  # so the next pass reads it whole instead of being told 304
    assert hostile_feed["second_feed_hits"] and all("If-None-Match" not in h for h in hostile_feed["second_feed_hits"])


def test_status_shows_the_incomplete_feed(hostile_feed):
    result = subprocess.run(
        [PY, "-m", "onrecord", "status", "--config", str(hostile_feed["config"]), "--db", hostile_feed["db"]],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    line = next(line for line in result.stdout.splitlines() if line.startswith("links"))
    assert "incomplete: skipped 3 entries" in line


def test_one_bad_byte_does_not_turn_a_cyrillic_feed_into_mojibake(hostile_feed):
    titles = sorted(
        row["title"] for row in stored(hostile_feed["db"], "SELECT title FROM articles WHERE source = 'ru'")
    )
    expected = sorted([CYRILLIC_TITLES[0].replace("заявил", "зая\ufffdвил"), *CYRILLIC_TITLES[1:]])
    assert titles == expected
    assert not any("Đ" in title for title in titles)


def test_nul_bytes_are_not_stored(hostile_feed):
    rows = stored(
        hostile_feed["db"], "SELECT title, text FROM articles WHERE instr(text, char(0)) OR instr(title, char(0))"
    )
    assert rows == []
    text = stored(hostile_feed["db"], "SELECT text FROM articles WHERE title = 'Second good entry'")[0]["text"]
    assert "Nulhere." in text


# -- a damaged signature row -----------------------------------------------------------------------------------


def test_a_damaged_signature_row_costs_that_row_only(tmp_path, config):
    db_path = str(tmp_path / "store.db")
    with LoopbackServer() as server:
        server.routes["/feed.xml"] = Route(rss([(server.url("/original"), "Original")]), headers=FEED)
        server.routes["/original"] = Route(page("Original report", 30))
        server.routes["/copy"] = Route(page("Copied report", 30))
        cfg = loopback_config(config, db_path, [SourceConfig(id="s", name="S", url=server.url("/feed.xml"))])
        crawl(cfg, force=True, progress=lambda line: None)
        db = open_store(db_path)
        db.execute("UPDATE article_minhash SET signature = x'0102030405'")  # a damaged row, its bands intact
        db.conn.commit()
        db.conn.close()
        server.routes["/feed.xml"] = Route(rss([(server.url("/copy"), "Copy")]), headers=FEED)
        lines: list[str] = []
        summary = crawl(cfg, force=True, progress=lines.append)
    assert summary.total("new") == 1, lines  # stored; its near-duplicate could not be compared
    warnings = [line for line in lines if "damaged signature" in line]
    assert len(warnings) == 1 and "Traceback" not in "\n".join(lines)


def test_the_upgrade_step_computes_the_same_bands_as_the_crawl(tmp_path):
    """Upgrade step 013 computes the LSH bands of stored signatures in SQL; they must equal the ones the crawl
    writes for a new signature (storage.minhash.band_keys), or old articles would never be found again. A
    damaged signature gets no bands."""
    from crawl_helpers import article_text
    from onrecord.crawlers.dedup import signature, to_bytes
    from onrecord.storage import migrations
    from onrecord.storage.minhash import band_keys

    path = tmp_path / "store.db"
    old = open_store(path, migrate_schema=False)
    migrations.upgrade(old.conn, to=12)  # a store as version 12 made it: signatures, no bands
    expected = set()
    for seed in range(5):
        blob = to_bytes(signature("\n".join(article_text(seed))))
        old.execute("INSERT INTO article_minhash (article_id, signature) VALUES (?, ?)", [f"a{seed}", blob])
        expected |= {(band, key, f"a{seed}") for band, key in enumerate(band_keys(blob))}
    old.execute("INSERT INTO article_minhash (article_id, signature) VALUES ('damaged', x'0102')")
    old.conn.close()
    db = open_store(path)  # upgraded to the current version
    upgraded = set(db.execute("SELECT band, key, article_id FROM article_minhash_bands").fetchall())
    db.conn.close()
    assert len(expected) == 5 * 32 and upgraded == expected


# -- a full disk -----------------------------------------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path):
    disk = tmp_path / "disk"
    disk.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(disk)]).returncode:
        pytest.skip("needs root to mount a small tmpfs")
    yield disk
    subprocess.run(["umount", "-l", str(disk)], check=False)


@pytest.mark.slow
def test_a_full_disk_stops_the_crawl_with_one_line_and_a_summary(tmp_path, config, small_disk):
    db_path = str(small_disk / "store.db")
    count = 400
    with LoopbackServer() as server:
        server.routes["/feed.xml"] = Route(
            rss([(server.url(f"/p{i}"), f"Page {i}") for i in range(count)]), headers=FEED
        )
        for i in range(count):
            filler = "<p>" + "filler words " * 3000 + "</p>"
            server.routes[f"/p{i}"] = Route(page(f"Page {i}", 100 + i, extra=filler), delay=0.05)
        source = SourceConfig(id="s", name="S", url=server.url("/feed.xml"))
        cfg = loopback_config(config, db_path, [source], concurrent_requests=4, concurrent_per_domain=4)
        config_path = tmp_path / "config.yaml"
        config_path.write_text(yaml.safe_dump(cfg.model_dump(mode="json")), encoding="utf-8")
        result = subprocess.run(
            [PY, "-m", "onrecord", "crawl", "--config", str(config_path), "--force"],
            capture_output=True,
            text=True,
            timeout=300,
        )
        pages_fetched = sum(1 for path, _ in server.hits if path.startswith("/p"))
    output = result.stdout + result.stderr
    assert "Traceback" not in output, output[-3000:]
    full = [line for line in output.splitlines() if "store full" in line]
    assert len(full) == 1 and "stopping the crawl" in full[0], output[-3000:]
    assert "crawl:" in result.stdout  # the summary, counting what was stored
    stored_count = stored(db_path, "SELECT count(*) AS n FROM articles")[0]["n"]
    assert f"crawl: {stored_count} new articles" in result.stdout, result.stdout
    assert result.returncode == 1
    assert pages_fetched < count  # downloading stopped


# -- kill -9 of `onrecord crawl` -------------------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        children = (task / "children").read_text().split()
        out += [int(child) for child in children]
    return out


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    return state != "Z"


@pytest.mark.slow
def test_kill_9_of_onrecord_crawl_ends_its_crawler_child(tmp_path, config):
    with LoopbackServer() as server:
        server.routes["/feed.xml"] = Route(rss([(server.url("/slow"), "Slow")]), headers=FEED)
        server.routes["/slow"] = Route(page("Slow page", 40), delay=20)
        cfg = loopback_config(
            config, str(tmp_path / "store.db"), [SourceConfig(id="s", name="S", url=server.url("/feed.xml"))]
        )
        config_path = tmp_path / "config.yaml"
        config_path.write_text(yaml.safe_dump(cfg.model_dump(mode="json")), encoding="utf-8")
        cli = subprocess.Popen(
            [PY, "-m", "onrecord", "crawl", "--config", str(config_path), "--force"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while server.count("/slow") == 0 and time.monotonic() < deadline:  # the crawler child is mid-download
            time.sleep(0.1)
        assert server.count("/slow") == 1
        crawler = _children(cli.pid)
        assert crawler, "no crawler child"
        cli.send_signal(signal.SIGKILL)
        cli.wait()
        deadline = time.monotonic() + 5  # well inside the 20 s the slow page holds its download open
        while any(_alive(pid) for pid in crawler) and time.monotonic() < deadline:
            time.sleep(0.1)
        survivors = [pid for pid in crawler if _alive(pid)]
        for pid in survivors:
            os.kill(pid, signal.SIGKILL)
        assert survivors == []
