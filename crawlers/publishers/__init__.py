"""Publisher-specific parsers: only for outlets where the generic extraction gets a field wrong.

`parser: <name>` on a source names crawlers/publishers/<name>.py, one small class `Parser` with a method
per field it reads better than the generic path (title, published, text). Each method gets the parsed
page (an lxml tree) and its URL, never fetches anything, and returns the value or None, in which case
the generic value is kept. Selectors are named constants in the module; helpers shared by parsers
(dates, bylines) live in crawlers/publishers/helpers.py. After a site redesign, add a dated parser
version and keep the old fixture.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

import lxml.html

from onrecord.core.errors import ConfigError

FIELDS = ("title", "published", "text")
_NOT_PARSERS = {"helpers"}


def available() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name not in _NOT_PARSERS)


def load_parser(name: str, source_id: str = "") -> Any:
    """The named parser, or a ConfigError naming the source and the parsers there are."""
    if name not in available():
        raise ConfigError(
            f"sources: {source_id or '?'}: parser {name!r} not found in crawlers/publishers/ "
            f"(available: {', '.join(available()) or 'none'})"
        )
    return importlib.import_module(f"{__name__}.{name}").Parser()


def parse_fields(name: str, html: str, url: str) -> dict[str, str]:
    """The fields the named parser finds on the page (those it returns None for are left out)."""
    parser = load_parser(name)
    tree = lxml.html.fromstring(html)
    found = {}
    for field in FIELDS:
        method = getattr(parser, field, None)
        value = method(tree, url) if method else None
        if value:
            found[field] = value
    return found
