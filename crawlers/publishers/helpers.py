"""Helpers shared by publisher parsers: the first node a CSS selector finds, dates written out in words."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

# Month names as they appear in dates (English, Ukrainian and Russian genitive forms), lower case.
MONTHS = {
    **{
        m: i
        for i, m in enumerate(
            (
                "january",
                "february",
                "march",
                "april",
                "may",
                "june",
                "july",
                "august",
                "september",
                "october",
                "november",
                "december",
            ),
            1,
        )
    },
    **{
        m: i
        for i, m in enumerate(
            (
                "січня",
                "лютого",
                "березня",
                "квітня",
                "травня",
                "червня",
                "липня",
                "серпня",
                "вересня",
                "жовтня",
                "листопада",
                "грудня",
            ),
            1,
        )
    },
    **{
        m: i
        for i, m in enumerate(
            (
                "января",
                "февраля",
                "марта",
                "апреля",
                "мая",
                "июня",
                "июля",
                "августа",
                "сентября",
                "октября",
                "ноября",
                "декабря",
            ),
            1,
        )
    },
}
_WORDY_DATE = re.compile(r"(\d{1,2})\s+([^\W\d_]+)\s+(\d{4})(?:\D{1,12}?(\d{1,2}):(\d{2}))?")


def first_text(tree, selector: str) -> str | None:
    """The whitespace-normalised text of the first node matching the CSS selector, or None."""
    nodes = tree.cssselect(selector)
    text = " ".join(nodes[0].text_content().split()) if nodes else ""
    return text or None


def wordy_date(text: str | None, timezone: str) -> str | None:
    """'23 May 2025 - 15:40' or '23 травня 2025 року - 15:40' (local time in `timezone`) -> ISO 8601 UTC;
    a date without a time -> 'YYYY-MM-DD'; None when there is no such date."""
    match = _WORDY_DATE.search(text or "")
    month = MONTHS.get(match.group(2).lower()) if match else None
    if not match or not month:
        return None
    day, year = int(match.group(1)), int(match.group(3))
    try:
        if match.group(4) is None:
            return datetime(year, month, day).date().isoformat()
        local = datetime(year, month, day, int(match.group(4)), int(match.group(5)), tzinfo=ZoneInfo(timezone))
    except ValueError:
        return None
    return local.astimezone(ZoneInfo("UTC")).isoformat()
