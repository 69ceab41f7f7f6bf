"""Extraction worker processes for the crawling process: one per core, spawned on the first task (so a
pass whose feeds are all unchanged starts none), and replaced if one dies.

A process pool whose worker dies (killed, out of memory, a crash in C code) is broken for good: here the
tasks it held fail with WorkerDied, which the pipeline records against their pages, and the next task
gets a fresh pool, so one bad page never stops the pass.
"""

from __future__ import annotations

import asyncio
import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any


class WorkerDied(Exception):
    """A worker process ended while it held the task."""


class WorkerPool:
    def __init__(self, size: int) -> None:
        self.size = size
        self._executor: ProcessPoolExecutor | None = None

    async def run(self, function: Callable[..., Any], *args: Any) -> Any:
        """function(*args) in a worker; `function` must be importable by name (it is pickled by reference)."""
        if self._executor is None:
            # Spawned, so workers inherit no reactor state.
            self._executor = ProcessPoolExecutor(self.size, mp_context=multiprocessing.get_context("spawn"))
        executor = self._executor
        try:
            return await asyncio.get_running_loop().run_in_executor(executor, function, *args)
        except BrokenProcessPool as exc:
            if self._executor is executor:
                self._executor = None
                executor.shutdown(wait=False, cancel_futures=True)
            raise WorkerDied(f"extraction worker died ({exc})") from None

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None
