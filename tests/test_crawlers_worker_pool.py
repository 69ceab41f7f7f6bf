"""The extraction worker pool: results and errors come back; a dead worker is reported and the pool replaced."""

from __future__ import annotations

import asyncio
import os

import pytest

from onrecord.crawlers.worker_pool import WorkerDied, WorkerPool


def test_results_errors_and_a_dead_worker():
    async def scenario(pool: WorkerPool) -> None:
        assert await asyncio.gather(*(pool.run(len, "x" * n) for n in range(5))) == [0, 1, 2, 3, 4]
        with pytest.raises(ValueError):  # a bug in the task surfaces as itself
            await pool.run(int, "not a number")
        with pytest.raises(WorkerDied, match="terminated abruptly"):
            await pool.run(os._exit, 3)
        assert await pool.run(len, "still working") == 13  # the dead worker was replaced

    pool = WorkerPool(2)
    try:
        asyncio.run(scenario(pool))
    finally:
        pool.close()
    assert pool._executor is None
