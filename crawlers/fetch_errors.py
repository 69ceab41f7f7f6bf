"""One clear phrase for each way a fetch can fail (a Twisted/Scrapy failure or an HTTP status)."""

from __future__ import annotations

from urllib.parse import urlsplit

from scrapy import exceptions as scrapy_errors
from scrapy.exceptions import IgnoreRequest
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.defer import CancelledError
from twisted.internet.error import (
    ConnectError,
    ConnectionLost,
    ConnectionRefusedError,
    DNSLookupError,
    TCPTimedOutError,
    TimeoutError,
)
from twisted.python.failure import Failure
from twisted.web._newclient import ResponseFailed, ResponseNeverReceived

from onrecord.crawlers.resolver import refusal

HTTP_REASONS = {
    400: "bad request",
    401: "unauthorised",
    403: "forbidden",
    404: "not found",
    410: "gone",
    429: "too many requests",
    451: "unavailable for legal reasons",
    500: "server error",
    502: "bad gateway",
    503: "service unavailable",
    504: "gateway timeout",
}


def _scrapy(*names: str) -> tuple[type, ...]:
    """Scrapy's own download exceptions (2.13+); older versions raise the Twisted ones matched alongside."""
    return tuple(getattr(scrapy_errors, name) for name in names if hasattr(scrapy_errors, name))


def describe_status(status: int, note: str | None = None) -> str:
    text = f"HTTP {status} {HTTP_REASONS.get(status, 'client error' if status < 500 else 'server error')}"
    return f"{text} ({note})" if note else text


def _refusal(exc: BaseException | None) -> str | None:
    """The reason of a scope refusal (crawlers/scope.py) anywhere in the exception's chain, else None."""
    from onrecord.crawlers.middlewares import OutOfScope
    from onrecord.crawlers.resolver import AddressRefused

    seen = 0
    while exc is not None and seen < 5:
        if isinstance(exc, (OutOfScope, AddressRefused)):
            return str(exc)
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return None


def describe_failure(failure: Failure, max_bytes: int, timeout: float) -> str:
    exc = failure.value
    refused = _refusal(exc)
    if refused:
        return refused
    if isinstance(exc, HttpError):
        return describe_status(exc.response.status)
    if failure.check(*_scrapy("CannotResolveHostError"), DNSLookupError):
        request = getattr(failure, "request", None)
        return refusal(urlsplit(request.url).hostname if request else None) or "DNS lookup failed (no such host)"
    if failure.check(*_scrapy("DownloadTimeoutError"), TimeoutError, TCPTimedOutError):
        return f"timed out after {timeout:g}s"
    if failure.check(*_scrapy("DownloadConnectionRefusedError"), ConnectionRefusedError):
        return "connection refused"
    if failure.check(*_scrapy("DownloadCancelledError"), CancelledError):
        return f"response larger than the {max_bytes:,}-byte cap (crawl.max_page_bytes), download cancelled"
    if failure.check(IgnoreRequest):
        message = str(exc) or "request ignored"
        if "robots.txt" in message:
            return "forbidden by robots.txt"
        if "redirect" in message.lower():
            return f"redirect loop or too many redirects ({message})"
        return message
    if failure.check(
        *_scrapy("ResponseDataLossError", "DownloadFailedError"), ResponseNeverReceived, ResponseFailed, ConnectionLost
    ):
        reasons = getattr(exc, "reasons", None) or []
        inner = "; ".join(str(r.value) for r in reasons if hasattr(r, "value")) or str(exc)
        return f"connection dropped before a complete response ({inner[:160]})"
    if failure.check(ConnectError):
        return f"could not connect ({exc})"
    return f"{type(exc).__name__}: {exc}"[:240]
