"""Bytes to text when the declared charset may be wrong or missing."""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.I)
_XML_ENCODING = re.compile(rb"""<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_\-:.]+)""", re.I)


def _known(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name.strip().strip("\"'")).name
    except LookupError:
        return None


def declared_charsets(body: bytes, header_charset: str | None) -> list[str]:
    """Charsets the document claims, most trusted first: BOM, HTTP header, <meta>/<?xml?> declaration."""
    found = []
    if body.startswith(codecs.BOM_UTF8):
        found.append("utf-8")
    head = body[:4096]
    for candidate in (
        header_charset,
        *(m.group(1).decode("ascii", "ignore") for m in (_META_CHARSET.search(head), _XML_ENCODING.search(head)) if m),
    ):
        name = _known(candidate)
        if name and name not in found:
            found.append(name)
    return found


# Bytes that do not decode as UTF-8, as a share of the text's non-ASCII characters, below which a text is taken
# as UTF-8 with a few damaged bytes (each shown as U+FFFD) rather than as some legacy code page: Cyrillic or
# Greek in a single-byte code page is almost never valid UTF-8 for more than a few characters in a row.
DAMAGED_UTF8_SHARE = 0.02


def damaged_utf8(body: bytes) -> str | None:
    """The text, if `body` is UTF-8 with a few invalid bytes (each replaced by U+FFFD); else None (valid UTF-8
    or not UTF-8 at all)."""
    try:
        body.decode("utf-8")
        return None
    except UnicodeDecodeError:
        pass
    text = body.decode("utf-8", errors="replace")
    damaged = text.count("\ufffd")
    non_ascii = sum(1 for char in text if ord(char) > 127)
    valid = non_ascii - damaged
    return text if valid >= 20 and damaged <= DAMAGED_UTF8_SHARE * non_ascii else None


def decode_body(body: bytes, header_charset: str | None = None) -> tuple[str, str]:
    """(text, charset): UTF-8 if the bytes are valid UTF-8, else the first declared charset that decodes
    cleanly, else a detected one.

    Valid UTF-8 with non-ASCII bytes is almost never anything else, so it wins over a (wrong) declaration;
    so does UTF-8 with a few damaged bytes (damaged_utf8: the bad bytes become U+FFFD, the rest stays as
    published); a declaration that does not decode the bytes is treated as wrong rather than trusted with
    replacement characters; detection is the last resort, and as a floor we decode with replacement.
    """
    if body.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return body.decode("utf-16", errors="replace"), "utf-16"
    repaired = damaged_utf8(body)
    if repaired is not None:  # one bad byte must not turn a whole UTF-8 page into another code page's letters
        return repaired, "utf-8"
    for name in ["utf-8", *declared_charsets(body, header_charset)]:
        try:
            return body.decode(name), name
        except (UnicodeDecodeError, LookupError):
            continue
    best = from_bytes(body[:200_000]).best()
    if best is not None and best.encoding:
        return body.decode(best.encoding, errors="replace"), best.encoding
    return body.decode("utf-8", errors="replace"), "utf-8"
