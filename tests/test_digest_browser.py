"""The HTML part in a real headless Chromium: readable at phone width, inert, and screenshotted for the README."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from onrecord.digest import build_digest, render_html
from test_digest_smtp import HOSTILE_TITLE, TOPIC, digest_config, seed_store

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE_WIDTH = 375


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} not found: install the Debian chromium package"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.mark.slow
def test_html_digest_renders_at_phone_width_without_running_anything(store, config, browser, artifacts_dir):
    seed_store(store, config)
    cfg = digest_config(config, 25)
    digest = build_digest(cfg, store, datetime(2025, 6, 11, 7, tzinfo=UTC), datetime(2025, 6, 12, 7, tzinfo=UTC), TOPIC)
    html = render_html(digest, cfg)

    page = browser.new_page(viewport={"width": PHONE_WIDTH, "height": 800}, java_script_enabled=True)
    requests, dialogs = [], []
    page.on("request", lambda request: requests.append(request.url))
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.set_content(html, wait_until="load")

    assert requests == []  # no remote assets: images, fonts, stylesheets
    assert dialogs == [] and page.evaluate("() => document.scripts.length") == 0
    # The hostile title is shown as text, and it did not break out of its table cell.
    assert HOSTILE_TITLE in page.inner_text("body")
    assert page.evaluate("() => document.querySelectorAll('b').length") == 0
    # Readable at phone width: nothing wider than the screen, quotes and claims at 14px or more.
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE_WIDTH
    for snippet in ("Yes, it has been received now", "again urged Russia", "had not received any list"):
        element = page.get_by_text(snippet).first
        assert element.evaluate("e => parseFloat(getComputedStyle(e).fontSize)") >= 14
        assert element.bounding_box()["width"] <= PHONE_WIDTH
    headline = page.inner_text("body").split("\n")
    assert any(line.startswith("5 changes: Russia rejected the proposal") for line in headline)
    page.screenshot(path=str(artifacts_dir / "digest-phone.png"), full_page=True)

    page.set_viewport_size({"width": 720, "height": 900})
    page.screenshot(path=str(artifacts_dir / "digest.png"), full_page=True)
    page.close()
    png = (artifacts_dir / "digest.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
