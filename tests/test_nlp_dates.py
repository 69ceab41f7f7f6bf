"""claim_date: relative dates resolved against the article's publication date, as wire copy uses them."""

from __future__ import annotations

import pytest

from onrecord.nlp.dates import resolve_date


@pytest.mark.parametrize(
    "phrase, published, language, expected",
    [
        ("Tuesday", "2025-05-20T10:00:00+03:00", "en", "2025-05-20"),  # the publication day's own weekday
        ("last Tuesday", "2025-05-20T10:00:00+03:00", "en", "2025-05-13"),
        ("Thursday", "2025-05-23T10:00:00+03:00", "en", "2025-05-22"),
        ("yesterday", "2025-05-23T10:00:00+03:00", "en", "2025-05-22"),
        ("в пятницу", "2025-05-23T08:00:00+03:00", "ru", "2025-05-23"),
        ("вчера", "2025-05-23T08:00:00+03:00", "ru", "2025-05-22"),
        ("вчора", "2025-05-23T08:00:00+03:00", "uk", "2025-05-22"),
        ("у четвер", "2025-05-23T08:00:00+03:00", "uk", "2025-05-22"),
        ("во вторник", "2025-05-23T08:00:00+03:00", "ru", "2025-05-20"),
        ("on Sunday", "2025-05-23T08:00:00+03:00", "en", "2025-05-18"),
        ("May 21", "2025-05-23T08:00:00+03:00", "en", "2025-05-21"),
        (None, "2025-05-23T08:00:00+03:00", "en", "2025-05-23"),
        ("next Friday", "2025-05-23T08:00:00+03:00", "en", "2025-05-23"),  # a future date is not when it was said
        (None, "2022-03-14T24:09:29", "uk", "2022-03-14"),  # past midnight written as hour 24
    ],
)
def test_relative_dates_resolve_against_publication(phrase, published, language, expected):
    assert resolve_date(phrase, published, language) == expected
