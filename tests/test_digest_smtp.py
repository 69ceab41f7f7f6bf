"""The digest end to end: a real store (articles, claims, timeline) -> build -> a real SMTP server on loopback."""

from __future__ import annotations

import email
import logging
from datetime import UTC, datetime
from email import policy
from pathlib import Path

import pytest
import yaml

from conftest import free_port
from onrecord.cli import main
from onrecord.core.records import Article, Claim
from onrecord.digest import build_digest, send_daily
from onrecord.digest.record import history
from onrecord.storage.articles import save_article
from onrecord.storage.claims import save_extraction
from onrecord.storage.timeline import update_events

REPO = Path(__file__).resolve().parent.parent
UTC = UTC
TOPIC = "prisoner-exchange"
NOW = datetime(2025, 6, 12, 7, 5, tzinfo=UTC)  # daily period [2025-06-11 07:00, 2025-06-12 07:00) UTC
HOSTILE_TITLE = "Kremlin: list <script>alert('pwned')</script> received </td></tr></table><b>bold"
HOSTILE_EVIDENCE = "Lubinets accused Russia of dragging out the exchange </td><td>on purpose."

# (source, published, fetched_at, title, [(holder, claim_type, negated, target, speaker, evidence, confidence)])
ARTICLES = [
    (
        "ukrinform-en",
        "2025-06-01",
        "2025-06-01T09:00:00+00:00",
        "Kyiv calls for Red Cross access",
        [
            (
                "ukraine",
                "demand",
                False,
                "russia",
                "Dmytro Lubinets",
                "Lubinets called on Russia to grant the ICRC access to the prisoners.",
                0.8,
            )
        ],
    ),
    (
        "interfax-en",
        "2025-06-05",
        "2025-06-05T09:00:00+00:00",
        "Moscow reaffirms the swap",
        [
            (
                "russia",
                "commitment",
                False,
                None,
                "Dmitry Peskov",
                "Peskov said Russia remained committed to the agreed exchange.",
                0.8,
            )
        ],
    ),
    (
        "interfax-en",
        "2025-06-10",
        "2025-06-10T12:00:00+00:00",
        "Moscow still waits for Kyiv's list",
        [
            (
                "russia",
                "list_received",
                True,
                "ukraine",
                "Dmitry Peskov",
                "Peskov said Moscow had not yet received Kyiv's list.",
                0.8,
            )
        ],
    ),
    (
        "tass-en",
        "2025-06-11",
        "2025-06-11T10:00:00+00:00",
        HOSTILE_TITLE,
        [
            (
                "russia",
                "list_received",
                False,
                "ukraine",
                "Dmitry Peskov",
                '"Yes, it has been received now," Peskov said of the list from Kyiv.',
                0.9,
            ),
            (
                "russia",
                "list_submitted",
                False,
                "ukraine",
                "Dmitry Peskov",
                "Peskov added that Moscow had handed over its own list of 500 names.",
                0.9,
            ),
            (
                "russia",
                "rejection",
                False,
                "ukraine",
                "Dmitry Peskov",
                "He said Moscow rejected Kyiv's proposal of an all-for-all swap.",
                0.9,
            ),
        ],
    ),
    (
        "interfax-en",
        "2025-06-11",
        "2025-06-11T11:00:00+00:00",
        "Peskov confirms the list arrived",
        [
            (
                "russia",
                "list_received",
                False,
                "ukraine",
                "Dmitry Peskov",
                "The Kremlin spokesman confirmed that the list from Kyiv had arrived.",
                0.7,
            )
        ],
    ),
    (
        "ukrinform-en",
        "2025-06-11",
        "2025-06-11T12:00:00+00:00",
        "Ombudsman: Russia drags out the swap",
        [
            ("ukraine", "accusation", False, "russia", "Dmytro Lubinets", HOSTILE_EVIDENCE, 0.8),
            (
                "ukraine",
                "list_received",
                True,
                "russia",
                "Petro Yatsenko",
                "Yatsenko said Ukraine had not received any list from Russia so far.",
                0.8,
            ),
        ],
    ),
    (
        "ukrinform-en",
        "2025-06-11",
        "2025-06-11T13:00:00+00:00",
        "Kyiv repeats its call for access",
        [
            (
                "ukraine",
                "demand",
                False,
                "russia",
                "Dmytro Lubinets",
                "Lubinets again urged Russia to let the Red Cross see the prisoners.",
                0.8,
            )
        ],
    ),
]


def seed_store(db, config) -> None:
    """Articles and claims written here, folded into the timeline by the real update_events."""
    for index, (source, published, fetched, title, claims) in enumerate(ARTICLES):
        sentences = [c[5] for c in claims]
        text = f"Report number {index} on the prisoner exchange. " + " ".join(sentences) + " The talks go on."
        article = Article.create(
            url=f"https://news.example.org/{source}/{index}",
            source=source,
            title=title,
            text=text,
            published=published,
            fetched_at=fetched,
            language="en",
        )
        save_article(db, article)
        rows = []
        for holder, claim_type, negated, target, speaker, evidence, confidence in claims:
            start = text.index(evidence)
            rows.append(
                Claim(
                    article_id=article.id,
                    topic=TOPIC,
                    holder=holder,
                    claim_type=claim_type,
                    negated=negated,
                    evidence=evidence,
                    start=start,
                    end=start + len(evidence),
                    claim_date=published,
                    speaker=speaker,
                    target=target,
                    source=source,
                    confidence=confidence,
                    extractor_version="test",
                )
            )
        save_extraction(db, article.id, rows, "test")
    update_events(db, config)


def digest_config(config, port: int, **digest):
    """The repo config with a loopback SMTP server, UTC, quick retries."""
    smtp = config.digest.smtp.model_copy(
        update={
            "host": "127.0.0.1",
            "port": port,
            "security": "none",
            "sender": "onrecord <digest@onrecord.test>",
            "timeout": 5,
        }
    )
    values = {
        "smtp": smtp,
        "timezone": "UTC",
        "send_at": "07:00",
        "retries": 2,
        "retry_backoff": 0.01,
        "recipients": {TOPIC: ["Analyst <analyst@example.org>", "desk@example.org"]},
        "datasette_url": "http://127.0.0.1:8001/store",
    } | digest
    return config.model_copy(update={"digest": config.digest.model_copy(update=values)})


@pytest.fixture
def seeded(store, config):
    seed_store(store, config)
    return store


def parts(message):
    """The plain-text and HTML parts, with line ends normalised (SMTP delivers CRLF)."""
    return tuple(message.get_body((kind,)).get_content().replace("\r\n", "\n") for kind in ("plain", "html"))


def test_daily_digest_is_received_with_both_parts_headers_and_escaping(seeded, config, smtp_server):
    cfg = digest_config(config, smtp_server.port)
    results = send_daily(cfg, seeded, now=NOW)
    assert [r.status for r in results] == ["sent"]
    assert len(smtp_server.messages) == 1
    mail_from, rcpts, message = smtp_server.messages[0]
    assert mail_from == "digest@onrecord.test"
    assert sorted(rcpts) == ["analyst@example.org", "desk@example.org"]
    text, html = parts(message)

    # Headers: summary subject, list id, the Message-ID that was recorded.
    assert message["Subject"].startswith(
        f"[onrecord {TOPIC}] 12 Jun 2025: 5 changes: Russia rejected the proposal; 1 new claim"
    )
    assert "1 contradiction" in message["Subject"]
    assert message["List-Id"] == cfg.digest.list_id
    record = history(seeded)[0]
    assert record["status"] == "sent" and record["message_id"] == message["Message-ID"] == results[0].message_id
    assert record["period_start"] == "2025-06-11T07:00:00+00:00" and record["period_end"] == "2025-06-12T07:00:00+00:00"

    # Text: sections in order; the flip shows from -> to with its outlets and corroboration.
    assert text.index("POSITION CHANGES (5)") < text.index("NEW CLAIMS BY PARTY (1)") < text.index("CONTRADICTIONS (1)")
    assert text.index("from: stands by the process\n   to:   rejected the proposal") < text.index("to:   received")
    assert "from: has not received Ukraine's list\n   to:   received Ukraine's list" in text
    assert "Reported by 2 outlets: Interfax (English), TASS (English)" in text
    assert "http://127.0.0.1:8001/store/events/" in text
    # The day-before statement is outside the period.
    assert "had not yet received Kyiv's list" not in text

    # HTML: every piece of article text is text, never markup; no scripts, no remote assets.
    assert "<script" not in html.lower()
    assert "&lt;script&gt;alert(&#39;pwned&#39;)&lt;/script&gt;" in html
    assert "&lt;/td&gt;&lt;/tr&gt;&lt;/table&gt;&lt;b&gt;bold" in html
    assert "&lt;/td&gt;&lt;td&gt;on purpose." in html
    assert "<img" not in html and "<link" not in html and "@import" not in html


def test_changes_come_in_date_order_then_new_claims_then_contradictions(seeded, config):
    cfg = digest_config(config, 25)
    digest = build_digest(cfg, seeded, datetime(2025, 6, 10, tzinfo=UTC), datetime(2025, 6, 12, tzinfo=UTC), TOPIC)
    changes = digest.changes
    # Date order; within a day turnarounds (reversal, flipped negation) before first positions.
    assert [(c.date, c.holder, c.kind) for c in changes] == [
        ("2025-06-10", "russia", "new"),
        ("2025-06-11", "russia", "reversal"),
        ("2025-06-11", "russia", "negation_flipped"),
        ("2025-06-11", "russia", "new"),
        ("2025-06-11", "ukraine", "new"),
        ("2025-06-11", "ukraine", "new"),
    ]
    assert changes[0].after == "has not received Ukraine's list"
    assert (changes[1].before, changes[1].after) == ("stands by the process", "rejected the proposal")
    flip = changes[2]
    assert flip.before == "has not received Ukraine's list" and flip.after == "received Ukraine's list"
    assert flip.corroboration == 2 and flip.title == HOSTILE_TITLE
    from onrecord.digest import render_text

    text = render_text(digest, cfg)
    first, second = (
        text.index("Peskov said Moscow had not yet received"),
        text.index('"Yes, it has been received now,"'),
    )
    assert first < second < text.index("CONTRADICTIONS")
    contradiction = digest.topics[0].contradictions[0]
    assert (contradiction.name_a, contradiction.text_a) == ("Russia", "handed over its list")
    assert (contradiction.name_b, contradiction.text_b) == ("Ukraine", "has not received Russia's list")


def test_same_period_is_not_sent_twice_unless_forced(seeded, config, smtp_server):
    cfg = digest_config(config, smtp_server.port)
    first = send_daily(cfg, seeded, now=NOW)
    later_same_day = send_daily(cfg, seeded, now=NOW.replace(hour=11))  # a late or repeated run
    assert [r.status for r in later_same_day] == ["already-sent"]
    assert len(smtp_server.messages) == 1
    forced = send_daily(cfg, seeded, now=NOW, force=True)
    assert [r.status for r in forced] == ["sent"]
    assert len(smtp_server.messages) == 2
    # Stable Message-ID: the same period and recipients give the same id.
    assert smtp_server.messages[0][2]["Message-ID"] == smtp_server.messages[1][2]["Message-ID"] == first[0].message_id


def test_refused_delivery_is_retried_with_the_reason_logged(seeded, config, smtp_server, caplog):
    cfg = digest_config(config, smtp_server.port, retries=3)
    smtp_server.refuse_rcpt = 4  # two recipients per attempt: the first two attempts are refused
    with caplog.at_level(logging.WARNING, logger="onrecord.digest"):
        results = send_daily(cfg, seeded, now=NOW)
    assert results[0].status == "sent" and results[0].attempts == 3
    assert len(smtp_server.messages) == 1
    failures = [r.getMessage() for r in caplog.records if "failed" in r.getMessage()]
    assert len(failures) == 2
    assert "attempt 1 of 4 failed: recipient refused" in failures[0] and "451" in failures[0]


def test_failed_delivery_is_recorded_as_failed_and_sent_on_the_next_run(seeded, config, smtp_server):
    cfg = digest_config(config, smtp_server.port, retries=1)
    smtp_server.refuse_data = 2
    failed = send_daily(cfg, seeded, now=NOW)
    assert failed[0].status == "failed" and failed[0].attempts == 2
    assert "550" in failed[0].error and "message refused" in failed[0].error
    assert smtp_server.messages == []
    assert history(seeded)[0]["status"] == "failed" and history(seeded)[0]["sent_at"] is None
    retried = send_daily(cfg, seeded, now=NOW)
    assert retried[0].status == "sent" and len(smtp_server.messages) == 1


def test_server_down_fails_with_a_clear_reason(seeded, config):
    cfg = digest_config(config, free_port(), retries=1)
    results = send_daily(cfg, seeded, now=NOW)
    assert results[0].status == "failed"
    assert "connection refused" in results[0].error and "127.0.0.1:" in results[0].error


@pytest.mark.parametrize("empty", ["skip", "send"])
def test_a_day_with_nothing_new(seeded, config, smtp_server, empty):
    cfg = digest_config(config, smtp_server.port, empty=empty)
    quiet_day = datetime(2025, 7, 1, 8, 0, tzinfo=UTC)
    results = send_daily(cfg, seeded, now=quiet_day)
    if empty == "skip":
        assert [r.status for r in results] == ["empty"] and smtp_server.messages == []
        assert send_daily(cfg, seeded, now=quiet_day)[0].status == "already-sent"
    else:
        assert [r.status for r in results] == ["sent"]
        text, html = parts(smtp_server.messages[0][2])
        assert smtp_server.messages[0][2]["Subject"].endswith(": Nothing new on the record")
        assert f"Nothing new on the record for {TOPIC} between 30 Jun 2025 07:00" in text
        assert "POSITION CHANGES" not in text and "Position changes" not in html


# --- the command --------------------------------------------------------------------------------------------


def write_config(tmp_path, smtp_host=None, port=25) -> str:
    data = yaml.safe_load((REPO / "config.yaml").read_text(encoding="utf-8"))
    data["digest"].update({"timezone": "UTC", "retries": 0, "recipients": {TOPIC: ["desk@example.org"]}})
    data["digest"]["smtp"].update({"host": smtp_host, "port": port, "security": "none"})
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return str(path)


def run_cli(args: list[str]) -> int:
    try:
        main(args)
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


def test_cli_refuses_to_send_without_a_host(tmp_path, capsys):
    code = run_cli(["digest", "--config", write_config(tmp_path), "--db", str(tmp_path / "s.db"), "--send"])
    lines = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert lines[0].startswith("config: ")  # which config the command uses, then the one error line
    assert len(lines) == 2 and "digest.smtp.host is not set" in lines[1]
    both = run_cli(["digest", "--config", write_config(tmp_path), "--send", "--dry-run", str(tmp_path / "x.eml")])
    assert both == 2 and "pass one of --send, --dry-run" in capsys.readouterr().err


def test_cli_prints_writes_and_sends(seeded, tmp_path, capsys, smtp_server):
    db_path = seeded.execute("PRAGMA database_list").fetchone()[2]
    base = [
        "digest",
        "--config",
        write_config(tmp_path, "127.0.0.1", smtp_server.port),
        "--db",
        db_path,
        "--since",
        "2025-06-11",
        "--until",
        "2025-06-12",
        "--topic",
        TOPIC,
    ]
    assert run_cli(base) == 0
    printed = capsys.readouterr().out
    assert "POSITION CHANGES (5)" in printed and "NEW CLAIMS BY PARTY (1)" in printed

    eml = tmp_path / "digest.eml"
    assert run_cli(base + ["--dry-run", str(eml)]) == 0
    message = email.message_from_bytes(eml.read_bytes(), policy=policy.default)
    assert message["To"] == "desk@example.org" and parts(message)[0].startswith("onrecord digest")
    assert smtp_server.messages == []
    assert capsys.readouterr().out.startswith(f"wrote {eml}: [onrecord {TOPIC}]")

    assert run_cli(base + ["--send", "--to", "other@example.org"]) == 0
    assert capsys.readouterr().out.startswith(f"sent {TOPIC} 2025-06-11T00:00:00+00:00..2025-06-12T00:00:00+00:00")
    assert [m[1] for m in smtp_server.messages] == [["other@example.org"]]
    assert run_cli(base + ["--send", "--to", "other@example.org"]) == 0
    assert "already sent" in capsys.readouterr().out
    assert len(smtp_server.messages) == 1
