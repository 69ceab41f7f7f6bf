"""The visual timeline page's model: which rows to read, and where each mark goes (lanes per party, x by date).

Pure functions, so the page's layout is testable without a server; the Datasette plugin runs the SQL and
renders the template.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

MAX_MARKS = 2000
WIDTH = 1000  # SVG user units of the plot, left margin for party names included
LABEL_WIDTH = 140
LANE_HEIGHT = 54
AXIS_HEIGHT = 28
RIGHT_MARGIN = 45
FAN_DY = (0, -15, 15)  # marks of one party on one day: centre, above, below, then the next column
FAN_DX = 12
# Colour per claim type, in the order of config.yaml's claim_types (then any other type).
PALETTE = [
    "#4e79a7",
    "#f28e2b",
    "#e15759",
    "#59a14f",
    "#b07aa1",
    "#edc948",
    "#76b7b2",
    "#9c755f",
    "#ff9da7",
    "#1b9e77",
    "#7570b3",
    "#4d4d4d",
    "#a6761d",
    "#c51b7d",
]

# One mark per event (claims saying the same thing, merged by storage/events.py) when the store has them; reviewed:
# how many of its claims a researcher reviewed, best_claim_id the claim its quote is from (the review page's link).
EVENTS_SQL = f"""
select e.id, e.event_date as date, e.holder, e.claim_type, e.negated, e.target, e.speaker, e.evidence,
  coalesce(c.article_id, (select r.article_id from claim_review_rows r where r.id = e.best_claim_id)) as article_id,
  e.title, e.url, e.outlets, e.corroboration, e.best_claim_id, e.reviewed
from timeline_events e
  left join claims c on c.id = e.best_claim_id
where e.topic = :topic and e.event_date between :start and :end
order by e.event_date, e.holder, e.id
limit {MAX_MARKS}
"""

EVENTS_RANGE_SQL = "select min(event_date), max(event_date) from timeline_events where topic = :topic"

# One mark per claim, for a store whose events have not been derived (no timeline_events view).
CLAIMS_SQL = f"""
select c.id, substr(c.claim_date, 1, 10) as date, c.holder, c.claim_type, c.negated, c.target, c.speaker,
  c.evidence, c.article_id, a.title, a.url, json_array(c.source) as outlets, 1 as corroboration,
  c.id as best_claim_id, 0 as reviewed
from claims c
  join articles a on a.id = c.article_id
where c.topic = :topic and c.claim_date is not null
  and substr(c.claim_date, 1, 10) between :start and :end
order by date, c.holder, c.id
limit {MAX_MARKS}
"""

CLAIMS_RANGE_SQL = """
select min(substr(claim_date, 1, 10)), max(substr(claim_date, 1, 10)) from claims
where topic = :topic and claim_date is not null
"""

TOPICS_SQL = """
select t.id, count(c.id) as n from topics t left join claims c on c.topic = t.id
group by t.id order by n desc, t.id
"""


@dataclass
class Mark:
    event: dict[str, Any]
    x: float
    y: float
    colour: str
    index: int


@dataclass
class Lane:
    party: str
    name: str
    y: float
    count: int


@dataclass
class Layout:
    start: date
    end: date
    lanes: list[Lane] = field(default_factory=list)
    marks: list[Mark] = field(default_factory=list)
    ticks: list[tuple[float, str]] = field(default_factory=list)
    colours: dict[str, str] = field(default_factory=dict)
    height: float = AXIS_HEIGHT

    @property
    def width(self) -> int:
        return WIDTH

    @property
    def label_width(self) -> int:
        return LABEL_WIDTH


def queries(has_events: bool) -> tuple[str, str]:
    """(marks SQL, date range SQL): events when the store has the timeline_events view, else claims."""
    return (EVENTS_SQL, EVENTS_RANGE_SQL) if has_events else (CLAIMS_SQL, CLAIMS_RANGE_SQL)


def outlet_names(outlets_json: str | None, sources: dict[str, str]) -> str:
    """'Test Wire, Kyiv Test Daily' from a JSON list of source ids."""
    try:
        ids = json.loads(outlets_json) if outlets_json else []
    except ValueError:
        ids = [outlets_json]
    return ", ".join(sources.get(i, i) for i in ids if i)


def parse_day(value: str | None) -> date | None:
    """A date from 'YYYY-MM-DD...' or None when the text is not one."""
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def colours_for(claim_types: list[str], events: list[dict[str, Any]]) -> dict[str, str]:
    """A stable colour per claim type: configured types first, then any other type seen."""
    ordered = list(claim_types) + sorted({e["claim_type"] for e in events} - set(claim_types))
    return {t: PALETTE[i % len(PALETTE)] for i, t in enumerate(ordered)}


def _ticks(start: date, end: date, count: int = 6) -> list[tuple[float, str]]:
    span = max((end - start).days, 1)
    step = max(span // count, 1)
    days = range(0, span + 1, step)
    return [(_x(start + timedelta(days=d), start, end), (start + timedelta(days=d)).isoformat()) for d in days]


def _x(day: date, start: date, end: date) -> float:
    span = max((end - start).days, 1)
    plot = WIDTH - LABEL_WIDTH - 10 - RIGHT_MARGIN
    return round(LABEL_WIDTH + 10 + plot * (day - start).days / span, 1)


def layout(
    events: list[dict[str, Any]], parties: dict[str, str], claim_types: list[str], start: date, end: date
) -> Layout:
    """Lanes per party (busiest first) and one mark per event; marks on the same day in a lane fan out."""
    result = Layout(start=start, end=end, ticks=_ticks(start, end), colours=colours_for(claim_types, events))
    counts: dict[str, int] = {}
    for event in events:
        counts[event["holder"]] = counts.get(event["holder"], 0) + 1
    order = sorted(counts, key=lambda h: (-counts[h], parties.get(h, h)))
    lane_y = {}
    for i, holder in enumerate(order):
        lane_y[holder] = AXIS_HEIGHT + i * LANE_HEIGHT + LANE_HEIGHT / 2
        result.lanes.append(
            Lane(party=holder, name=parties.get(holder, holder), y=lane_y[holder], count=counts[holder])
        )
    same_day: dict[tuple[str, str], int] = {}
    for index, event in enumerate(events):
        day = parse_day(event["date"])
        if day is None:
            continue
        key = (event["holder"], day.isoformat())
        slot = same_day.get(key, 0)
        same_day[key] = slot + 1
        result.marks.append(
            Mark(
                event=event,
                x=_x(day, start, end) + FAN_DX * (slot // len(FAN_DY)),
                y=lane_y[event["holder"]] + FAN_DY[slot % len(FAN_DY)],
                colour=result.colours[event["claim_type"]],
                index=index,
            )
        )
    result.height = AXIS_HEIGHT + max(len(order), 1) * LANE_HEIGHT + 10
    return result


def date_range(
    requested_from: str | None, requested_to: str | None, data_min: str | None, data_max: str | None
) -> tuple[date, date]:
    """The shown range: what the reader asked for, else the topic's first to last claim, padded by a day."""
    today = date.today()
    low = parse_day(data_min) or today - timedelta(days=30)
    high = parse_day(data_max) or today
    start = parse_day(requested_from) or low - timedelta(days=1)
    end = parse_day(requested_to) or high + timedelta(days=1)
    if end < start:
        start, end = end, start
    return start, end
