"""Where a position interval sits in `position_intervals`: the placement SQL that reads and writes share.

The table itself is in storage/schema.sql (its comment explains the placement). An interval of at most
2^level days has that level and bucket = (first day number) >> level, so the intervals containing a day D are
in bucket D >> level or the one before, at each of INTERVAL_LEVELS levels; an interval still holding (valid_to
= STILL_HOLDS) has level 99 and bucket = its first day number; one with a date that is not ISO has level -1.
storage.positions.refresh_intervals writes rows with INTERVAL_LEVEL / INTERVAL_BUCKET; storage.timeline.state_as_of
reads them with the same levels. This is runtime SQL: the frozen upgrade steps (storage/upgrades/) spell out
their own copy and never import it.
"""

from __future__ import annotations

INTERVAL_LEVELS = 18  # 2^17 days: any interval between real dates
STILL_HOLDS = "9999-12-31"  # valid_to of an interval no later event has ended


def _placement(s: str) -> tuple[str, str]:
    """SQL for (level, bucket) of an interval from a span row `s` (lo: first day number, n: days, valid_to)."""
    steps = " ".join(f"WHEN {s}.n <= {1 << n} THEN {n}" for n in range(INTERVAL_LEVELS - 1))
    level = (
        f"(CASE WHEN {s}.valid_to = '{STILL_HOLDS}' THEN 99 WHEN {s}.n IS NULL THEN -1 "
        f"{steps} ELSE {INTERVAL_LEVELS - 1} END)"
    )
    bucket = (
        f"(CASE WHEN {s}.lo IS NULL THEN 0 WHEN {s}.valid_to = '{STILL_HOLDS}' THEN {s}.lo "
        f"WHEN {s}.n IS NULL THEN 0 ELSE {s}.lo >> {level} END)"
    )
    return level, bucket


def _day(value: str) -> str:
    """SQL: the day number of an ISO date (NULL for anything else, '2025-02-30' included: it sorts as a string)."""
    return f"(CASE WHEN date(julianday({value})) = {value} THEN CAST(julianday({value}) AS INTEGER) END)"


def interval_span(valid_from: str, valid_to: str) -> str:
    """Select list of a span row: valid_to, lo (day number of valid_from), n (days; NULL unless both are ISO)."""
    return f"{valid_to} AS valid_to, {_day(valid_from)} AS lo, {_day(valid_to)} - {_day(valid_from)} AS n"


# (level, bucket) of the span row `s` (selected with interval_span).
INTERVAL_LEVEL, INTERVAL_BUCKET = _placement("s")
