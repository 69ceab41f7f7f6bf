"""The review page's rules, apart from Datasette: who may write, what a form asks, the evidence in its article.

Reviewing is on only when the serving process has both ONRECORD_REVIEWER (who reviews) and ONRECORD_REVIEW_SECRET
(what a reviewer types to sign in); otherwise the page shows a claim and its review history, read-only, and every
write is refused. A signed-in browser holds a cookie signed by Datasette; forms carry Datasette's CSRF token.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

REVIEW_PATH = "/-/onrecord-review"
REVIEWER_ENV = "ONRECORD_REVIEWER"
SECRET_ENV = "ONRECORD_REVIEW_SECRET"
COOKIE = "onrecord_review"
COOKIE_NAMESPACE = "onrecord-review"
CONTEXT_CHARS = 600  # article text shown either side of the evidence
ACTIONS = ("accept", "reject", "correct", "add", "revert")
FIELD_NAMES = ("topic", "holder", "claim_type", "target", "claim_date", "speaker")


@dataclass(frozen=True)
class ReviewAccess:
    reviewer: str | None
    secret: str | None

    @property
    def enabled(self) -> bool:
        return bool(self.reviewer and self.secret)

    def secret_matches(self, given: str | None) -> bool:
        return self.enabled and bool(given) and hmac.compare_digest(str(given).encode(), str(self.secret).encode())


def access(environ: Mapping[str, str] | None = None) -> ReviewAccess:
    """Who may review in this process (from the environment, read when asked)."""
    env = os.environ if environ is None else environ
    return ReviewAccess((env.get(REVIEWER_ENV) or "").strip() or None, env.get(SECRET_ENV) or None)


def in_context(text: str | None, start: int | None, end: int | None, chars: int = CONTEXT_CHARS) -> dict[str, str]:
    """The evidence and the article text around it: before, evidence, after (with … where cut)."""
    text = text or ""
    if start is None or end is None or not 0 <= start <= end <= len(text):
        return {"before": "", "evidence": "", "after": text[: chars * 2]}
    low, high = max(0, start - chars), min(len(text), end + chars)
    return {
        "before": ("…" if low else "") + text[low:start],
        "evidence": text[start:end],
        "after": text[end:high] + ("…" if high < len(text) else ""),
    }


def form_fields(form: Mapping[str, Any]) -> dict[str, Any]:
    """A correct/add form's claim fields: those filled in ('-' clears an optional one); negated from its select."""
    fields: dict[str, Any] = {}
    for name in FIELD_NAMES:
        value = (form.get(name) or "").strip()
        if value == "-" and name in ("target", "claim_date", "speaker"):
            fields[name] = None
        elif value:
            fields[name] = value
    negated = (form.get("negated") or "").strip()
    if negated in ("true", "false"):
        fields["negated"] = negated == "true"
    return fields
