"""Digest assembly and rendering from timeline records written here: period rules, escaping, headers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from onrecord.commands.digest import resolve_period
from onrecord.core.errors import ConfigError
from onrecord.digest import assemble, compose, daily_period, render_html, render_text

UTC = UTC
SINCE, UNTIL = datetime(2025, 6, 11, 7, tzinfo=UTC), datetime(2025, 6, 12, 7, tzinfo=UTC)
TOPIC = "prisoner-exchange"


@pytest.fixture
def cfg(config):
    digest = config.digest.model_copy(update={"timezone": "UTC", "max_claims_per_party": 2})
    return config.model_copy(update={"digest": digest})


def change(change_date, detected_at, **extra):
    return {
        "id": f"c-{change_date}-{detected_at}",
        "topic": TOPIC,
        "holder": "russia",
        "change_date": change_date,
        "kind": "new",
        "from_type": None,
        "from_negated": None,
        "to_type": "list_submitted",
        "to_negated": False,
        "event_id": 1,
        "evidence": "We handed it over.",
        "speaker": None,
        "url": "https://example.org/a",
        "title": "A",
        "outlets": ["tass-en"],
        "corroboration": 1,
        "detected_at": detected_at,
    } | extra


def event(event_id, holder="ukraine", **extra):
    return {
        "id": event_id,
        "topic": TOPIC,
        "holder": holder,
        "claim_type": "demand",
        "negated": False,
        "target": "russia",
        "event_date": "2025-06-11",
        "first_seen": None,
        "outlets": ["ukrinform-en"],
        "corroboration": 1,
        "evidence": f"Demand number {event_id}.",
        "speaker": None,
        "url": "https://example.org/e",
        "title": "E",
    } | extra


@pytest.mark.parametrize(
    "change_date, detected_at, shown",
    [
        ("2025-06-11", "2025-06-11T15:00:00+00:00", True),  # said and found in the period
        ("2025-06-08", "2025-06-11T15:00:00+00:00", True),  # found late: reported when found
        ("2025-06-11", "2025-06-11T05:00:00+00:00", False),  # found before the period: the previous digest had it
        ("2025-06-11", "2026-01-01T00:00:00+00:00", True),  # a past period built afterwards: the statement date counts
        ("2025-06-12", "2026-01-01T00:00:00+00:00", False),  # said on the day after (a date is the end of its day)
        ("2025-06-10", None, False),
    ],
)
def test_an_item_belongs_to_the_period_it_was_detected_in(cfg, change_date, detected_at, shown):
    digest = assemble(cfg, SINCE, UNTIL, TOPIC, [change(change_date, detected_at)], [], [])
    assert bool(digest.changes) is shown


def test_hostile_text_is_escaped_and_only_web_links_survive(cfg):
    hostile = {
        "title": "<script>alert(1)</script></td></tr></table>",
        "url": "javascript:alert(document.cookie)",
        "evidence": "He said <img src=x onerror=alert(1)> & left.",
        "speaker": "<b>Peskov</b>",
    }
    digest = assemble(
        cfg,
        SINCE,
        UNTIL,
        TOPIC,
        [change("2025-06-11", None, **hostile)],
        [event(7, url="data:text/html,<script>x</script>")],
        [],
    )
    html = render_html(digest, cfg)
    assert "<script" not in html and "<img" not in html and "<b>Peskov" not in html
    assert "&lt;img src=x onerror=alert(1)&gt; &amp; left." in html and "&lt;b&gt;Peskov&lt;/b&gt;" in html
    assert "javascript:" not in html and "data:text" not in html
    text = render_text(digest, cfg)
    assert "He said <img src=x onerror=alert(1)> & left." in text  # plain text stays verbatim
    assert "javascript:" not in text


def test_new_claims_are_grouped_by_party_and_capped(cfg):
    events = [event(1), event(2, corroboration=3), event(3), event(4, holder="icrc", claim_type="concern")]
    digest = assemble(cfg, SINCE, UNTIL, TOPIC, [change("2025-06-11", None, event_id=1)], events, [])
    groups = digest.topics[0].parties
    assert [(g.name, len(g.statements), g.more) for g in groups] == [
        ("Ukraine", 2, 0),
        ("International Committee of the Red Cross", 1, 0),
    ]  # event 1 is shown as a change
    assert groups[0].statements[0].corroboration == 3  # best corroborated first
    capped = assemble(cfg, SINCE, UNTIL, TOPIC, [], events, [])
    assert capped.topics[0].parties[0].more == 1
    assert "...and 1 more" in render_text(capped, cfg)


def test_a_claim_type_added_in_config_reads_from_its_description(cfg):
    row = change("2025-06-11", None, to_type="ultimatum")
    types = [
        *cfg.claim_types,
        cfg.claim_types[0].model_copy(
            update={"id": "ultimatum", "phrase": None, "description": "The holder sets a deadline."}
        ),
    ]
    digest = assemble(cfg.model_copy(update={"claim_types": types}), SINCE, UNTIL, TOPIC, [row], [], [])
    assert digest.changes[0].after == "sets a deadline"


def test_message_headers_are_stable_per_period_and_recipients(cfg):
    digest = assemble(cfg, SINCE, UNTIL, TOPIC, [change("2025-06-11", None)], [], [])
    first, again = compose(digest, cfg, ["a@example.org"]), compose(digest, cfg, ["A@example.org"])
    assert first["Message-ID"] == again["Message-ID"]
    assert compose(digest, cfg, ["b@example.org"])["Message-ID"] != first["Message-ID"]
    later = assemble(cfg, UNTIL, datetime(2025, 6, 13, 7, tzinfo=UTC), TOPIC, [], [], [])
    assert compose(later, cfg, ["a@example.org"])["Message-ID"] != first["Message-ID"]
    assert first["List-Id"] == cfg.digest.list_id
    assert first["Subject"] == f"[onrecord {TOPIC}] 12 Jun 2025: 1 change: Russia handed over its list"
    assert first.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in first.iter_parts()] == ["text/plain", "text/html"]


def test_empty_digest_says_so_in_one_line(cfg):
    digest = assemble(cfg, SINCE, UNTIL, None, [], [], [])
    assert digest.is_empty and digest.summary == "Nothing new on the record"
    lines = [line for line in render_text(digest, cfg).splitlines() if line.strip()]
    assert lines[2] == "Nothing new on the record between 11 Jun 2025 07:00 – 12 Jun 2025 07:00 (UTC)."
    assert len(lines) == 5  # header, summary, the line, signature separator and footer


def test_daily_period_ends_at_the_last_send_time_in_the_local_zone(config):
    kyiv = config.digest.model_copy(update={"timezone": "Europe/Kyiv", "send_at": "07:00"})
    cfg = config.model_copy(update={"digest": kyiv})
    since, until = daily_period(cfg, datetime(2025, 6, 12, 3, 30, tzinfo=UTC))  # 06:30 in Kyiv: not yet 07:00
    assert (since.isoformat(), until.isoformat()) == ("2025-06-10T07:00:00+03:00", "2025-06-11T07:00:00+03:00")
    assert daily_period(cfg, datetime(2025, 6, 12, 4, 0, tzinfo=UTC))[1].isoformat() == "2025-06-12T07:00:00+03:00"
    # Across the switch to winter time the period is still one calendar day, 07:00 to 07:00.
    since, until = daily_period(cfg, datetime(2025, 10, 26, 6, 0, tzinfo=UTC))
    assert (since.isoformat(), until.isoformat()) == ("2025-10-25T07:00:00+03:00", "2025-10-26T07:00:00+02:00")


def test_cli_period_options(cfg):
    now = datetime(2025, 6, 12, 9, 30, tzinfo=UTC)
    assert resolve_period(cfg, "24h", None, now) == (datetime(2025, 6, 11, 9, 30, tzinfo=UTC), now)
    assert resolve_period(cfg, "2025-06-01", "2025-06-03", now) == (
        datetime(2025, 6, 1, tzinfo=UTC),
        datetime(2025, 6, 3, tzinfo=UTC),
    )
    assert resolve_period(cfg, None, None, now) == daily_period(cfg, now)
    with pytest.raises(ConfigError, match="--since: expected a duration such as 24h or a date"):
        resolve_period(cfg, "yesterday", None, now)
