"""What runs on a Dask worker for `onrecord extract --cluster`: the claim reader, loaded once per worker process.

The client registers a `ReaderPlugin` carrying the config; every worker process (and any worker that joins or
replaces a dead one later) builds one Extractor from it, and `extract_batch` tasks use that one. A task gets
the articles themselves (texts included: a worker on another machine cannot open the SQLite file) and returns
their claims; it never writes anything. The client is the store's one writer.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field

from distributed import WorkerPlugin, get_worker

from onrecord.core.config import Config
from onrecord.core.records import Article, Claim
from onrecord.nlp.extractor import Extractor
from onrecord.nlp.run import extract_each

PLUGIN_PREFIX = "onrecord-reader-"


@dataclass
class BatchResult:
    """The claims of one batch, as a worker read them."""

    worker: str  # the worker's address: which one did the work (a retried batch names the second)
    version: str  # the worker's extractor version: the client refuses claims of another version
    extracted: list[tuple[str, list[Claim]]] = field(default_factory=list)  # (article id, claims)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (article id, reason): left pending
    seconds: float = 0.0  # time spent extracting on the worker


class ReaderPlugin(WorkerPlugin):
    """One Extractor per worker process, built from the client's config when the plugin is set up."""

    idempotent = True  # registered again under the same name (the same version and config): keep the loaded one

    def __init__(self, config: Config, version: str, name: str) -> None:
        self.config = config
        self.version = version  # the client's extractor version
        self.name = name
        self.extractor: Extractor | None = None
        self.readers_built = 0
        self.batches = 0
        self._lock = threading.Lock()  # a worker with several threads reads one batch at a time (spaCy is not
        # thread-safe); run workers with --nthreads 1, one process per core

    def __getstate__(self) -> dict:
        """Sent to the workers without a reader or lock: each worker process builds its own."""
        return {**self.__dict__, "extractor": None, "_lock": None}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state, _lock=threading.Lock())

    def setup(self, worker) -> None:
        self.extractor = Extractor(self.config)
        self.readers_built += 1

    def teardown(self, worker) -> None:
        self.extractor = None

    def read(self, articles: list[Article]) -> BatchResult:
        assert self.extractor is not None, "the plugin was not set up"
        extractor = self.extractor
        result = BatchResult(worker=get_worker().address, version=extractor.version)

        def failed(article: Article, exc: BaseException) -> None:
            text = " ".join(str(exc).split())[:200]
            result.failed.append((article.id, f"{type(exc).__name__}: {text}" if text else type(exc).__name__))

        with self._lock:
            started = time.perf_counter()
            for article, claims in extract_each(extractor, articles, failed):
                result.extracted.append((article.id, claims))
            result.seconds = time.perf_counter() - started
            self.batches += 1
        return result


def extract_batch(plugin_name: str, articles: list[Article]) -> BatchResult:
    """The task: the claims of `articles`, read by this worker process's one reader."""
    plugin = get_worker().plugins.get(plugin_name)
    if not isinstance(plugin, ReaderPlugin):
        raise RuntimeError(f"worker {get_worker().address} has no onrecord reader {plugin_name!r}")
    return plugin.read(articles)


def describe(dask_worker, plugin_name: str) -> dict:
    """This worker's reader (for `client.run`): its process, how often it was built, batches read, peak RSS and
    CPU time of the process."""
    import resource

    plugin = dask_worker.plugins.get(plugin_name)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "pid": os.getpid(),
        "readers_built": getattr(plugin, "readers_built", 0),
        "batches": getattr(plugin, "batches", 0),
        "peak_rss_mb": usage.ru_maxrss / 1024,
        "cpu_seconds": usage.ru_utime + usage.ru_stime,
    }
