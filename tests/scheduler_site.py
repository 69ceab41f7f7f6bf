"""A tiny news site for the scheduler tests: one RSS feed and articles of ~150 words, written for these tests.

`add_article(root, n)` publishes article n (page + feed entry) while the server runs.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

TOWNS = [
    "Marlow Bay",
    "Eastwick",
    "Dunmore",
    "Hollin Ford",
    "Kestrel Point",
    "Ashby Cross",
    "Redmere",
    "Tollgate",
    "Brackenfield",
    "Saltcote",
    "Wyvern Hill",
    "Oakhampton",
]
THINGS = [
    "ferry timetable",
    "library roof",
    "bus depot",
    "swimming pool",
    "market square",
    "river bridge",
    "school kitchen",
    "cycle lane",
    "fire station",
    "harbour wall",
    "community garden",
    "railway footpath",
]
PEOPLE = [
    "the mayor",
    "a council engineer",
    "the treasurer",
    "a local shopkeeper",
    "the head teacher",
    "a retired fisherman",
    "the parish clerk",
    "a youth worker",
    "the harbour master",
    "a district nurse",
]
REASONS = [
    "storm damage last winter",
    "a shortage of qualified builders",
    "rising fuel prices",
    "complaints from nearby residents",
    "a grant from the regional fund",
    "an inspection report in March",
    "delays in the delivery of steel",
    "a petition signed by hundreds of pupils",
]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October"]
SENTENCES = [
    "Officials in {town} said on Tuesday that work on the {thing} would begin in {month}, citing {reason}.",
    "Speaking at a crowded meeting, {person} told residents that the {thing} had been discussed for years.",
    "According to {person2}, the budget for the {thing} is about {money} thousand pounds, paid over {years} years.",
    "Some neighbours in {town} worried about noise, while others said the {thing} was long overdue.",
    "The council promised to publish weekly updates and to answer every letter about the {thing} within {days} days.",
    "{Person} added that volunteers from {town2} had offered to help with planting, painting and clearing rubbish.",
    "A final vote is expected in {month2}, after {reason2} has been reviewed by an independent panel of experts.",
    "Readers can send questions to the town hall, which opens from nine until five on weekdays except holidays.",
]


def article_text(n: int) -> list[str]:
    """Eight sentences (~150 words) whose names, places and numbers change with n, so articles differ."""
    pick = lambda items, k: items[(n * 7 + k * 3) % len(items)]  # noqa: E731
    values = {
        "town": pick(TOWNS, 0),
        "town2": pick(TOWNS, 5),
        "thing": pick(THINGS, 1),
        "month": pick(MONTHS, 2),
        "month2": pick(MONTHS, 6),
        "reason": pick(REASONS, 3),
        "reason2": pick(REASONS, 7),
        "person": pick(PEOPLE, 4),
        "person2": pick(PEOPLE, 8),
        "money": 40 + n * 13,
        "years": 2 + n % 5,
        "days": 5 + n % 9,
    }
    values["Person"] = values["person"][0].upper() + values["person"][1:]
    return [sentence.format(**values) + f" (Report {n}.)" for sentence in SENTENCES]


def article_html(n: int) -> str:
    title = f"Report {n}: plans for the {article_text(n)[0].split('the ')[1].split(' would')[0]}"
    body = "\n".join(f"<p>{sentence}</p>" for sentence in article_text(n))
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title></head>'
        f"<body><article><h1>{title}</h1>\n{body}\n</article></body></html>\n"
    )


def feed_xml(numbers: list[int]) -> str:
    start = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
    items = "".join(
        f"<item><title>Report {n}</title><link>{{{{BASE}}}}/news/{n}.html</link>"
        f"<guid>{{{{BASE}}}}/news/{n}.html</guid><pubDate>{format_datetime(start + timedelta(hours=n))}</pubDate>"
        f"<description>Town news, report {n}.</description></item>"
        for n in sorted(numbers, reverse=True)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Marlow Bay News</title>'
        f"<link>{{{{BASE}}}}/</link><description>Test feed</description>{items}</channel></rss>\n"
    )


def write_site(root: Path, numbers: list[int]) -> Path:
    (root / "news").mkdir(parents=True, exist_ok=True)
    for n in numbers:
        (root / "news" / f"{n}.html").write_text(article_html(n), encoding="utf-8")
    (root / "feed.xml").write_text(feed_xml(numbers), encoding="utf-8")
    (root / "robots.txt").write_text("User-agent: *\nAllow: /\n", encoding="utf-8")
    return root


def add_article(root: Path, n: int) -> None:
    numbers = sorted(int(p.stem) for p in (root / "news").glob("*.html"))
    (root / "news" / f"{n}.html").write_text(article_html(n), encoding="utf-8")
    (root / "feed.xml").write_text(feed_xml(numbers + [n]), encoding="utf-8")
