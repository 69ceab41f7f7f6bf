"""The daily digest email: what changed, on whose word (build -> render -> send -> record)."""

from onrecord.digest.builder import assemble, build_digest
from onrecord.digest.daily import DigestResult, daily_period, send_daily, send_digest
from onrecord.digest.model import Digest
from onrecord.digest.render import compose, render_html, render_text

__all__ = [
    "Digest",
    "DigestResult",
    "assemble",
    "build_digest",
    "compose",
    "daily_period",
    "render_html",
    "render_text",
    "send_daily",
    "send_digest",
]
