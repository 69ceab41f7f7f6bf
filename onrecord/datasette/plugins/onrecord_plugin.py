"""onrecord's Datasette plugin (loaded with --plugins-dir): read-only connections, claim links, the timeline page,
the review page.

- asgi_wrapper: only GET, HEAD and OPTIONS requests are served; anything else gets 405, so no page writes. The one
  exception: POST to the review page while reviewing is on (ONRECORD_REVIEWER and ONRECORD_REVIEW_SECRET set in the
  serving process); the page then checks the secret (or the signed cookie it sets) and Datasette the CSRF token,
  and writes through its own short connection (storage.reviews), never through Datasette's read-only ones.
- prepare_connection: every served database connection is query_only, with a busy timeout so reads wait
  out a writer's checkpoint instead of failing, and bounded: no string or blob longer than MAX_VALUE_BYTES
  (SQLITE_LIMIT_LENGTH) and all of SQLite's memory in this process under HEAP_LIMIT_BYTES (hard_heap_limit).
  Datasette's SQL time limit cannot cut a single step (`length(hex(zeroblob(450e6)))` is one), the length
  limit does: such a query fails at once with "string or blob too big".
- render_cell: a claim's article cell links to the article row and to the original URL; its evidence cell links to
  its review page.
- menu_links + register_routes: the visual timeline page at /-/onrecord-timeline, the review page at
  /-/onrecord-review?claim=ID (or ?article=ID to add a claim the reader missed), and each watchlist's alerts as an
  Atom feed at /-/onrecord-alerts/<watchlist>.atom (storage/alerts.py, worded by onrecord/alerts/render.py).
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import urllib.parse
from functools import cache
from typing import Any

import markupsafe
from datasette import hookimpl
from datasette.utils import tilde_encode
from datasette.utils.asgi import Response

from onrecord.datasette.metadata import PLUGIN_NAME, TIMELINE_PATH
from onrecord.datasette.review import COOKIE, COOKIE_NAMESPACE, REVIEW_PATH, access, form_fields, in_context
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
REVIEWABLE = frozenset({"claims", "reviewed_claims", "claim_review_rows"})  # their evidence cells link to review


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def read_only_app(scope, receive, send):
            review_post = scope.get("path") == REVIEW_PATH and scope.get("method") == "POST" and access().enabled
            if scope["type"] == "http" and scope["method"] not in READ_METHODS and not review_post:
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
    if table in REVIEWABLE and column == "evidence" and "id" in row.keys() and row["id"]:  # noqa: SIM118 (sqlite3.Row: `in` tests values)
        href = datasette.urls.path(f"{REVIEW_PATH}?{urllib.parse.urlencode({'claim': str(row['id'])})}")
        return markupsafe.Markup(
            f'{markupsafe.escape(value or "")} <a class="onrecord-review-link" href="{markupsafe.escape(href)}">'
            f"review</a>"
        )
    if table not in ("claims", "reviewed_claims") or column != "article_id" or value in (None, ""):
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
        "review_url": datasette.urls.path(REVIEW_PATH) if "claim_review_rows" in await db.view_names() else "",
    }
    return Response.html(await datasette.render_template("onrecord_timeline.html", context, request=request))


# --- the review page -------------------------------------------------------------------------------------------


def _read_review(conn, claim_id: str | None, article_id: str | None) -> dict[str, Any]:
    """What the page shows, read through one of Datasette's read-only connections."""
    import sqlite_utils

    from onrecord.storage import reviews

    db = sqlite_utils.Database(conn)
    claim = reviews.claim(db, claim_id) if claim_id else None
    machine = reviews.machine_claim(db, claim_id) if claim_id else None
    article_key = claim["article_id"] if claim else article_id
    article = reviews.article(db, article_key) if article_key else None
    trail = reviews.history(db, claim_id=claim_id) if claim else []
    refs = {
        kind: [row[0] for row in conn.execute(f"SELECT id FROM {kind} ORDER BY rowid")]
        for kind in ("topics", "parties", "claim_types")
    }
    others = (
        list(db.query("SELECT * FROM reviewed_claims WHERE article_id = ? ORDER BY start", [article["id"]]))
        if article
        else []
    )
    return {"claim": claim, "machine": machine, "article": article, "history": trail, "refs": refs, "others": others}


def _signed_in(datasette, request) -> bool:
    who = access()
    cookie = request.cookies.get(COOKIE)
    if not (who.enabled and cookie):
        return False
    try:
        return datasette.unsign(cookie, COOKIE_NAMESPACE) == who.reviewer
    except Exception:  # a cookie signed by another server, or tampered with
        return False


@cache
def _config():
    """The config the serving command uses (onrecord serve passes its file on in $ONRECORD_CONFIG)."""
    import os

    from onrecord.core.config import load_config, resolve_config

    return load_config(resolve_config(None, os.environ).path)


def _write(db_path: str, action: str, reviewer: str, args: dict[str, Any]) -> dict[str, Any]:
    """Record one review through a short writing connection, and fold it into the timeline."""
    from onrecord.storage.db import open_store
    from onrecord.storage.events import update_events
    from onrecord.storage.reviews import record

    db = open_store(db_path, migrate_schema=False)
    try:
        row = record(db, action, reviewer, **args)
        update_events(db, _config())
        return row
    finally:
        db.conn.close()


def _action_args(action: str, form: dict[str, Any]) -> dict[str, Any]:
    note = (form.get("note") or "").strip() or None
    if action == "revert":
        try:
            return {"reverts": int(form.get("reverts") or ""), "note": note}
        except ValueError:
            return {"reverts": None, "note": note}
    if action == "add":
        span = {}
        for name in ("start", "end"):
            value = (form.get(name) or "").strip()
            span[name] = int(value) if value.isdigit() else None
        return {
            "article_id": form.get("article") or None,
            "fields": form_fields(form),
            "evidence": form.get("evidence") or None,
            "note": note,
            **span,
        }
    fields = form_fields(form) if action == "correct" else {}
    return {"claim_id": form.get("claim") or None, "fields": fields, "note": note}


async def review_page(datasette, request):
    name = _database_name(datasette)
    db = datasette.get_database(name)
    who = access()
    status, message, set_cookie = 200, None, False
    claim_id, article_id = request.args.get("claim"), request.args.get("article")
    if request.method == "POST":
        form = dict(await request.post_vars())
        claim_id, article_id = form.get("claim") or claim_id, form.get("article") or article_id
        signed_in = _signed_in(datasette, request)
        if not who.enabled:
            return Response.text("403 Forbidden: reviewing is off on this server\n", status=403)
        if not signed_in and not who.secret_matches(form.get("secret")):
            return Response.text("403 Forbidden: wrong or missing review secret\n", status=403)
        set_cookie = not signed_in
        action = form.get("action") or ""
        try:
            reviewer = str(who.reviewer)  # enabled: set
            row = await asyncio.to_thread(_write, db.path, action, reviewer, _action_args(action, form))
        except Exception as exc:  # ReviewError: say what was wrong, change nothing
            from onrecord.core.errors import OnrecordError

            if not isinstance(exc, OnrecordError):
                raise
            status, message = 400, f"Not recorded: {exc}"
        else:
            claim_id = row.get("claim_id") or claim_id
            query = urllib.parse.urlencode({"claim": claim_id, "done": row["id"]} if claim_id else {"done": row["id"]})
            response = Response.redirect(datasette.urls.path(f"{REVIEW_PATH}?{query}"), status=303)
            if set_cookie:
                response.set_cookie(
                    COOKIE, datasette.sign(who.reviewer, COOKIE_NAMESPACE), httponly=True, samesite="strict"
                )
            return response
    data = await db.execute_fn(lambda conn: _read_review(conn, claim_id, article_id))
    if claim_id and not data["claim"]:
        status, message = 404, f"No claim {claim_id} in this store."
    done = request.args.get("done")
    if done and not message:
        message = f"Review {done} recorded."
    claim = data["claim"]
    article = data["article"]
    context = {
        **data,
        "database": name,
        "database_url": datasette.urls.database(name),
        "review_path": datasette.urls.path(REVIEW_PATH),
        "timeline_url": datasette.urls.path(TIMELINE_PATH),
        "enabled": who.enabled,
        "reviewer": who.reviewer,
        "signed_in": _signed_in(datasette, request),
        "message": message,
        "claim_id": claim_id,
        "context": in_context(article["text"], claim["start"], claim["end"]) if claim and article else None,
        "fields_json": json.dumps(data["history"][-1]["fields"], ensure_ascii=False) if data["history"] else "",
    }
    html = await datasette.render_template("onrecord_review.html", context, request=request)
    return Response.html(html, status=status)


ALERTS_PATH = "/-/onrecord-alerts"
FEED_ENTRIES = 100


async def alerts_feed(datasette, request):
    from onrecord.alerts.render import Words, alert_text, atom_feed
    from onrecord.storage.alerts import feed_alerts

    watchlist = request.url_vars["watchlist"]
    config = _config()
    watch = next((w for w in config.watchlists if w.id == watchlist and w.delivery.atom), None)
    if watch is None:
        return Response.text(f"404 Not Found: no watchlist {watchlist!r} with an Atom feed\n", status=404)
    db = datasette.get_database(_database_name(datasette))
    if "alerts" not in await db.table_names():
        rows: list[dict[str, Any]] = []
    else:
        import sqlite_utils

        rows = await db.execute_fn(lambda conn: feed_alerts(sqlite_utils.Database(conn), watchlist, FEED_ENTRIES))
    words = Words(config)
    self_url = datasette.absolute_url(request, datasette.urls.path(f"{ALERTS_PATH}/{watchlist}.atom"))
    body = atom_feed(config, watchlist, [alert_text(row, words) for row in rows], self_url)
    return Response(body, content_type="application/atom+xml; charset=utf-8")


@hookimpl
def register_routes(datasette):
    return [
        (rf"^{TIMELINE_PATH}$", timeline_page),
        (rf"^{REVIEW_PATH}$", review_page),
        (rf"^{ALERTS_PATH}/(?P<watchlist>[A-Za-z0-9_.-]+)\.atom$", alerts_feed),
    ]
