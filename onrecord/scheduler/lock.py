"""One daemon per store: `onrecord run` holds an exclusive lock file next to the store while it runs.

The kernel drops the lock when the process ends, however it ends (kill -9 included), so a stale
lock never blocks a restart.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import TextIO

from onrecord.core.errors import OnrecordError


class StoreLock:
    def __init__(self, db_path: str) -> None:
        self.db_path = db_path
        self.path = Path(db_path + ".run.lock")
        self._handle: TextIO | None = None

    def acquire(self) -> None:
        """Take the lock or raise naming the pid of the daemon that holds it."""
        handle = open(self.path, "a+")  # noqa: SIM115 — held open for as long as the lock is
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "?"
            handle.close()
            raise OnrecordError(
                f"{self.db_path}: another `onrecord run` (pid {holder}) is using this store; stop it first"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._handle = handle

    def release(self) -> None:
        if self._handle:
            self._handle.close()
            self._handle = None
