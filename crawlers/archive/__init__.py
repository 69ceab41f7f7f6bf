"""Backfill: walking a source's archive back in time (`onrecord backfill`), through the crawl's own spider path."""
