"""Publisher parsers: loaded by the name in config, fields they find override the generic extraction."""

from __future__ import annotations

import pytest

from crawl_helpers import article_html
from onrecord.core.config import SourceConfig
from onrecord.core.errors import ConfigError
from onrecord.crawlers.extract import extract_article
from onrecord.crawlers.publishers import available, load_parser
from onrecord.crawlers.publishers.helpers import wordy_date
from onrecord.crawlers.run import crawl


@pytest.mark.parametrize(
    "text, timezone, expected",
    [
        ("23 May 2025 - 15:40", "Europe/Kyiv", "2025-05-23T12:40:00+00:00"),
        ("23 травня 2025 року - 15:40", "Europe/Kyiv", "2025-05-23T12:40:00+00:00"),
        ("1 января 2025 года, 01:30", "Europe/Moscow", "2024-12-31T22:30:00+00:00"),
        ("23 мая 2025", "Europe/Moscow", "2025-05-23"),
        ("31 February 2025", "UTC", None),
        ("23 Maybe 2025", "UTC", None),
        (None, "UTC", None),
    ],
)
def test_wordy_date(text, timezone, expected):
    assert wordy_date(text, timezone) == expected


def test_a_parser_field_overrides_the_generic_one():
    html = article_html("Meeting with the delegation", 3).replace(
        "<article>", "<div class='article'><p class='date'>23 травня 2025 року - 15:40</p></div><article>"
    )
    generic = extract_article(html, "http://x/a")
    parsed = extract_article(html, "http://x/a", parser="president_ua")
    assert generic.published != parsed.published == "2025-05-23T12:40:00+00:00"
    assert parsed.title == generic.title and parsed.text == generic.text  # fields it does not define are kept


def test_unknown_parser_is_a_config_error_naming_the_source(config):
    assert "president_ua" in available() and "helpers" not in available()
    with pytest.raises(ConfigError, match=r"sources: tass-en: parser 'tass' not found .*president_ua"):
        load_parser("tass", "tass-en")
    bad = config.with_sources([SourceConfig(id="tass-en", name="TASS", url="http://127.0.0.1:9/feed", parser="tass")])
    with pytest.raises(ConfigError, match="tass-en"):
        crawl(bad, force=True, progress=lambda line: None)  # refused before any crawler process starts
