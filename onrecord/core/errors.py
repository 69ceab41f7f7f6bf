"""The one exception root of onrecord and its few named kinds."""


class OnrecordError(Exception):
    """Base of every error onrecord raises on purpose; the CLI turns it into one line and exit 2."""


class ConfigError(OnrecordError):
    """config.yaml (or a CLI flag) is missing, unreadable or invalid."""


class FetchError(OnrecordError):
    """A network fetch failed: timeout, DNS, HTTP status, size cap, robots."""


class ParseError(OnrecordError):
    """Input could not be parsed: a feed, a page, a JSON Lines file."""


class StoreError(OnrecordError):
    """The SQLite store could not be opened, migrated or written."""
