"""The review page end to end: `python -m onrecord serve` with and without reviewing on, driven by headless Chromium.

With ONRECORD_REVIEWER and ONRECORD_REVIEW_SECRET set, a reviewer reaches a claim from Datasette's claims table
and from the timeline page, rejects one, corrects one and adds one the reader missed; the timeline page and a digest
show the change. Without them, or with a wrong secret or no CSRF token, a write is refused and the store unchanged.
"""

from __future__ import annotations

import hashlib
import http.cookiejar
import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime

import pytest

from conftest import REPO, free_port
from onrecord.digest import build_digest, render_html
from onrecord.storage.db import open_store
from test_serve_datasette import CHROMIUM, CHROMIUM_ARGS, SOURCES, fill_store, get, stop_server

SECRET = "correct horse battery staple"
EVIDENCE_REJECTED = "Kyiv said it was ready to attend if a ceasefire came first."


def serve(tmp_path, config, env: dict[str, str]):
    tmp_path.mkdir()
    db_path = tmp_path / "onrecord.db"
    fill_store(db_path, config)
    port = free_port()
    environ = {k: v for k, v in os.environ.items() if not k.startswith("ONRECORD_")} | env
    log = (tmp_path / "server.log").open("wb")
    argv = [sys.executable, "-m", "onrecord", "serve", "--config", str(REPO / "config.yaml"), "--db", str(db_path)]
    process = subprocess.Popen(
        [*argv, "--host", "127.0.0.1", "--port", str(port)], stdout=log, stderr=subprocess.STDOUT, cwd=REPO, env=environ
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, (tmp_path / "server.log").read_text(errors="replace")
        try:
            if get(f"http://127.0.0.1:{port}/-/versions.json")[0] == 200:
                return process, f"http://127.0.0.1:{port}", db_path
        except OSError:
            pass
        time.sleep(0.2)
    process.kill()
    raise AssertionError("server did not answer within 60 s")


@pytest.fixture
def reviewing(tmp_path, config):
    process, base, db_path = serve(
        tmp_path / "reviewing", config, {"ONRECORD_REVIEWER": "ann", "ONRECORD_REVIEW_SECRET": SECRET}
    )
    yield base, db_path
    stop_server(process)


@pytest.fixture
def read_only(tmp_path, config):
    process, base, db_path = serve(tmp_path / "read-only", config, {})
    yield base, db_path
    stop_server(process)


@pytest.fixture
def browser():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing")
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium package (make browser)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


def timeline_events(page, base: str) -> list[dict]:
    page.goto(f"{base}/-/onrecord-timeline?topic=peace-talks&from=2025-05-01&to=2025-05-31")
    return json.loads(page.text_content("#timeline-events"))


def digest_html(db_path, config) -> str:
    db = open_store(db_path)
    try:
        window = (datetime(2025, 5, 1, tzinfo=UTC), datetime(2025, 5, 31, tzinfo=UTC))
        return render_html(build_digest(config.with_sources(SOURCES), db, *window, "peace-talks"), config)
    finally:
        db.conn.close()


@pytest.mark.slow
def test_a_reviewer_rejects_corrects_and_adds_in_the_browser_and_the_timeline_and_digest_follow(
    reviewing, browser, config, artifacts_dir
):
    base, db_path = reviewing
    assert EVIDENCE_REJECTED in digest_html(db_path, config)
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    before = {(e["holder"], e["claim_type"], e["negated"]) for e in timeline_events(page, base)}
    assert before == {("turkey", "proposal", False), ("ukraine", "demand", False)}

    # Reject: from the claim's row in Datasette to its review page, the evidence marked in its article.
    page.goto(f"{base}/onrecord/claims?claim_type=demand")
    page.click("a.onrecord-review-link")
    assert page.text_content("#evidence-context mark") == EVIDENCE_REJECTED
    assert page.text_content("#review-status") == "not reviewed"
    page.fill("#review-verdict input[name=secret]", SECRET)
    page.fill("#review-verdict input[name=note]", "a condition for attending, not a demand")
    page.click("#review-reject")
    page.wait_for_selector("#review-message")
    assert page.text_content("#review-status") == "rejected"
    assert "a condition for attending" in page.text_content("#review-history")
    events = timeline_events(page, base)
    assert {(e["holder"], e["claim_type"]) for e in events} == {("turkey", "proposal")}

    # Correct: from the timeline's mark to the review page (signed in now: the cookie, no secret asked).
    page.click("circle.mark")
    page.click("a.detail-review")
    assert page.locator("#review-correct input[name=secret]").count() == 0
    page.select_option("#correct-holder", "russia")
    page.select_option("#correct-negated", "true")
    page.click("#review-correct-submit")
    page.wait_for_selector("#review-message")
    assert page.text_content("#review-status") == "corrected"
    assert page.text_content("td.reviewed-holder") == "russia"

    # Add the claim the reader missed on the same article.
    page.select_option("#add-topic", "peace-talks")
    page.select_option("#add-holder", "ukraine")
    page.select_option("#add-claim_type", "agreement")
    page.select_option("#add-target", "russia")
    page.fill("#add-evidence", EVIDENCE_REJECTED)
    page.click("#review-add-submit")
    page.wait_for_selector("#review-message")
    assert page.text_content("#review-status") == "added"
    assert page.text_content("td.reviewed-claim_type") == "agreement"

    events = timeline_events(page, base)
    assert {(e["holder"], e["claim_type"], e["negated"], e["reviewed"]) for e in events} == {
        ("russia", "proposal", True, 1),
        ("ukraine", "agreement", False, 1),
    }
    assert page.locator("circle.mark.reviewed").count() == 2
    page.screenshot(path=str(artifacts_dir / "review-timeline.png"), full_page=True)

    html = digest_html(db_path, config)
    assert "reviewed" in html
    assert html.count(EVIDENCE_REJECTED) == 1  # now as the added agreement, no longer as the rejected demand
    trail = [row[0] for row in open_store(db_path, read_only=True).execute("SELECT action FROM reviews ORDER BY id")]
    assert trail == ["reject", "correct", "add"]


def _csrf_session(base: str, claim: str) -> tuple[urllib.request.OpenerDirector, str]:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    html = opener.open(f"{base}/-/onrecord-review?claim={claim}", timeout=10).read().decode()
    token = re.search(r'name="csrftoken" value="([^"]+)"', html)
    return opener, token[1] if token else ""


def _post(opener, url: str, form: dict) -> int:
    try:
        return opener.open(url, urllib.parse.urlencode(form).encode(), timeout=10).status
    except urllib.error.HTTPError as exc:
        return exc.code


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.slow
def test_unauthorised_review_writes_are_refused_and_change_nothing(reviewing, read_only):
    base, db_path = reviewing
    claim = open_store(db_path, read_only=True).execute("SELECT id FROM claims ORDER BY id").fetchone()[0]
    opener, token = _csrf_session(base, claim)
    assert token
    url = f"{base}/-/onrecord-review"
    assert _post(opener, url, {"csrftoken": token, "claim": claim, "action": "reject", "secret": "guess"}) == 403
    assert _post(opener, url, {"csrftoken": token, "claim": claim, "action": "reject"}) == 403
    assert _post(opener, url, {"claim": claim, "action": "reject", "secret": SECRET}) == 403  # no CSRF token
    opener.addheaders = [("Cookie", "onrecord_review=forged")]
    assert _post(opener, url, {"csrftoken": token, "claim": claim, "action": "reject"}) == 403
    assert open_store(db_path, read_only=True).execute("SELECT count(*) FROM reviews").fetchone()[0] == 0
    # The right secret works (the same request otherwise): the refusals were about authorisation.
    opener, token = _csrf_session(base, claim)
    assert _post(opener, url, {"csrftoken": token, "claim": claim, "action": "accept", "secret": SECRET}) == 200
    assert open_store(db_path, read_only=True).execute("SELECT count(*) FROM reviews").fetchone()[0] == 1

    # Reviewing off (no reviewer, no secret): as read-only as ever, the page shows no forms.
    base, db_path = read_only
    before = _digest(db_path)
    opener, token = _csrf_session(base, claim)
    assert _post(opener, f"{base}/-/onrecord-review", {"csrftoken": token, "claim": claim, "action": "reject"}) == 405
    status, body = get(f"{base}/-/onrecord-review?claim={claim}")
    assert status == 200 and b"Reviewing is off" in body and b'method="post"' not in body
    assert _digest(db_path) == before
