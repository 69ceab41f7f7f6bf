"""Plain-English phrases for claim types, so a digest reads "Russia received Ukraine's list", not codes.

A type missing here (one a user added in config.yaml) falls back to its config description, so adding a
claim type never needs a code change; a phrase here only makes the wording nicer.
"""

from __future__ import annotations

# claim type -> (affirmative, negated); {target} is the target party's name (or "the other side").
PHRASES: dict[str, tuple[str, str]] = {
    "list_submitted": ("handed over its list", "has not handed over its list"),
    "list_received": ("received {target}'s list", "has not received {target}'s list"),
    "awaiting_counterpart": ("is waiting for {target}", "is not waiting for {target}"),
    "commitment": ("stands by the process", "no longer stands by the process"),
    "proposal": ("made a proposal", "made no proposal"),
    "agreement": ("agreed", "has not agreed"),
    "rejection": ("rejected the proposal", "did not reject the proposal"),
    "concern": ("voiced concern", "sees no cause for concern"),
    "demand": ("made a demand", "dropped its demand"),
    "accusation": ("accused {target}", "did not accuse {target}"),
    "exchange_completed": ("says the exchange took place", "says the exchange has not taken place"),
    "denial": ("denied a report", "did not deny the report"),
}

DEFAULT_TARGET = "the other side"


def describe(claim_type: str | None, negated: bool | int | None, target: str | None = None,
             description: str | None = None) -> str:
    """The verb phrase of a claim: 'received Ukraine's list', 'has not handed over its list'."""
    if not claim_type:
        return "said nothing on record"
    pair = PHRASES.get(claim_type)
    if pair is None:
        text = (description or claim_type.replace("_", " ")).rstrip(".")
        text = text.removeprefix("The holder ").removeprefix("the holder ")
        return f"says it is not so that it {text}" if negated else text
    return pair[1 if negated else 0].format(target=target or DEFAULT_TARGET)
