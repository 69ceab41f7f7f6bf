"""onrecord's Datasette plugin (loaded with --plugins-dir): read-only connections, claim links, the timeline page.

- asgi_wrapper: only GET, HEAD and OPTIONS requests are served; anything else gets 405, so no page writes.
- prepare_connection: every served database connection is query_only, with a busy timeout so reads wait
  out a writer's checkpoint instead of failing, and bounded: no string or blob longer than MAX_VALUE_BYTES
  (SQLITE_LIMIT_LENGTH) and all of SQLite's memory in this process under HEAP_LIMIT_BYTES (hard_heap_limit).
  Datasette's SQL time limit cannot cut a single step (`length(hex(zeroblob(450e6)))` is one), the length
  limit does: such a query fails at once with "string or blob too big".
- render_cell: a claim's article cell links to the article row and to the original URL.
- menu_links + register_routes: the visual timeline page at /-/onrecord-timeline.
"""

from __future__ import annotations

import sqlite3
from typing import Any

import markupsafe
from datasette import hookimpl
from datasette.utils import tilde_encode
from datasette.utils.asgi import Response

from onrecord.datasette.metadata import PLUGIN_NAME, TIMELINE_PATH
from onrecord.datasette.timeline import TOPICS_SQL, date_range, layout, outlet_names, queries

ASSETS = "/onrecord-assets"
READ_BUSY_TIMEOUT_MS = 5000
# Longest value SQLite may make for a request: a stored article text is at most crawl.max_page_bytes (5 MB).
MAX_VALUE_BYTES = 16_000_000
# All SQLite allocations of the server process (every connection); past it a query fails with "out of memory".
HEAP_LIMIT_BYTES = 512_000_000


def _database_name(datasette) -> str:
    config = datasette.plugin_config(PLUGIN_NAME) or {}
    if config.get("database"):
        return config["database"]
    return next(name for name in datasette.databases if not name.startswith("_"))


READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def read_only_app(scope, receive, send):
            if scope["type"] == "http" and scope["method"] not in READ_METHODS:
                body = b"405 Method Not Allowed: this onrecord Datasette is read-only\n"
                await send(
                    {
                        "type": "http.response.start",
                        "status": 405,
                        "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"allow", b"GET, HEAD")],
                    }
                )
                await send({"type": "http.response.body", "body": body})
                return
            await app(scope, receive, send)

        return read_only_app

    return wrap


@hookimpl
def prepare_connection(conn, database, datasette):
    if database.startswith("_"):  # Datasette's own in-memory _internal database
        return
    conn.execute(f"PRAGMA busy_timeout = {READ_BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA query_only = 1")
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)
    conn.execute(f"PRAGMA hard_heap_limit = {HEAP_LIMIT_BYTES}")


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    if table != "claims" or column != "article_id" or value in (None, ""):
        return None
    article_id, label = (value["value"], value["label"]) if isinstance(value, dict) else (value, None)

    async def cell():
        db = datasette.get_database(database)
        found = (await db.execute("select title, url from articles where id = ?", [article_id])).first()
        title, url = (found[0], found[1]) if found else (label, None)
        href = datasette.urls.row(database, "articles", tilde_encode(str(article_id)))
        html = f'<a href="{markupsafe.escape(href)}">{markupsafe.escape(title or article_id)}</a>'
        if url:
            html += (
                f' <a class="onrecord-original" href="{markupsafe.escape(url)}" rel="noopener noreferrer">'
                f"original&nbsp;↗</a>"
            )
        return markupsafe.Markup(html)

    return cell


@hookimpl
def menu_links(datasette, actor, request):
    return [{"href": datasette.urls.path(TIMELINE_PATH), "label": "Visual timeline"}]


async def _rows(db, sql: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    return [dict(row) for row in (await db.execute(sql, params or {})).rows]


async def timeline_page(datasette, request):
    name = _database_name(datasette)
    db = datasette.get_database(name)
    topics = await _rows(db, TOPICS_SQL)
    topic = request.args.get("topic") or (topics[0]["id"] if topics else "")
    marks_sql, range_sql = queries("timeline_events" in await db.view_names())
    low, high = (await db.execute(range_sql, {"topic": topic})).first()
    start, end = date_range(request.args.get("from"), request.args.get("to"), low, high)
    events = await _rows(db, marks_sql, {"topic": topic, "start": start.isoformat(), "end": end.isoformat()})
    sources = {r["id"]: r["name"] for r in await _rows(db, "select id, name from sources")}
    for event in events:
        event["outlets"] = outlet_names(event["outlets"], sources)
    parties = {r["id"]: r["name"] for r in await _rows(db, "select id, name from parties")}
    claim_types = [r["id"] for r in await _rows(db, "select id from claim_types order by rowid")]
    model = layout(events, parties, claim_types, start, end)
    context = {
        "database": name,
        "topic": topic,
        "topics": topics,
        "model": model,
        "events": events,
        "parties": parties,
        "assets": datasette.urls.path(ASSETS),
        "database_url": datasette.urls.database(name),
    }
    return Response.html(await datasette.render_template("onrecord_timeline.html", context, request=request))


@hookimpl
def register_routes(datasette):
    return [(rf"^{TIMELINE_PATH}$", timeline_page)]
