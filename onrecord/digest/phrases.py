"""Plain-English phrases for claim types, so a digest reads "Russia received Ukraine's list", not codes.

The wording is config data: each claim type's `phrase` in config.yaml. A type without one (one a user added
with cues only) falls back to its description, so adding a claim type never needs a code change.
"""

from __future__ import annotations

from onrecord.core.config import ClaimTypeConfig

DEFAULT_TARGET = "the other side"


def describe(
    claim_type: str | None, negated: bool | int | None, target: str | None = None, spec: ClaimTypeConfig | None = None
) -> str:
    """The verb phrase of a claim: 'received Ukraine's list', 'has not handed over its list'.

    `spec` is the claim type's config entry (None for a type the config no longer has)."""
    if not claim_type:
        return "said nothing on record"
    if spec is None or spec.phrase is None:
        text = ((spec.description if spec else "") or claim_type.replace("_", " ")).rstrip(".")
        text = text.removeprefix("The holder ").removeprefix("the holder ")
        return f"says it is not so that it {text}" if negated else text
    wording = spec.phrase.negated if negated else spec.phrase.affirmed
    return wording.replace("{target}", target or DEFAULT_TARGET)
