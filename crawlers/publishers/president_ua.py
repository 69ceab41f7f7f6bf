"""president.gov.ua news pages (English and Ukrainian), parser version 2025-05.

The page gives its date only as text ("23 May 2025 - 15:40", "23 травня 2025 року - 15:40", Kyiv time),
with no <time> element or meta tag, so the generic date finder returns nothing; title and text are fine.
"""

from __future__ import annotations

from onrecord.crawlers.publishers.helpers import first_text, wordy_date

DATE = ".article .date, .article p.date"
TIMEZONE = "Europe/Kyiv"


class Parser:
    def published(self, tree, url: str) -> str | None:
        return wordy_date(first_text(tree, DATE), TIMEZONE)
