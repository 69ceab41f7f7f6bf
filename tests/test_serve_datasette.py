"""onrecord serve end to end: a real Datasette subprocess on loopback, driven by headless Chromium.

The store is written here (articles and claims of our own) through the storage API, served with
`python -m onrecord serve`, and checked by what the pages show. Screenshots go to the artifacts dir.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from conftest import REPO, free_port
from onrecord.core.config import SourceConfig
from onrecord.core.records import Article, Claim
from onrecord.storage.articles import save_article
from onrecord.storage.claims import save_extraction
from onrecord.storage.db import open_store
from onrecord.storage.sources import sync_config
from onrecord.storage.timeline import update_events

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SOURCES = [
    SourceConfig(id="test-wire", name="Test Wire", url="http://127.0.0.1/wire.xml"),
    SourceConfig(id="test-kyiv", name="Kyiv Test Daily", url="http://127.0.0.1/kyiv.xml"),
]

# (source, published, title, text, claims as (topic, holder, speaker, claim_type, negated, target, evidence))
ARTICLES = [
    (
        "test-wire",
        "2025-05-02",
        "Moscow says its list of prisoners is with Kyiv",
        "Moscow, May 2. Kremlin spokesman Dmitry Peskov said on Friday that Russia had handed over its list of "
        'prisoners to Kyiv. "We did send our list; now the ball is in their court," Peskov told reporters. '
        "The counter-list from Kyiv has not been received yet, he added.",
        [
            (
                "prisoner-exchange",
                "russia",
                "Dmitry Peskov",
                "list_submitted",
                False,
                "ukraine",
                "Kremlin spokesman Dmitry Peskov said on Friday that Russia had handed over its list of prisoners "
                "to Kyiv.",
            ),
            (
                "prisoner-exchange",
                "russia",
                "Dmitry Peskov",
                "list_received",
                True,
                "ukraine",
                "The counter-list from Kyiv has not been received yet, he added.",
            ),
        ],
    ),
    (
        "test-kyiv",
        "2025-05-03",
        "Kremlin repeats that its list is in Kyiv",
        "Kyiv, May 3. Dmitry Peskov repeated that Russia had handed over its list of prisoners to Kyiv a day earlier. "
        "Ukrainian officials did not comment on the statement.",
        [
            (
                "prisoner-exchange",
                "russia",
                "Dmitry Peskov",
                "list_submitted",
                False,
                "ukraine",
                "Dmitry Peskov repeated that Russia had handed over its list of prisoners to Kyiv a day earlier.",
            )
        ],
    ),
    (
        "test-kyiv",
        "2025-05-04",
        "Kyiv says no Russian list has arrived",
        "Kyiv, May 4. Ukraine's human rights commissioner Dmytro Lubinets said that no list from Russia had reached "
        'the Coordination Headquarters. "We have received nothing from the Russian side," Lubinets wrote. '
        "He accused Moscow of deliberately delaying the exchange of prisoners.",
        [
            (
                "prisoner-exchange",
                "ukraine",
                "Dmytro Lubinets",
                "list_received",
                True,
                "russia",
                "Ukraine's human rights commissioner Dmytro Lubinets said that no list from Russia had reached the "
                "Coordination Headquarters.",
            ),
            (
                "prisoner-exchange",
                "ukraine",
                "Dmytro Lubinets",
                "accusation",
                False,
                "russia",
                "He accused Moscow of deliberately delaying the exchange of prisoners.",
            ),
        ],
    ),
    (
        "test-wire",
        "2025-05-09",
        "Ankara offers to host a new round of talks",
        "Ankara, May 9. Turkey proposed to host another round of direct talks between the delegations in Istanbul, "
        "the Turkish foreign minister said. Kyiv said it was ready to attend if a ceasefire came first.",
        [
            (
                "peace-talks",
                "turkey",
                None,
                "proposal",
                False,
                None,
                "Turkey proposed to host another round of direct talks between the delegations in Istanbul, "
                "the Turkish foreign minister said.",
            ),
            (
                "peace-talks",
                "ukraine",
                None,
                "demand",
                False,
                "russia",
                "Kyiv said it was ready to attend if a ceasefire came first.",
            ),
        ],
    ),
    (
        "test-kyiv",
        "2025-05-16",
        "Hundreds of soldiers return home in swap",
        "Kyiv, May 16. Three hundred and ninety Ukrainians returned home today in the first stage of the exchange, "
        "President's Office said. Lubinets said the Russian list had finally been received on Thursday.",
        [
            (
                "prisoner-exchange",
                "ukraine",
                None,
                "exchange_completed",
                False,
                None,
                "Three hundred and ninety Ukrainians returned home today in the first stage of the exchange, "
                "President's Office said.",
            ),
            (
                "prisoner-exchange",
                "ukraine",
                "Dmytro Lubinets",
                "list_received",
                False,
                "russia",
                "Lubinets said the Russian list had finally been received on Thursday.",
            ),
        ],
    ),
]


def fill_store(db_path: Path, config) -> dict[str, int]:
    """Write the test articles and their claims into a fresh store; return row counts."""
    config = config.with_sources(SOURCES)
    db = open_store(db_path)
    try:
        sync_config(db, config)
        for source, published, title, text, claims in ARTICLES:
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
            for topic, holder, speaker, claim_type, negated, target, evidence in claims:
                start = text.index(evidence)
                records.append(
                    Claim(
                        article_id=article.id,
                        topic=topic,
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
        update_events(db, config)
        return {t: db[t].count for t in ("articles", "claims")}
    finally:
        db.conn.close()


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def start_server(argv: list[str], port: int, log: Path) -> subprocess.Popen:
    """Start a server subprocess and wait until it answers on 127.0.0.1:port."""
    out = log.open("wb")
    process = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, cwd=REPO)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited with {process.returncode}:\n{log.read_text(errors='replace')}")
        try:
            if get(f"http://127.0.0.1:{port}/-/versions.json")[0] == 200:
                return process
        except OSError:
            pass
        time.sleep(0.2)
    process.kill()
    raise AssertionError(f"server did not answer within 60 s:\n{log.read_text(errors='replace')}")


def stop_server(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="module")
def served(tmp_path_factory, config):
    """`python -m onrecord serve` on a filled store: yields (base URL, store path)."""
    tmp = tmp_path_factory.mktemp("serve")
    db_path = tmp / "onrecord.db"
    fill_store(db_path, config)
    port = free_port()
    process = start_server(
        [
            sys.executable,
            "-m",
            "onrecord",
            "serve",
            "--config",
            str(REPO / "config.yaml"),
            "--db",
            str(db_path),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        port,
        tmp / "server.log",
    )
    yield f"http://127.0.0.1:{port}", db_path
    stop_server(process)


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium (the system's /usr/bin/chromium) through Playwright."""
    if not Path(CHROMIUM).exists():
        message = f"{CHROMIUM} is missing: install Debian's chromium package (make browser)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, served):
    """A fresh page that records every request it makes, to prove nothing leaves the server."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.requested = []
    page.on("request", lambda request: page.requested.append(request.url))
    yield page
    context.close()
    base = served[0]
    outside = [u for u in page.requested if not u.startswith(base) and not u.startswith("data:")]
    assert not outside, f"the page requested assets from outside the server: {outside}"


def rows_in(page) -> list[dict[str, str]]:
    """The rows of Datasette's results table as {column: text}."""
    return page.eval_on_selector_all(
        "table.rows-and-columns tbody tr",
        "trs => trs.map(tr => Object.fromEntries([...tr.querySelectorAll('td')].map("
        "td => [td.className.split(' ').find(c => c.startsWith('col-')).slice(4), td.innerText.trim()])))",
    )


# --- metadata and command, no server --------------------------------------------------------------------------


def test_every_table_view_and_column_is_described(store, config, tmp_path):
    from onrecord.datasette.metadata import build_metadata, undescribed

    db_path = store.conn.execute("pragma database_list").fetchone()[2]
    metadata = build_metadata(config, db_path)
    assert undescribed(metadata, db_path) == []
    claims = metadata["databases"]["store"]["tables"]["claims"]
    assert claims["facets"] == ["topic", "holder", "claim_type", "source"]
    assert claims["sort_desc"] == "claim_date" and claims["fts_table"] == "claims_fts"
    for column in ("holder", "claim_type", "negated", "via"):
        assert len(claims["columns"][column]) > 20


def test_every_canned_query_runs_on_a_filled_store(tmp_path, config):
    from onrecord.datasette.metadata import build_metadata

    db_path = tmp_path / "onrecord.db"
    fill_store(db_path, config)
    queries = build_metadata(config, db_path)["databases"]["onrecord"]["queries"]
    assert set(queries) == {
        "party_timeline",
        "state_as_of",
        "changes_since",
        "contradictions_by_topic",
        "speaker_statements",
    }
    params = {
        "party": "russia",
        "topic": "prisoner-exchange",
        "as_of": "2025-05-05",
        "since": "2025-05-05",
        "speaker": "Lubinets",
    }
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    results = {name: [dict(r) for r in conn.execute(q["sql"], params)] for name, q in queries.items()}
    conn.close()
    assert [r["claim_type"] for r in results["party_timeline"]] == ["list_received", "list_submitted"]
    submitted = next(r for r in results["party_timeline"] if r["claim_type"] == "list_submitted")
    assert submitted["corroboration"] == 2 and submitted["outlets"] == "Kyiv Test Daily, Test Wire"
    state = {(r["party"], r["claim_type"]): r["negated"] for r in results["state_as_of"]}
    assert state[("Ukraine", "list_received")] == 1  # as of May 5 Kyiv still said no list had arrived
    assert any(r["kind"] == "negation_flipped" and r["party"] == "Ukraine" for r in results["changes_since"])
    assert results["contradictions_by_topic"][0]["rule"] == "list handed over / not received"
    assert {r["speaker"] for r in results["speaker_statements"]} == {"Dmytro Lubinets"}


def test_print_command_writes_metadata_and_prints_datasette(tmp_path, config):
    db_path = tmp_path / "onrecord.db"
    fill_store(db_path, config)
    metadata_file = tmp_path / "meta.json"
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "onrecord",
            "serve",
            "--config",
            str(REPO / "config.yaml"),
            "--db",
            str(db_path),
            "--port",
            "8123",
            "--print-command",
            "--metadata-file",
            str(metadata_file),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=True,
    ).stdout.strip()
    assert out.startswith(f"datasette serve {db_path} --metadata {metadata_file} ")
    assert "--setting sql_time_limit_ms 1000" in out and "--port 8123" in out and " -i" not in out
    assert "claims" in json.loads(metadata_file.read_text())["databases"]["onrecord"]["tables"]


def test_timeline_layout_fans_out_same_day_marks_and_keeps_them_in_the_plot():
    from datetime import date

    from onrecord.datasette.timeline import LABEL_WIDTH, WIDTH, layout

    def event(holder, day, claim_type):
        return {"holder": holder, "date": day, "claim_type": claim_type}

    events = [
        event("russia", "2025-05-02", "list_submitted"),
        event("russia", "2025-05-02", "list_received"),
        event("russia", "2025-05-02", "denial"),
        event("russia", "2025-05-02", "demand"),
        event("ukraine", "2025-05-31", "accusation"),
    ]
    model = layout(
        events,
        {"russia": "Russia", "ukraine": "Ukraine"},
        ["list_submitted", "list_received"],
        date(2025, 5, 1),
        date(2025, 5, 31),
    )
    assert [lane.name for lane in model.lanes] == ["Russia", "Ukraine"]  # busiest first
    positions = [(m.x, m.y) for m in model.marks]
    assert len(set(positions)) == len(positions)  # no mark hides another
    assert all(LABEL_WIDTH < x < WIDTH for x, _ in positions)
    assert model.colours["list_submitted"] != model.colours["list_received"] != model.colours["denial"]


def test_serve_refuses_a_missing_store(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "onrecord",
            "serve",
            "--config",
            str(REPO / "config.yaml"),
            "--db",
            str(tmp_path / "nothing.db"),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert "nothing.db: store not found" in result.stderr
    assert not (tmp_path / "nothing.db").exists()


# --- the served pages, in a real browser ----------------------------------------------------------------------


@pytest.mark.slow
def test_home_page_shows_title_description_and_timeline_link(page, served, artifacts_dir):
    base, _ = served
    page.goto(base + "/")
    assert page.locator("h1").inner_text() == "onrecord: on the record"
    assert "say on the record" in page.locator(".metadata-description").inner_text()
    assert page.locator("a[href='/-/onrecord-timeline']").count() >= 1
    page.screenshot(path=str(artifacts_dir / "datasette-home.png"), full_page=True)
    page.click("h2 a[href='/onrecord']")  # the database
    page.wait_for_url("**/onrecord")
    assert "Everything a speaker said" in page.content()  # canned queries listed on the database page


@pytest.mark.slow
def test_claims_table_facet_click_filters_and_links_articles(page, served, artifacts_dir):
    base, _ = served
    page.goto(base + "/onrecord/claims")
    assert "9 rows" in page.locator("h3").first.inner_text()
    assert "sorted by claim_date descending" in page.locator("h3").first.inner_text()
    for facet in ("topic", "holder", "claim_type", "source"):
        assert page.locator(f"#facet-{facet}").count() == 1, facet
    assert "the speaker's side" in page.locator("dl.column-descriptions").inner_text()
    page.locator("#facet-holder a", has_text="Russia").click()
    page.wait_for_url("**holder=russia**")
    rows = rows_in(page)
    assert len(rows) == 3 and {r["holder"] for r in rows} == {"Russia\u00a0russia", "Russia russia"} & {
        r["holder"] for r in rows
    }
    assert all(r["holder"].startswith("Russia") for r in rows)
    original = page.locator("td.col-article_id a.onrecord-original").first
    assert original.get_attribute("href").startswith("http://127.0.0.1/test-")
    page.screenshot(path=str(artifacts_dir / "datasette-claims-facet.png"), full_page=True)
    page.locator("td.col-article_id a:not(.onrecord-original)").first.click()
    page.wait_for_url("**/onrecord/articles/*")
    assert "Peskov" in page.locator("table").first.inner_text()


@pytest.mark.slow
def test_full_text_search_on_claim_evidence_and_articles(page, served, artifacts_dir):
    base, _ = served
    page.goto(base + "/onrecord/claims")
    page.fill("#_search", "ceasefire")
    page.locator("form.filters input[type=submit]").click()
    page.wait_for_url("**_search=ceasefire**")
    rows = rows_in(page)
    assert len(rows) == 1 and "ceasefire came first" in rows[0]["evidence"]
    page.screenshot(path=str(artifacts_dir / "datasette-claims-search.png"), full_page=True)
    page.goto(base + "/onrecord/articles?_search=Ankara")
    rows = rows_in(page)
    assert [r["title"] for r in rows] == ["Ankara offers to host a new round of talks"]


@pytest.mark.slow
def test_canned_query_with_parameters(page, served, artifacts_dir):
    base, _ = served
    page.goto(base + "/onrecord/party_timeline")
    assert "A party's timeline on a topic" in page.locator("h1").inner_text()
    page.fill("input[name=party]", "ukraine")
    page.fill("input[name=topic]", "prisoner-exchange")
    page.locator("form.sql input[type=submit]").click()
    page.wait_for_url("**party=ukraine**")
    rows = rows_in(page)
    assert [(r["date"], r["claim_type"], r["negated"]) for r in rows] == [
        ("2025-05-04", "accusation", "0"),
        ("2025-05-04", "list_received", "1"),
        ("2025-05-16", "exchange_completed", "0"),
        ("2025-05-16", "list_received", "0"),
    ]
    page.screenshot(path=str(artifacts_dir / "datasette-canned-query.png"), full_page=True)
    page.goto(base + "/onrecord/state_as_of?as_of=2025-05-05&topic=prisoner-exchange")
    state = {(r["party"], r["claim_type"]): r["negated"] for r in rows_in(page)}
    assert state == {
        ("Russia", "list_received"): "1",
        ("Russia", "list_submitted"): "0",
        ("Ukraine", "accusation"): "0",
        ("Ukraine", "list_received"): "1",
    }


@pytest.mark.slow
def test_timeline_page_draws_lanes_and_marks_with_evidence(page, served, artifacts_dir):
    base, _ = served
    page.goto(base + "/onrecord")
    page.locator("details.nav-menu summary").click()
    page.locator(".nav-menu-inner a", has_text="Visual timeline").click()
    page.wait_for_url("**/-/onrecord-timeline")
    assert page.locator("svg.timeline .lane-label").all_text_contents() == ["Ukraine", "Russia"]
    marks = page.locator("svg.timeline circle.mark")
    assert marks.count() == 6
    assert page.locator("svg.timeline circle.mark.negated").count() == 2
    colours = page.eval_on_selector_all(
        "svg.timeline circle.mark:not(.negated)", "cs => cs.map(c => [c.dataset.claimType, getComputedStyle(c).fill])"
    )
    by_type = {}
    for claim_type, colour in colours:
        by_type.setdefault(claim_type, set()).add(colour)
    assert all(len(c) == 1 for c in by_type.values()) and len({min(c) for c in by_type.values()}) == len(by_type)

    submitted = page.locator("svg.timeline circle.mark[data-party=russia][data-claim-type=list_submitted]")
    submitted.hover()
    detail = page.locator("#timeline-detail")
    assert "handed over its list of prisoners to Kyiv" in detail.inner_text()
    assert "Kyiv Test Daily, Test Wire" in detail.inner_text() and "reported by 2 outlets" in detail.inner_text()
    negated = page.locator("svg.timeline circle.mark[data-party=ukraine][data-claim-type=list_received].negated")
    negated.click()
    assert "not list_received" in detail.inner_text() and "no list from Russia" in detail.inner_text()
    assert (
        detail.locator("a", has_text="original").get_attribute("href") == "http://127.0.0.1/test-kyiv/2025-05-04.html"
    )
    page.screenshot(path=str(artifacts_dir / "datasette-timeline.png"), full_page=True)

    page.fill("#timeline-from", "2025-05-10")
    page.locator(".timeline-filters input[type=submit]").click()
    page.wait_for_url("**from=2025-05-10**")
    assert page.locator("svg.timeline circle.mark").count() == 2  # the two events of May 16
    page.select_option("#timeline-topic", "peace-talks")
    page.fill("#timeline-from", "")
    page.fill("#timeline-to", "")
    page.locator(".timeline-filters input[type=submit]").click()
    page.wait_for_url("**topic=peace-talks**")
    assert sorted(page.locator("svg.timeline .lane-label").all_text_contents()) == ["Turkey", "Ukraine"]
    assert page.locator("svg.timeline circle.mark").count() == 2


# --- safe to share ---------------------------------------------------------------------------------------------


def _parties(db_path: Path) -> int:
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        return conn.execute("select count(*) from parties").fetchone()[0]
    finally:
        conn.close()


@pytest.mark.slow
def test_write_attempts_are_refused(served):
    base, db_path = served
    before = _parties(db_path)
    sneaky = "with t as (select 1) insert into parties (id, name) select 'mallory', 'Mallory' from t"
    status, body = get(base + "/onrecord.json?" + urllib.parse.urlencode({"sql": sneaky}))
    assert "readonly" in json.loads(body)["error"]
    status, body = get(
        base
        + "/onrecord.json?"
        + urllib.parse.urlencode({"sql": "insert into parties (id, name) values ('mallory', 'Mallory')"})
    )
    assert status == 400 and json.loads(body)["error"] == "Statement must be a SELECT"
    request = urllib.request.Request(base + "/onrecord/party_timeline", data=b"party=russia&topic=", method="POST")
    try:
        urllib.request.urlopen(request, timeout=10)
        raise AssertionError("POST was accepted")
    except urllib.error.HTTPError as exc:
        assert exc.code == 405
    settings = json.loads(get(base + "/-/settings.json")[1])
    assert settings["sql_time_limit_ms"] == 1000
    slow = "with recursive n(i) as (select 1 union all select i + 1 from n) select count(*) from n"
    status, body = get(base + "/onrecord.json?" + urllib.parse.urlencode({"sql": slow}))
    assert status == 400 and "time limit" in json.loads(body)["title"].lower() + json.loads(body)["error"].lower()
    assert _parties(db_path) == before


@pytest.mark.slow
def test_serves_while_another_process_writes(tmp_path, config):
    """The plain `datasette` command printed by --print-command serves the store while a writer adds claims."""
    db_path = tmp_path / "onrecord.db"
    fill_store(db_path, config)
    port = free_port()
    command = subprocess.run(
        [
            sys.executable,
            "-m",
            "onrecord",
            "serve",
            "--config",
            str(REPO / "config.yaml"),
            "--db",
            str(db_path),
            "--port",
            str(port),
            "--print-command",
            "--metadata-file",
            str(tmp_path / "meta.json"),
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    ).stdout.split()
    command[0] = str(Path(sys.executable).with_name("datasette"))
    process = start_server(command, port, tmp_path / "server.log")
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(db_path), "60"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        seen, failures = [], []
        while writer.poll() is None or not seen:
            for path in (
                "/onrecord.json?sql=select+count(*)+as+n+from+claims&_shape=array",
                "/onrecord/claims?_search=writer",
                "/-/onrecord-timeline?topic=prisoner-exchange",
            ):
                status, body = get(f"http://127.0.0.1:{port}{path}")
                if status != 200:
                    failures.append((path, status, body[:300]))
                elif path.startswith("/onrecord.json"):
                    seen.append(json.loads(body)[0]["n"])
        _, err = writer.communicate(timeout=60)
        assert writer.returncode == 0, err
        assert not failures, failures
        assert seen == sorted(seen) and len(set(seen)) > 2  # reads saw the writes land, in order
        status, body = get(f"http://127.0.0.1:{port}/onrecord.json?sql=select+count(*)+as+n+from+claims&_shape=array")
        assert json.loads(body)[0]["n"] == 9 + 60
    finally:
        if writer.poll() is None:
            writer.kill()
        stop_server(process)
    log = (tmp_path / "server.log").read_text(errors="replace")
    assert "database is locked" not in log


# A separate writer process: 60 articles with one claim each, one transaction per article, via the storage API.
WRITER = """
import sys, time
from onrecord.core.records import Article, Claim
from onrecord.storage.articles import save_article
from onrecord.storage.claims import save_extraction
from onrecord.storage.db import open_store
db = open_store(sys.argv[1])
for i in range(int(sys.argv[2])):
    text = f"Writer report {i}. Kyiv said it was still waiting for the list number {i}."
    article = Article.create(url=f"http://127.0.0.1/writer/{i}.html", source="test-wire", title=f"Writer {i}",
                             text=text, published="2025-06-01")
    save_article(db, article)
    evidence = text[text.index("Kyiv"):]
    claim = Claim(article_id=article.id, topic="prisoner-exchange", holder="ukraine", claim_type="awaiting_counterpart",
                  negated=False, evidence=evidence, start=text.index("Kyiv"), end=len(text), claim_date="2025-06-01",
                  source="test-wire", extractor_version="writer")
    save_extraction(db, article.id, [claim], "writer")
    time.sleep(0.02)
"""
