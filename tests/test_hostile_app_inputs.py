"""Hostile stored text and hostile input files on the app side: shown as stored, one bad record costs itself.

Everything runs the real `onrecord` CLI in a subprocess on real SQLite files and JSON Lines files.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conftest import REPO
from onrecord.storage import timeline
from timeline_fixtures import add_article, claim

CONFIG = str(REPO / "config.yaml")
MARKUP = "Kyiv said [bold]list[/bold] was [/i] never [red]received[/red] :smile: \\[x]"


def onrecord(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "onrecord", "-q", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cwd,
        env={**os.environ, "COLUMNS": "400"},
    )


@pytest.fixture
def markup_store(store, config, tmp_path):
    add_article(store, "markup", "ukrinform", "2025-05-22", [claim("ukraine", "list_received", MARKUP, negated=True)])
    timeline.update_events(store, config)
    return str(tmp_path / "store.db")


@pytest.mark.parametrize("mode", [[], ["--events"], ["--as-of", "2025-05-23"]])
def test_timeline_table_shows_evidence_with_markup_as_stored(markup_store, mode):
    result = onrecord("timeline", "--config", CONFIG, "--db", markup_store, *mode)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stdout.splitlines()
    header = next(line for line in lines if "┃ evidence" in line).split("┃")
    column = [cell.strip() for cell in header].index("evidence")
    # the table folds a long cell over lines: join the evidence column up again
    cells = "".join(line.split("│")[column].strip() for line in lines if line.count("│") == len(header) - 1)
    assert cells.replace(" ", "") == MARKUP.replace(" ", ""), result.stdout


def test_markdown_and_json_keep_markup_as_stored(markup_store):
    out = onrecord("timeline", "--config", CONFIG, "--db", markup_store, "--format", "json").stdout
    assert [row["evidence"] for row in json.loads(out)] == [MARKUP]
    out = onrecord("timeline", "--config", CONFIG, "--db", markup_store, "--format", "markdown").stdout
    assert MARKUP in out


GOOD = {
    "url": "http://x.example/a1",
    "source": "tass",
    "published": "2025-05-22",
    "title": "t",
    "language": "en",
    "text": "Kremlin spokesman Dmitry Peskov said Russia has handed over its list of prisoners for the exchange "
    "to Ukraine.",
}


def record(url: str, **changes) -> bytes:
    data = {**GOOD, "url": url, **changes}
    return json.dumps({k: v for k, v in data.items() if v is not None}).encode()


@pytest.fixture
def mixed_file(tmp_path):
    lines = [
        b"\xef\xbb\xbf" + record("http://x.example/first"),  # a BOM before the first record
        json.dumps({k: v for k, v in GOOD.items() if k != "url"}).encode(),  # neither url nor id
        record("http://x.example/num", published=20250522),  # numeric published
        b'{"url": "http://x.example/bytes", "text": "\xff\xfe not UTF-8"}',  # invalid UTF-8
        b"[1, 2]",  # not an object
        b'{"url": ',  # not JSON
        record("http://x.example/last"),
    ]
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def test_extract_input_skips_each_bad_record_with_one_line_and_reads_the_rest(mixed_file):
    result = onrecord("extract", "--config", CONFIG, "--input", str(mixed_file))
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("onrecord: error:")]
    assert [line.split(":")[3] for line in errors] == ["2", "3", "4", "5", "6"], result.stderr
    assert all(len(line) < 300 for line in errors)
    urls = {json.loads(line)["article_id"] for line in result.stdout.splitlines()}
    from onrecord.core.records import Article

    expected = {
        Article.from_dict(json.loads(record(u))).id for u in ("http://x.example/first", "http://x.example/last")
    }
    assert urls == expected  # the first record (after the BOM) and the last one both give claims


def test_extract_input_takes_a_record_named_by_id_alone(tmp_path):
    """A corpus record without a URL (a Telegram post) is read under its id."""
    path = tmp_path / "by-id.jsonl"
    path.write_text(json.dumps({k: v for k, v in GOOD.items() if k != "url"} | {"id": "post-1"}) + "\n")
    result = onrecord("extract", "--config", CONFIG, "--input", str(path))
    assert result.returncode == 0 and "error" not in result.stderr, result.stderr
    assert {json.loads(line)["article_id"] for line in result.stdout.splitlines()} == {"post-1"}


@pytest.mark.parametrize(
    "args, needle",
    [
        (["--limit", "-1"], "--limit"),
        (["--output", "/nonexistent-dir/claims.jsonl"], "cannot write"),
        (["--output", "/dev/full"], "No space left"),
    ],
)
def test_extract_input_bad_options_end_in_one_line(mixed_file, args, needle):
    result = onrecord("extract", "--config", CONFIG, "--input", str(mixed_file), *args)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert needle in result.stderr


def test_digest_quotes_are_capped_and_markup_stays_verbatim(config):
    from datetime import UTC, datetime

    from onrecord.digest import assemble, compose
    from onrecord.digest.builder import MAX_QUOTE_CHARS

    cfg = config.model_copy(update={"digest": config.digest.model_copy(update={"timezone": "UTC"})})
    since, until = datetime(2025, 6, 11, 7, tzinfo=UTC), datetime(2025, 6, 12, 7, tzinfo=UTC)
    words = "Kyiv said the list was never received and the talks would go on "
    huge = MARKUP + " " + words * (272_000 // len(words))  # one 272 KB "sentence"
    change = {
        "id": "c1", "topic": "prisoner-exchange", "holder": "ukraine", "change_date": "2025-06-11", "kind": "new",
        "from_type": None, "from_negated": None, "to_type": "list_received", "to_negated": True, "event_id": 1,
        "evidence": huge, "speaker": None, "url": "https://example.org/a", "title": "T" * 50_000,
        "outlets": ["ukrinform-en"], "corroboration": 1, "detected_at": "2025-06-11T15:00:00+00:00",
    }  # fmt: skip
    digest = assemble(cfg, since, until, "prisoner-exchange", [change], [], [])
    [item] = digest.changes
    assert len(item.evidence) <= MAX_QUOTE_CHARS and item.evidence.endswith("…")
    assert item.evidence.startswith(MARKUP)  # cut, never rewritten
    message = compose(digest, cfg, ["desk@example.org"]).as_bytes()
    assert len(message) < 30_000
    text = compose(digest, cfg, ["desk@example.org"]).get_body(("plain",)).get_content()
    assert MARKUP in text
