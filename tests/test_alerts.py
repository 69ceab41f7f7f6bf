"""Watchlists and immediate alerts over loopback: a real store, the timeline update that fills the outbox, and
delivery to a real SMTP server (aiosmtpd), a real webhook receiver (http.server in a thread) and the Atom feed of
a real `onrecord serve` read by feedparser. A kill -9 between sending and recording is a real child process
killing itself at that point (ONRECORD_TEST_KILL_AFTER_SEND)."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import signal
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

from conftest import REPO, free_port
from onrecord.alerts import deliver_pending
from onrecord.alerts.deliver import DELIVERY_HEADER, KILL_AFTER_SEND_ENV, SIGNATURE_HEADER, send_test
from onrecord.core.config import Config, SourceConfig, config_from_dict
from onrecord.core.errors import ConfigError
from onrecord.core.records import Article, Claim
from onrecord.storage.alerts import list_alerts
from onrecord.storage.articles import save_article
from onrecord.storage.claims import save_extraction
from onrecord.storage.db import open_store
from onrecord.storage.sources import sync_config
from onrecord.storage.timeline import rebuild_events, update_events

SECRET = "s3cret-for-tests"
SECRET_ENV = "ONRECORD_TEST_WEBHOOK_SECRET"
SOURCES = [
    SourceConfig(id="test-wire", name="Test Wire", url="http://127.0.0.1/wire.xml"),
    SourceConfig(id="test-kyiv", name="Kyiv Test Daily", url="http://127.0.0.1/kyiv.xml"),
]
TOPIC = "prisoner-exchange"

# (source, published, title, text, [(holder, speaker, claim_type, negated, target, evidence)])
RUSSIA_HANDS_OVER = (
    "test-wire",
    "2025-05-02",
    "Moscow says its list of prisoners is with Kyiv",
    "Moscow, May 2. Kremlin spokesman Dmitry Peskov said Russia had handed over its list of prisoners to Kyiv.",
    [("russia", "Dmitry Peskov", "list_submitted", False, "ukraine", "Russia had handed over its list of prisoners")],
)
UKRAINE_NOT_RECEIVED = (
    "test-kyiv",
    "2025-05-03",
    "Kyiv: no list from Moscow",
    "Kyiv, May 3. Ombudsman Dmytro Lubinets said Ukraine had not received any list from Russia.",
    [("ukraine", "Dmytro Lubinets", "list_received", True, "russia", "Ukraine had not received any list from Russia")],
)
UKRAINE_RECEIVED = (
    "test-kyiv",
    "2025-05-06",
    "Kyiv confirms Moscow's list",
    "Kyiv, May 6. Dmytro Lubinets said Ukraine had now received the list from Russia.",
    [("ukraine", "Dmytro Lubinets", "list_received", False, "russia", "Ukraine had now received the list")],
)


def make_config(base: Config, watchlists: list[dict], **digest: object) -> Config:
    data = base.with_sources(SOURCES).model_dump(mode="json", exclude_none=True)
    data["watchlists"] = watchlists
    data["digest"].update(digest)
    return config_from_dict(data)


def add_article(db, article_spec) -> None:
    source, published, title, text, claims = article_spec
    article = Article.create(
        url=f"http://127.0.0.1/{source}/{published}.html",
        source=source,
        title=title,
        text=text,
        published=published,
        language="en",
    )
    save_article(db, article)
    records = []
    for holder, speaker, claim_type, negated, target, evidence in claims:
        start = text.index(evidence)
        records.append(
            Claim(
                article_id=article.id,
                topic=TOPIC,
                holder=holder,
                speaker=speaker,
                claim_type=claim_type,
                negated=negated,
                target=target,
                claim_date=published,
                evidence=evidence,
                start=start,
                end=start + len(evidence),
                source=source,
                confidence=0.9,
                extractor_version="test",
            )
        )
    save_extraction(db, article.id, records, "test")


class Receiver:
    """A webhook receiver on loopback: keeps every POST; answers 500 to the first `fail` of them."""

    def __init__(self, fail: int = 0):
        self.requests: list[dict] = []
        self.fail = fail
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                status = 500 if receiver.fail else 204
                receiver.fail = max(0, receiver.fail - 1)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def on(self, path: str) -> list[dict]:
        return [r for r in self.requests if r["path"] == path]

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def webhook(url: str, **extra) -> dict:
    return {"webhook": {"url": url, "secret_env": SECRET_ENV, **extra}, "atom": True}


ENV = {SECRET_ENV: SECRET}


def payload(request: dict) -> dict:
    """The JSON of a webhook request, after checking its HMAC-SHA256 signature."""
    expected = "sha256=" + hmac.new(SECRET.encode(), request["body"], hashlib.sha256).hexdigest()
    assert hmac.compare_digest(request["headers"][SIGNATURE_HEADER], expected)
    return json.loads(request["body"])


def at(minutes: float, start: datetime) -> str:
    return (start + timedelta(minutes=minutes)).replace(microsecond=0).isoformat()


@pytest.fixture
def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def test_one_alert_per_change_per_watchlist_and_none_for_a_watchlist_matching_nothing(tmp_path, config, now):
    with Receiver() as receiver:
        cfg = make_config(
            config,
            [
                {"id": "everything", "delivery": webhook(receiver.url("/everything"))},
                {
                    "id": "russia-new",
                    "parties": ["russia"],
                    "kinds": ["new"],
                    "delivery": webhook(receiver.url("/russia")),
                },
                {"id": "reversals", "kinds": ["reversal"], "delivery": webhook(receiver.url("/nothing"))},
            ],
        )
        db = open_store(tmp_path / "store.db")
        sync_config(db, cfg)
        add_article(db, RUSSIA_HANDS_OVER)
        add_article(db, UKRAINE_NOT_RECEIVED)
        update_events(db, cfg)
        changes = db.execute("SELECT id, holder, kind FROM changes").fetchall()
        pairs = db.execute("SELECT id FROM contradiction_pairs").fetchall()
        assert changes and pairs  # the store found something to alert on
        everything = list_alerts(db, watchlist="everything")
        assert sorted(a["ref"] for a in everything) == sorted(
            [f"change:{c[0]}" for c in changes] + [f"contradiction:{p[0]}" for p in pairs]
        )
        russia = list_alerts(db, watchlist="russia-new")
        assert sorted(a["ref"] for a in russia) == sorted(
            f"change:{c[0]}" for c in changes if c[1] == "russia" and c[2] == "new"
        )
        assert list_alerts(db, watchlist="reversals") == []

        # Re-deriving the whole timeline (and updating again) finds the same changes: no second alert.
        rebuild_events(db, cfg)
        update_events(db, cfg)
        assert len(list_alerts(db, watchlist="everything")) == len(everything)

        run = deliver_pending(cfg, db, str(tmp_path / "store.db"), now=at(0, now), environ=ENV)
        assert run.sent == 2 and run.failed == 0
        assert len(receiver.on("/everything")) == 1 and len(receiver.on("/russia")) == 1
        assert receiver.on("/nothing") == []
        sent = payload(receiver.on("/everything")[0])
        assert sent["watchlist"] == "everything" and len(sent["alerts"]) == len(everything)
        texts = "\n".join(a["text"] for a in sent["alerts"])
        assert "Russia had handed over its list of prisoners" in texts and "Dmitry Peskov" in texts
        assert "Test Wire" in texts and "http://127.0.0.1/test-wire/2025-05-02.html" in texts
        assert {a["status"] for a in list_alerts(db)} == {"sent"}

        # Nothing new: a later run sends nothing, however late.
        run = deliver_pending(cfg, db, str(tmp_path / "store.db"), now=at(60, now), environ=ENV)
        assert run.sent == 0 and len(receiver.requests) == 2
        db.conn.close()


def test_email_quotes_evidence_speaker_outlets_and_link(tmp_path, config, smtp_server, now):
    cfg = make_config(
        config,
        [{"id": "kyiv", "parties": ["ukraine"], "delivery": {"email": ["Researcher <r@example.org>"]}}],
        smtp={"host": "127.0.0.1", "port": smtp_server.port, "security": "none"},
        datasette_url="http://127.0.0.1:8001/onrecord",
    )
    db = open_store(tmp_path / "store.db")
    sync_config(db, cfg)
    add_article(db, UKRAINE_NOT_RECEIVED)
    update_events(db, cfg)
    run = deliver_pending(cfg, db, str(tmp_path / "store.db"), now=at(0, now), environ={})
    assert run.sent == 1
    assert len(smtp_server.messages) == 1
    _, rcpts, message = smtp_server.messages[0]
    assert rcpts == ["r@example.org"]
    text = message.get_content()
    assert "Ukraine has not received Russia's list" in message["Subject"]
    assert '"Ukraine had not received any list from Russia"' in text
    assert "Dmytro Lubinets" in text and "Kyiv Test Daily" in text
    assert "http://127.0.0.1/test-kyiv/2025-05-03.html" in text
    assert "http://127.0.0.1:8001/onrecord/events/" in text
    db.conn.close()


def test_a_burst_is_grouped_into_one_message_per_window(tmp_path, config, now):
    with Receiver() as receiver:
        cfg = make_config(config, [{"id": "all", "group_window": "10m", "delivery": webhook(receiver.url("/all"))}])
        path = str(tmp_path / "store.db")
        db = open_store(path)
        sync_config(db, cfg)
        add_article(db, RUSSIA_HANDS_OVER)
        update_events(db, cfg)
        assert deliver_pending(cfg, db, path, now=at(0, now), environ=ENV).sent == 1  # the first goes at once
        first = payload(receiver.requests[0])["alerts"]

        add_article(db, UKRAINE_NOT_RECEIVED)
        update_events(db, cfg)
        run = deliver_pending(cfg, db, path, now=at(1, now), environ=ENV)
        assert run.sent == 0 and run.waiting == 1  # within the window: held back
        add_article(db, UKRAINE_RECEIVED)
        update_events(db, cfg)
        assert deliver_pending(cfg, db, path, now=at(9, now), environ=ENV).sent == 0
        assert len(receiver.requests) == 1

        held = [a for a in list_alerts(db) if a["status"] == "pending"]
        assert len(held) >= 2  # two updates' alerts wait together
        assert deliver_pending(cfg, db, path, now=at(10.5, now), environ=ENV).sent == 1
        assert len(receiver.requests) == 2
        second = payload(receiver.requests[1])["alerts"]
        assert sorted(a["id"] for a in second) == sorted(a["id"] for a in held)
        assert not {a["id"] for a in first} & {a["id"] for a in second}
        assert {a["status"] for a in list_alerts(db)} == {"sent"}
        db.conn.close()


def test_a_failing_receiver_is_retried_with_back_off_then_the_message_goes_once(tmp_path, config, now):
    with Receiver(fail=2) as receiver:
        hook = webhook(receiver.url("/flaky"), retries=3, retry_backoff="30s")
        cfg = make_config(config, [{"id": "flaky", "delivery": hook}])
        path = str(tmp_path / "store.db")
        db = open_store(path)
        sync_config(db, cfg)
        add_article(db, RUSSIA_HANDS_OVER)
        update_events(db, cfg)

        run = deliver_pending(cfg, db, path, now=at(0, now), environ=ENV)
        assert (run.sent, run.retrying) == (0, 1) and len(receiver.requests) == 1
        message = db.execute("SELECT status, attempts, next_attempt_at FROM alert_messages").fetchone()
        assert message[:2] == ("retry", 1) and message[2] == at(0.5, now)  # back-off 30 s
        assert deliver_pending(cfg, db, path, now=at(0.4, now), environ=ENV).waiting == 1  # not yet
        assert len(receiver.requests) == 1

        assert deliver_pending(cfg, db, path, now=at(0.5, now), environ=ENV).retrying == 1  # second attempt fails
        assert db.execute("SELECT next_attempt_at FROM alert_messages").fetchone()[0] == at(1.5, now)  # 60 s
        assert deliver_pending(cfg, db, path, now=at(1.5, now), environ=ENV).sent == 1  # third attempt goes
        assert len(receiver.requests) == 3
        keys = {r["headers"][DELIVERY_HEADER] for r in receiver.requests}
        assert len(keys) == 1  # every attempt is the same message: a receiver can tell a resend
        assert db.execute("SELECT status, attempts FROM alert_messages").fetchone() == ("sent", 3)
        assert deliver_pending(cfg, db, path, now=at(30, now), environ=ENV).sent == 0
        assert len(receiver.requests) == 3
        db.conn.close()


def test_a_message_failing_past_its_retries_is_failed_and_listed(tmp_path, config, now):
    with Receiver(fail=100) as receiver:
        cfg = make_config(config, [{"id": "down", "delivery": webhook(receiver.url("/down"), retries=1)}])
        path = str(tmp_path / "store.db")
        db = open_store(path)
        sync_config(db, cfg)
        add_article(db, RUSSIA_HANDS_OVER)
        update_events(db, cfg)
        deliver_pending(cfg, db, path, now=at(0, now), environ=ENV)
        assert deliver_pending(cfg, db, path, now=at(1, now), environ=ENV).failed == 1
        assert deliver_pending(cfg, db, path, now=at(60, now), environ=ENV).sent == 0
        assert len(receiver.requests) == 2
        failed = list_alerts(db, status="failed")
        assert failed and "HTTP 500" in failed[0]["error"]
        db.conn.close()


def write_config(path: Path, cfg: Config) -> Path:
    path.write_text(yaml.safe_dump(cfg.model_dump(mode="json", exclude_none=True), allow_unicode=True))
    return path


def onrecord(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "onrecord", "-q", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, **ENV, **(env or {})},
        timeout=120,
    )


def test_kill_9_between_sending_and_recording_never_sends_twice(tmp_path, config):
    """At most once: the message is marked `sending` and committed before the POST; a process killed after the
    POST and before recording leaves it so, and the next run fails it as interrupted instead of sending it again."""
    with Receiver() as receiver:
        cfg = make_config(config, [{"id": "once", "delivery": webhook(receiver.url("/once"))}])
        cfg = cfg.with_storage_path(str(tmp_path / "store.db"))
        config_file = write_config(tmp_path / "config.yaml", cfg)
        db = open_store(tmp_path / "store.db")
        sync_config(db, cfg)
        add_article(db, RUSSIA_HANDS_OVER)
        update_events(db, cfg)
        db.conn.close()
        common = ("--config", str(config_file), "--db", str(tmp_path / "store.db"))

        killed = onrecord("alerts", "--deliver", *common, env={KILL_AFTER_SEND_ENV: "1"})
        assert killed.returncode == -signal.SIGKILL, killed.stderr
        assert len(receiver.requests) == 1  # it was sent, and the process died before recording that

        again = onrecord("alerts", "--deliver", "--json", *common)
        assert again.returncode == 0, again.stderr
        assert json.loads(again.stdout)["interrupted"] == 1
        assert len(receiver.requests) == 1  # not sent a second time

        listed = onrecord("alerts", "--json", *common)
        rows = json.loads(listed.stdout)
        assert [r["status"] for r in rows] == ["failed"] * len(rows) and "interrupted" in rows[0]["error"]
        failed = onrecord("alerts", "--status", "failed", *common)
        assert "once" in failed.stdout and "interrupted" in failed.stdout


def test_test_alert_goes_by_each_channel_and_is_not_recorded(tmp_path, config, smtp_server):
    with Receiver() as receiver:
        cfg = make_config(
            config,
            [
                {
                    "id": "probe",
                    "topics": [TOPIC],
                    "parties": ["russia"],
                    "delivery": {"email": ["r@example.org"], **webhook(receiver.url("/probe"))},
                }
            ],
            smtp={"host": "127.0.0.1", "port": smtp_server.port, "security": "none"},
        )
        assert send_test(cfg, cfg.watchlists[0], ENV) == {"email": "sent", "webhook": "sent"}
        assert len(receiver.requests) == 1 and len(smtp_server.messages) == 1
        assert "test alert of watchlist probe" in payload(receiver.requests[0])["alerts"][0]["text"]
        assert send_test(cfg, cfg.watchlists[0], {})["webhook"].startswith("failed: environment variable")


def test_watchlist_references_are_checked(config):
    with pytest.raises(ConfigError, match=r"watchlists\[0\]\.parties\[0\]: unknown party 'atlantis'"):
        make_config(config, [{"id": "x", "parties": ["atlantis"]}])
    with pytest.raises(ConfigError, match=r"watchlists\[0\]\.claim_types\[1\]: unknown claim type"):
        make_config(config, [{"id": "x", "claim_types": ["list_submitted", "nope"]}])
    with pytest.raises(ConfigError, match=r"watchlists: duplicate id 'x'"):
        make_config(config, [{"id": "x"}, {"id": "x"}])
    with pytest.raises(ConfigError, match=r"group_window"):
        make_config(config, [{"id": "x", "group_window": "soon"}])


@pytest.mark.slow
def test_atom_feed_served_by_onrecord_serve_reads_in_feedparser(tmp_path, config):
    import feedparser

    from test_serve_datasette import get, start_server, stop_server

    cfg = make_config(
        config,
        [
            {"id": "feed", "delivery": {"atom": True}},
            {"id": "quiet", "kinds": ["reversal"], "delivery": {"atom": True}},
        ],
    ).with_storage_path(str(tmp_path / "onrecord.db"))
    config_file = write_config(tmp_path / "config.yaml", cfg)
    db = open_store(tmp_path / "onrecord.db")
    sync_config(db, cfg)
    add_article(db, RUSSIA_HANDS_OVER)
    add_article(db, UKRAINE_NOT_RECEIVED)
    update_events(db, cfg)
    alerts = list_alerts(db, watchlist="feed")
    db.conn.close()
    assert alerts
    port = free_port()
    server = start_server(
        [
            sys.executable,
            "-m",
            "onrecord",
            "serve",
            "--config",
            str(config_file),
            "--db",
            str(tmp_path / "onrecord.db"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        port,
        tmp_path / "server.log",
    )
    try:
        status, body = get(f"http://127.0.0.1:{port}/-/onrecord-alerts/feed.atom")
        assert status == 200
        feed = feedparser.parse(body)
        assert not feed.bozo, feed.get("bozo_exception")
        assert feed.version == "atom10"
        assert len(feed.entries) == len(alerts)
        summaries = "\n".join(e.summary for e in feed.entries)
        assert "Russia had handed over its list of prisoners" in summaries and "Dmytro Lubinets" in summaries
        assert len({e.id for e in feed.entries}) == len(alerts)
        assert any(e.link == "http://127.0.0.1/test-wire/2025-05-02.html" for e in feed.entries)

        status, body = get(f"http://127.0.0.1:{port}/-/onrecord-alerts/quiet.atom")
        quiet = feedparser.parse(body)
        assert status == 200 and not quiet.bozo and quiet.entries == []
        assert get(f"http://127.0.0.1:{port}/-/onrecord-alerts/unknown.atom")[0] == 404
    finally:
        stop_server(server)


PESKOV_PAGE = (
    "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Kremlin says list handed over</title></head>"
    "<body><article><h1>Kremlin says Russia handed over its list</h1><time datetime='2025-05-23'>23 May 2025</time>"
    "<p>Moscow, 23 May. Kremlin spokesman Dmitry Peskov said on Friday that Russia had handed over its list of "
    "prisoners for the exchange to Kyiv. Peskov told reporters in Moscow that the verification of names would "
    "take several days.</p><p>The exchange was agreed at the talks in Istanbul, where the delegations discussed a "
    "swap of a thousand prisoners of war on each side. Officials said the families of the prisoners had been told "
    "to expect news within the week.</p></article></body></html>"
)


class Site:
    """A feed and one article on loopback."""

    def __init__(self):
        pages: dict[str, tuple[bytes, str]] = {}

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                body, kind = pages.get(self.path, (b"not found", "text/plain"))
                self.send_response(200 if self.path in pages else 404)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.feed = f"{base}/feed.xml"
        pages["/robots.txt"] = (b"User-agent: *\nAllow: /\n", "text/plain")
        pages["/news/list.html"] = (PESKOV_PAGE.encode(), "text/html; charset=utf-8")
        pages["/feed.xml"] = (
            (
                "<?xml version='1.0'?><rss version='2.0'><channel><title>Wire</title><item><title>Kremlin says "
                f"Russia handed over its list</title><link>{base}/news/list.html</link>"
                "<pubDate>Fri, 23 May 2025 10:00:00 GMT</pubDate></item></channel></rss>"
            ).encode(),
            "application/rss+xml",
        )
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.slow
def test_the_daemon_delivers_after_the_update_that_found_the_change(tmp_path, config):
    """`onrecord run --once`: crawl child, extraction task child (timeline update fills the outbox, then delivers)."""
    site = Site()
    try:
        with Receiver() as receiver:
            data = config.model_dump(mode="json", exclude_none=True)
            data["crawl"].update({"download_delay": 0, "autothrottle": False})
            data["sources"] = [
                {"id": "wire", "name": "Loopback Wire", "url": site.feed, "allow_private_addresses": True}
            ]
            data["watchlists"] = [
                {"id": "russia", "parties": ["russia"], "delivery": webhook(receiver.url("/russia"))},
                {"id": "reversals", "kinds": ["reversal"], "delivery": webhook(receiver.url("/nothing"))},
            ]
            (tmp_path / "config.yaml").write_text(yaml.safe_dump(data, allow_unicode=True))
            common = ("--config", str(tmp_path / "config.yaml"), "--db", str(tmp_path / "store.db"))
            done = onrecord("run", "--once", *common)
            assert done.returncode == 0, done.stderr
            assert len(receiver.on("/russia")) == 1 and receiver.on("/nothing") == []
            alerts = payload(receiver.on("/russia")[0])["alerts"]
            assert alerts and all(a["sides"][0]["party"] == "Russia" for a in alerts)
            assert any("handed over its list of prisoners" in a["text"] for a in alerts)
            assert any("Loopback Wire" in a["text"] and "/news/list.html" in a["text"] for a in alerts)

            again = onrecord("run", "--once", *common)  # nothing new: nothing sent
            assert again.returncode == 0, again.stderr
            assert len(receiver.requests) == 1
    finally:
        site.close()


def test_email_without_an_smtp_host_fails_the_attempt_and_says_why(tmp_path, config, now):
    cfg = make_config(config, [{"id": "mail", "delivery": {"email": ["r@example.org"]}}], retries=0)
    path = str(tmp_path / "store.db")
    db = open_store(path)
    sync_config(db, cfg)
    add_article(db, RUSSIA_HANDS_OVER)
    update_events(db, cfg)
    assert deliver_pending(cfg, db, path, now=at(0, now), environ={}).failed == 1
    assert "digest.smtp.host is not set" in list_alerts(db, status="failed")[0]["error"]
    assert db.execute("SELECT id, enabled FROM watchlists").fetchall() == [("mail", 1)]
    db.conn.close()
