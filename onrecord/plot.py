"""The swimlane chart of a timeline: one lane per party, events as marks coloured by claim type.

Hollow marks are negated claims ("not yet received"), bigger marks were carried by more independent
outlets, and events that moved a party's position (position changes) get a red ring. Drawn with
matplotlib's object API on the Agg/SVG canvases (no GUI, no global pyplot state); the file type follows
the suffix (.png or .svg).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from onrecord.core.errors import ConfigError

FORMATS = (".png", ".svg")
PALETTE = [
    "#1b9e77",
    "#d95f02",
    "#7570b3",
    "#e7298a",
    "#66a61e",
    "#e6ab02",
    "#a6761d",
    "#1f78b4",
    "#b2182b",
    "#4d4d4d",
    "#8c510a",
    "#01665e",
    "#762a83",
    "#c51b7d",
]


def plot_timeline(events: list[dict], changes: list[dict], path: str | Path, title: str = "") -> Path:
    """Draw `events` (storage.timeline.events records) with `changes` highlighted into a PNG or SVG file."""
    path = Path(path)
    if path.suffix.lower() not in FORMATS:
        raise ConfigError(f"--plot {path}: expected a file name ending in .png or .svg")
    parties = sorted({e["holder"] for e in events})
    types = sorted({e["claim_type"] for e in events})
    colours = {t: PALETTE[i % len(PALETTE)] for i, t in enumerate(types)}
    lane = {p: i for i, p in enumerate(parties)}
    changed = {c["event_id"] for c in changes}
    fig = Figure(figsize=(11, 1.2 + 0.7 * max(len(parties), 1)), layout="constrained")
    ax = fig.add_subplot()
    for event, offset in zip(events, _offsets(events), strict=True):
        x, y = date.fromisoformat(event["event_date"]), lane[event["holder"]] + offset
        size = 40 + 25 * min(event.get("corroboration") or 1, 8)
        colour = colours[event["claim_type"]]
        ax.scatter(
            [x],  # type: ignore[arg-type]  # dates go through matplotlib's unit converters; its stubs list numbers
            [y],
            s=size,
            marker="o",
            zorder=3,
            linewidths=1.5,
            facecolors="white" if event["negated"] else colour,
            edgecolors=colour,
        )
        if event["id"] in changed:
            ax.scatter(
                [x],  # type: ignore[arg-type]  # as above
                [y],
                s=size * 2.6,
                marker="o",
                facecolors="none",
                edgecolors="#d62728",
                linewidths=1.4,
                zorder=2,
            )
    ax.set_yticks(range(len(parties)), parties)
    ax.set_ylim(-0.7, len(parties) - 0.3)
    ax.invert_yaxis()
    ax.grid(axis="x", alpha=0.3)
    for y in range(len(parties)):
        ax.axhline(y, color="#cccccc", linewidth=0.6, zorder=1)
    locator = AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    handles = [Line2D([], [], marker="o", linestyle="", color=colours[t], label=t) for t in types]
    handles.append(
        Line2D(
            [],
            [],
            marker="o",
            linestyle="",
            markerfacecolor="white",
            markeredgecolor="#555555",
            label="negated (hollow)",
        )
    )
    handles.append(
        Line2D(
            [],
            [],
            marker="o",
            linestyle="",
            markerfacecolor="none",
            markeredgecolor="#d62728",
            markersize=11,
            label="position change",
        )
    )
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8, frameon=False)
    ax.set_title(title or "Positions on the record", loc="left")
    if not events:
        ax.text(0.5, 0.5, "no events match", transform=ax.transAxes, ha="center", va="center")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=150)
    return path


def _offsets(events: list[dict]) -> list[float]:
    """Vertical offsets that fan out events of one party on one day, so none hides another."""
    counts: dict[tuple, int] = {}
    for event in events:
        key = (event["holder"], event["event_date"])
        counts[key] = counts.get(key, 0) + 1
    seen: dict[tuple, int] = {}
    out = []
    for event in events:
        key = (event["holder"], event["event_date"])
        index, total = seen.get(key, 0), counts[key]
        seen[key] = index + 1
        out.append(0.0 if total == 1 else -0.3 + 0.6 * index / (total - 1))
    return out
