"""Deliver the outbox (storage/alerts.py): one message per watchlist and channel per group window, retried with
back-off, at most once.

A delivery run holds `<db>.alerts.lock` (an flock the kernel drops however the process ends), so runs of the
daemon and of `onrecord alerts --deliver` never send side by side; any message still `sending` when a run starts
was left by a process that died between sending and recording it, and is failed as interrupted rather than sent
again. Per watchlist and channel, in order: a message waiting for its retry goes when its next_attempt_at has come
(nothing new goes meanwhile); else every pending alert goes in one new message, unless the last message went
less than `group_window` ago (they wait for the window to close and then go together).
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import logging
import os
import signal
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

import sqlite_utils

from onrecord.alerts.render import AlertText, Words, alert_text, compose_email, message_key, webhook_body
from onrecord.core.config import Config, WatchlistConfig, parse_duration
from onrecord.core.errors import OnrecordError
from onrecord.core.records import utc_now
from onrecord.digest.render import addresses
from onrecord.digest.sender import deliver as smtp_deliver
from onrecord.digest.sender import smtp_password
from onrecord.storage import alerts as outbox

log = logging.getLogger("onrecord.alerts")

SIGNATURE_HEADER = "X-Onrecord-Signature"
DELIVERY_HEADER = "X-Onrecord-Delivery"
# Test hook: a delivery process with this set kills itself (SIGKILL) right after a send succeeds, before it records
# the message as sent; tests/test_alerts.py uses it to show what a kill -9 at that moment leaves.
KILL_AFTER_SEND_ENV = "ONRECORD_TEST_KILL_AFTER_SEND"


class SendError(Exception):
    """One attempt failed; the message says why, on one line."""


@dataclass
class DeliveryRun:
    sent: int = 0  # messages
    alerts: int = 0  # alerts those messages carried
    retrying: int = 0
    failed: int = 0
    interrupted: int = 0
    waiting: int = 0  # channels holding alerts back for their group window or retry time
    busy: bool = False  # another run holds the lock
    errors: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def sign(secret: str, body: bytes) -> str:
    """The signature header's value: sha256=<hex HMAC-SHA256 of the body under the secret>."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def post_webhook(watch: WatchlistConfig, body: bytes, key: str, environ: Mapping[str, str]) -> None:
    hook = watch.delivery.webhook
    assert hook is not None
    secret = environ.get(hook.secret_env)
    if not secret:
        raise SendError(f"environment variable {hook.secret_env} (watchlists {watch.id} webhook.secret_env) is empty")
    request = urllib.request.Request(
        hook.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            SIGNATURE_HEADER: sign(secret, body),
            DELIVERY_HEADER: key,
            "User-Agent": "onrecord-alerts",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=hook.timeout) as response:
            response.read(65536)
    except urllib.error.HTTPError as exc:
        raise SendError(f"{hook.url}: HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise SendError(f"{hook.url}: {reason}") from None


def send_email(config: Config, watch: WatchlistConfig, texts: list[AlertText], key: str, env: Mapping[str, str]):
    from onrecord.digest.sender import DeliveryError

    recipients = addresses(watch.delivery.email)
    message = compose_email(config, watch.id, texts, recipients, key, datetime.now(UTC))
    smtp = config.digest.smtp
    try:
        smtp_deliver(message, recipients, smtp, smtp_password(smtp, env), retries=0, backoff=0)
    except DeliveryError as exc:
        raise SendError(str(exc)) from None


def send(
    config: Config, watch: WatchlistConfig, channel: str, texts: list[AlertText], key: str, env: Mapping[str, str]
) -> None:
    try:
        if channel == "email":
            send_email(config, watch, texts, key, env)
        else:
            post_webhook(watch, webhook_body(watch.id, texts, key), key, env)
    except OnrecordError as exc:  # digest.smtp.host unset, the SMTP password missing: a failed attempt, said why
        raise SendError(str(exc)) from None


def _retry_policy(config: Config, watch: WatchlistConfig, channel: str) -> tuple[int, float]:
    """(retries after the first attempt, seconds before the first retry) of a channel."""
    if channel == "webhook" and watch.delivery.webhook:
        return watch.delivery.webhook.retries, parse_duration(watch.delivery.webhook.retry_backoff)
    return config.digest.retries, config.digest.retry_backoff


def _now(given: str | None) -> str:
    """The time a run acts at: given (tests, to step through windows and back-offs) or the clock's."""
    return given or utc_now()


class DeliveryLock:
    """`<db>.alerts.lock`, taken without waiting: None from acquire when another run holds it."""

    def __init__(self, db_path: str):
        self.path = Path(str(db_path) + ".alerts.lock")
        self.handle: TextIO | None = None

    def __enter__(self) -> DeliveryLock | None:
        handle = open(self.path, "a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return None
        self.handle = handle
        return self

    def __exit__(self, *exc: object) -> None:
        if self.handle:
            self.handle.close()


def deliver_pending(
    config: Config,
    db: sqlite_utils.Database,
    db_path: str,
    now: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> DeliveryRun:
    """Send what is due in the outbox; return what happened."""
    env = os.environ if environ is None else environ
    run = DeliveryRun()
    with DeliveryLock(db_path) as lock:
        if lock is None:
            run.busy = True
            return run
        outbox.sync_watchlists(db, config)
        run.interrupted = outbox.interrupt_sending(db, _now(now))
        watches = {w.id: w for w in config.watchlists if w.enabled}
        words = Words(config)
        for watchlist, channel in outbox.waiting_channels(db):
            watch = watches.get(watchlist)
            if watch is None or channel not in outbox.channels_of(watch):
                continue  # no longer configured: left pending, listed by `onrecord alerts`
            _deliver_channel(config, db, watch, channel, _now(now), words, env, run)
    return run


def _deliver_channel(
    config: Config,
    db: sqlite_utils.Database,
    watch: WatchlistConfig,
    channel: str,
    now: str,
    words: Words,
    env: Mapping[str, str],
    run: DeliveryRun,
) -> None:
    retry = outbox.retry_message(db, watch.id, channel)
    if retry is not None:
        message_id, due = retry
        if due and due > now:
            run.waiting += 1
            return
        attempt = outbox.start_retry(db, message_id)
    else:
        last = outbox.last_message_at(db, watch.id, channel)
        if last and outbox.later(last, parse_duration(watch.group_window)) > now:
            run.waiting += 1
            return
        opened = outbox.open_message(db, watch.id, channel, now)
        if opened is None:
            return
        message_id, attempt = opened, 1
    rows = outbox.message_alerts(db, message_id)
    texts = [alert_text(row, words) for row in rows]
    key = message_key(config, watch.id, channel, message_id)
    try:
        send(config, watch, channel, texts, key, env)
    except SendError as exc:
        retries, backoff = _retry_policy(config, watch, channel)
        error = f"attempt {attempt}: {exc}"
        log.warning("alerts: %s %s message %d: %s", watch.id, channel, message_id, error)
        run.errors.append(f"{watch.id} {channel}: {error}")
        if attempt <= retries:
            outbox.record_failure(db, message_id, error, outbox.later(now, backoff * 2 ** (attempt - 1)))
            run.retrying += 1
        else:
            outbox.record_failure(db, message_id, error, None)
            run.failed += 1
        return
    if env.get(KILL_AFTER_SEND_ENV):
        os.kill(os.getpid(), signal.SIGKILL)
    outbox.record_sent(db, message_id, _now(now))
    run.sent += 1
    run.alerts += len(rows)
    log.info("alerts: %s %s: sent %d alert(s)", watch.id, channel, len(rows))


def send_test(config: Config, watch: WatchlistConfig, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """Send one sample alert by each of a watchlist's push channels, recording nothing; channel -> 'sent' or why
    not."""
    env = os.environ if environ is None else environ
    now = utc_now()
    sample = {
        "id": 0,
        "watchlist": watch.id,
        "kind": "new",
        "topic": watch.topics[0] if watch.topics else None,
        "date": now[:10],
        "created_at": now,
        "body": {
            "holder": watch.parties[0] if watch.parties else None,
            "claim_type": watch.claim_types[0] if watch.claim_types else None,
            "negated": False,
            "evidence": f"This is a test alert of watchlist {watch.id}: delivery works.",
            "speaker": "onrecord",
            "outlets": ["onrecord"],
            "url": None,
            "title": "Test alert",
        },
    }
    texts = [alert_text(sample, Words(config))]
    results = {}
    for channel in outbox.channels_of(watch):
        try:
            send(config, watch, channel, texts, message_key(config, watch.id, "test", now), env)
            results[channel] = "sent"
        except SendError as exc:
            results[channel] = f"failed: {exc}"
    return results
