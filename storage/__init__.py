"""The SQLite store: sources, fetches, articles, claims, and the timeline derived from claims."""

from onrecord.storage.db import open_store

__all__ = ["open_store"]
