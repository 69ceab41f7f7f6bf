"""The one exception root of onrecord and its few named kinds.

A failed fetch is not an exception: the crawler records it as a `fetches` row with outcome "error" and goes on.
"""


class OnrecordError(Exception):
    """Base of every error onrecord raises on purpose; the CLI turns it into one line and exit 2."""


class ConfigError(OnrecordError):
    """config.yaml (or a CLI flag) is missing, unreadable or invalid."""


class ParseError(OnrecordError):
    """Input could not be parsed: a feed, a page, a JSON Lines file."""


class StoreError(OnrecordError):
    """The SQLite store could not be opened, migrated or written."""
