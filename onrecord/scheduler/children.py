"""Child processes: every crawl (and extraction, and digest) runs in its own process.

Why: Twisted's reactor runs once per process and cannot be restarted, so a daemon that crawls forever
starts a fresh `python -m onrecord.crawlers.run` for each crawl. It also isolates the daemon from a crash or a
memory leak in a crawl or in spaCy. The daemon keeps a handle on each child so a stop can end them all:
SIGTERM first (Scrapy and our tasks stop cleanly), SIGKILL after `stop_timeout` seconds. On Linux each
child also gets SIGTERM if the daemon itself dies (even by `kill -9`), so no orphan keeps writing.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass

_PR_SET_PDEATHSIG = 1


def _load_prctl():
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None


_PRCTL = _load_prctl()


def _die_with_parent() -> None:  # runs in the child between fork and exec: keep it to one C call
    _PRCTL(_PR_SET_PDEATHSIG, signal.SIGTERM)


@dataclass(frozen=True)
class ChildResult:
    returncode: int | None
    stdout: str
    stderr: str
    timed_out: bool = False
    stopped: bool = False  # ended (or never started) because the daemon is stopping

    def last_line(self, stream: str = "stderr") -> str:
        lines = [line for line in getattr(self, stream).splitlines() if line.strip()]
        return lines[-1].strip() if lines else ""


class Children:
    """Starts child processes, waits for them, and ends them all on stop."""

    def __init__(self, stop_timeout: float = 5.0) -> None:
        self.stop_timeout = stop_timeout
        self.stopping = False
        self._running: dict[int, subprocess.Popen] = {}
        self._lock = threading.Lock()

    def run(self, argv: list[str], timeout: float | None = None) -> ChildResult:
        """Run `argv` to completion (or until `timeout` seconds, or until stop_all) and return its output."""
        with self._lock:
            if self.stopping:
                return ChildResult(None, "", "", stopped=True)
            proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    text=True, encoding="utf-8", errors="replace", start_new_session=True,
                                    preexec_fn=_die_with_parent if _PRCTL else None, env=_child_env())
            self._running[proc.pid] = proc
        timed_out = False
        try:
            try:
                out, err = proc.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                timed_out = True
                self._end(proc)
                out, err = proc.communicate()
        finally:
            with self._lock:
                self._running.pop(proc.pid, None)
        return ChildResult(proc.returncode, out or "", err or "", timed_out=timed_out,
                           stopped=self.stopping and not timed_out)

    def running(self) -> list[int]:
        with self._lock:
            return list(self._running)

    def stop_all(self) -> int:
        """Refuse new children, SIGTERM the running ones, SIGKILL those still alive after stop_timeout."""
        with self._lock:
            self.stopping = True
            procs = list(self._running.values())
        for proc in procs:
            _signal(proc, signal.SIGTERM)
        deadline = time.monotonic() + self.stop_timeout
        for proc in procs:
            try:
                proc.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal(proc, signal.SIGKILL)
        return len(procs)

    def _end(self, proc: subprocess.Popen) -> None:
        _signal(proc, signal.SIGTERM)
        try:
            proc.wait(timeout=self.stop_timeout)
        except subprocess.TimeoutExpired:
            _signal(proc, signal.SIGKILL)


def _signal(proc: subprocess.Popen, sig: int) -> None:
    """Signal the child's whole process group (it leads its own session), if it is still there."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        pass


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env
