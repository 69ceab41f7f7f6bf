"""`onrecord extract --cluster`: the store's pending articles read by the workers of a Dask distributed cluster.

This process stays the store's one reader and one writer: it reads pending articles batch by batch (as
`extract_pending` does), sends each batch with its texts to the cluster (workers on other machines cannot open
the SQLite file), and writes the claims that come back through storage/ exactly as the single-process run
does (`save_extraction`, each article atomic; a batch's articles in one transaction). Workers hold the claim
reader, built once per worker process (onrecord.extract_worker). A worker that dies mid-batch: the scheduler
gives the batch to another worker and its result arrives here once; writes are keyed by article and claim id
anyway, so a batch read twice would still be written as the same rows.

Only a few batches are in flight at once (twice the cluster's threads), so memory here is bounded by those
texts however large the backlog is.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Callable, Iterator
from concurrent.futures import CancelledError
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any
from uuid import uuid4

from onrecord.core.config import Config
from onrecord.core.errors import OnrecordError
from onrecord.core.records import Article, Claim
from onrecord.nlp.run import STORE_BATCH, guard_size
from onrecord.storage.articles import count_pending, pending_batches
from onrecord.storage.batches import Batch
from onrecord.storage.claims import save_extraction

if TYPE_CHECKING:
    from distributed import Client

    from onrecord.extract_worker import BatchResult

log = logging.getLogger("onrecord.nlp")

INSTALL_HINT = "install it with `pip install 'onrecord[scale]'` (dask and distributed)"
# Batches in flight per worker thread: one being read, one waiting, so no worker idles while a result travels.
IN_FLIGHT_PER_THREAD = 2


@contextmanager
def connect(address: str, timeout: float | None = None) -> Iterator[Client]:
    """A client of the Dask scheduler at `address`, closed on exit; a missing `distributed` package or a
    scheduler that does not answer is one OnrecordError line. `timeout` (seconds) defaults to Dask's
    distributed.comm.timeouts.connect (30 s; DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT)."""
    try:
        from distributed import Client
    except ImportError:
        raise OnrecordError(
            f"extract --cluster {address}: the Dask distributed package is missing; {INSTALL_HINT}"
        ) from None
    try:
        client = Client(address, set_as_default=False, **({} if timeout is None else {"timeout": timeout}))
    except (OSError, TimeoutError) as exc:
        reason = " ".join(str(exc).split())[:200] or type(exc).__name__
        raise OnrecordError(
            f"extract --cluster {address}: cannot reach the Dask scheduler ({reason}); start one with "
            f"`dask scheduler` and workers with `dask worker {address} --nthreads 1`"
        ) from None
    try:
        yield client
    finally:
        client.close()


def plugin_name(config: Config, version: str) -> str:
    """The reader plugin's name: the extractor version and the config it was built from (but the store's path
    and the cluster's address, which change nothing the reader does: a run with another --db keeps the readers
    loaded)."""
    reading = config.model_dump_json(exclude={"storage": True, "nlp": {"cluster"}})
    digest = hashlib.sha256(reading.encode()).hexdigest()[:8]
    from onrecord.extract_worker import PLUGIN_PREFIX

    return f"{PLUGIN_PREFIX}{version}-{digest}"


def install_reader(client: Client, config: Config, version: str) -> str:
    """Register the reader plugin on every worker (and on workers that join later); readers of another version
    or config are removed, so a long-lived worker holds one. Registering the same one again changes nothing:
    the readers loaded by an earlier run stay loaded."""
    from onrecord.extract_worker import PLUGIN_PREFIX, ReaderPlugin

    name = plugin_name(config, version)
    registered = client.run_on_scheduler(_worker_plugin_names)
    for old in registered:
        if old.startswith(PLUGIN_PREFIX) and old != name:
            client.unregister_worker_plugin(old)
    client.register_plugin(ReaderPlugin(config, version, name), name=name)
    return name


def _worker_plugin_names(dask_scheduler: Any) -> list[str]:
    return list(dask_scheduler.worker_plugins)


def cluster_threads(client: Client) -> tuple[int, int]:
    """(workers, threads) the cluster has now."""
    threads = client.nthreads()
    return len(threads), sum(threads.values())


class _Writer:
    """Writes each batch's claims as they come back: one transaction per batch, one savepoint per article."""

    def __init__(self, db: Any, version: str, counts: dict) -> None:
        self.db, self.version, self.counts = db, version, counts
        self.batch = Batch(db, max_items=1_000_000, max_seconds=3600.0)
        self.seconds = 0.0

    def write(self, result: BatchResult, articles: dict[str, Article]) -> None:
        started = time.perf_counter()
        for article_id, claims in result.extracted:
            self._save(articles[article_id], claims)
        self.batch.flush()
        for article_id, reason in result.failed:
            article = articles[article_id]
            self.counts["errors"] += 1
            log.error("%s: %s: extraction failed, article left pending: %s", article.source, article.url, reason)
        self.seconds += time.perf_counter() - started

    def _save(self, article: Article, claims: list[Claim]) -> None:
        try:
            with self.batch.item():
                self.counts["claims"] += save_extraction(self.db, article.id, claims, self.version)
            self.counts["articles"] += 1
        except OnrecordError as exc:
            self.counts["errors"] += 1
            log.error("%s: %s: cannot store claims: %s", article.source, article.url, exc)


def extract_on_cluster(
    client: Client,
    config: Config,
    db: Any,
    version: str,
    progress: Callable[[str], None] | None = None,
    limit: int | None = None,
    batch_size: int = STORE_BATCH,
    on_result: Callable[[str, BatchResult], None] | None = None,
) -> dict:
    """Extract and store the claims of pending articles on the cluster; counts as `extract_pending` returns
    them (articles, claims, errors) plus batches, workers, and the seconds this process spent reading the
    store (read_seconds), writing it (write_seconds) and in all (seconds).

    `on_result(key, result)` is called for each batch's result before it is written (the benchmark and the
    tests see which worker read which batch)."""
    from distributed import as_completed

    started = time.perf_counter()
    name = install_reader(client, config, version)
    counts: dict[str, Any] = {"articles": 0, "claims": 0, "errors": 0, "batches": 0}
    total = count_pending(db, version)
    total = min(total, limit) if limit is not None else total
    workers, threads = cluster_threads(client)
    address = client.scheduler_info().get("address", "?")
    if progress:
        waiting = "" if workers else " (none yet: the batches wait for one to join)"
        progress(f"extract: {total} articles on {address}: {workers} workers, {threads} threads{waiting}")
    batches = pending_batches(db, version, batch_size=batch_size, limit=limit)
    in_flight: dict[Any, dict[str, Article]] = {}  # task key -> its articles (to name them in error lines)
    pending = as_completed(loop=client.loop)
    writer = _Writer(db, version, counts)
    read_seconds = 0.0
    max_chars = config.nlp.max_article_chars
    from onrecord.extract_worker import extract_batch

    def submit_more() -> None:
        nonlocal read_seconds
        wanted = max(2, IN_FLIGHT_PER_THREAD * cluster_threads(client)[1])
        while len(in_flight) < wanted:
            began = time.perf_counter()
            batch = next(batches, None)
            if batch is None:
                return
            guarded = [guard_size(a, max_chars, lambda line: log.warning("%s", line)) for a in batch]
            future = client.submit(
                extract_batch, name, guarded, pure=False, key=f"onrecord-extract-{batch[0].id}-{uuid4().hex[:8]}"
            )
            read_seconds += time.perf_counter() - began
            in_flight[future.key] = {a.id: a for a in guarded}
            pending.add(future)

    done = 0
    try:
        submit_more()
        for future in pending:
            articles = in_flight.pop(future.key)
            result = _result(future, articles, counts)
            if result is not None:
                if result.version != version:
                    raise OnrecordError(
                        f"extract --cluster: worker {result.worker} reads with extractor version {result.version}, "
                        f"this process with {version}; install the same onrecord (and data files) on every worker"
                    )
                if on_result:
                    on_result(future.key, result)
                writer.write(result, articles)
            future.release()
            counts["batches"] += 1
            done += len(articles)
            if progress:
                progress(f"extract: {done}/{total} articles, {counts['claims']} claims")
            submit_more()
    except OSError as exc:  # CommClosedError, or no answer within the connect timeout: the scheduler went away
        raise OnrecordError(
            f"extract --cluster: lost the Dask scheduler at {address} ({type(exc).__name__}); claims written so far "
            "are kept, run again to finish"
        ) from None
    counts.update(
        workers=cluster_threads(client)[0],
        read_seconds=read_seconds,
        write_seconds=writer.seconds,
        seconds=time.perf_counter() - started,
    )
    return counts


def _result(future: Any, articles: dict[str, Article], counts: dict) -> BatchResult | None:
    """A batch's result, or None when the cluster could not read it (its articles stay pending, logged)."""
    from distributed import KilledWorker

    try:
        return future.result()
    except KilledWorker as exc:
        reason = f"the workers reading it died too often ({exc})"
    except (CancelledError, asyncio.CancelledError):  # the scheduler went away: no batch can come back
        raise OnrecordError(
            "extract --cluster: lost the Dask scheduler; claims written so far are kept, run again to finish"
        ) from None
    except Exception as exc:  # a task that failed on the worker: that batch only, the run goes on
        reason = f"{type(exc).__name__}: {' '.join(str(exc).split())[:200]}"
    counts["errors"] += len(articles)
    first = next(iter(articles.values()))
    log.error(
        "extract --cluster: batch of %d articles (first %s: %s) failed, left pending: %s",
        len(articles),
        first.source,
        first.url,
        reason,
    )
    return None
