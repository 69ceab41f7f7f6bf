"""Run a Python module in a child process, and the child's side of the same protocol.

The one protocol of every child (the crawl pass, the daemon's extraction and digest): the parent starts
`python -m <module>`, writes one JSON request object to its stdin and closes it; the child writes progress
as plain lines on stderr and, as the last line of stdout, exactly one JSON object: {"result": {...}} or
{"error": "one line"}. Anything else - a non-zero exit without a reply, a kill by a signal, a timeout,
a last line that is not such an object - is a ChildFailed with a one-line message.

Why children: Twisted's reactor runs once per process, and a crash or a memory leak in a crawl or in spaCy
stays in its child. Each child leads its own process group, so ending it ends its workers too: SIGTERM
first, SIGKILL after `stop_timeout`. On Linux a child also gets SIGTERM if its parent dies (even by kill -9).
Standard library only: this sits in core, below every layer that starts a child.
"""

from __future__ import annotations

import collections
import ctypes
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from onrecord.core.errors import OnrecordError

_PR_SET_PDEATHSIG = 1
_SOURCE_ROOT = Path(__file__).resolve().parents[2]  # so `python -m onrecord...` resolves as in the parent


class ChildFailed(OnrecordError):
    """A child ended without a result: its error reply, exit code, signal or timeout, in one line."""

    def __init__(self, message: str, returncode: int | None = None) -> None:
        super().__init__(message)
        self.returncode = returncode


class ChildStopped(ChildFailed):
    """The child was ended (or never started) because its runner is stopping."""


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


class ChildRunner:
    """Starts children, waits for their reply, and ends them all on stop_all (the daemon's shutdown)."""

    def __init__(self, stop_timeout: float = 5.0) -> None:
        self.stop_timeout = stop_timeout
        self.stopping = False
        self._running: dict[int, subprocess.Popen] = {}
        self._lock = threading.Lock()

    def run(
        self,
        module: str,
        request: dict[str, Any],
        *,
        timeout: float | None = None,
        on_line: Callable[[str], None] | None = None,
        name: str | None = None,
    ) -> dict[str, Any]:
        """Run `python -m module` with `request`; return its result, passing each stderr line to `on_line`."""
        name = name or module.rsplit(".", 1)[-1]
        with self._lock:
            if self.stopping:
                raise ChildStopped(f"{name}: not started, shutting down")
            proc = subprocess.Popen(
                [sys.executable, "-m", module],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                encoding="utf-8",
                errors="replace",
                start_new_session=True,
                preexec_fn=_die_with_parent if _PRCTL else None,
                env=_child_env(),
            )
            self._running[proc.pid] = proc
        out: list[str] = []
        tail: collections.deque[str] = collections.deque(maxlen=1)
        stdout = proc.stdout
        assert stdout is not None  # piped above
        readers = [
            threading.Thread(target=lambda: out.append(stdout.read()), daemon=True),
            threading.Thread(target=_relay, args=(proc.stderr, tail, on_line), daemon=True),
        ]
        timed_out = False
        try:
            for reader in readers:
                reader.start()
            _send(proc, request)
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                timed_out = True
                self._end(proc)
        except BaseException:  # Ctrl-C in the parent: the child goes too
            self._end(proc)
            raise
        finally:
            with self._lock:
                self._running.pop(proc.pid, None)
            self._drain(proc, readers)
        if self.stopping and not timed_out:
            raise ChildStopped(f"{name}: stopped by shutdown", proc.returncode)
        return _reply(name, proc.returncode, "".join(out), tail[0] if tail else "", timeout if timed_out else None)

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
            proc.wait()

    def _drain(self, proc: subprocess.Popen, readers: list[threading.Thread]) -> None:
        """Wait for the pipes to close; a left-over member of the child's group holding them open is killed."""
        for reader in readers:
            reader.join(self.stop_timeout)
        if any(reader.is_alive() for reader in readers):
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            for reader in readers:
                reader.join()


def run_child(module: str, request: dict[str, Any], **options: Any) -> dict[str, Any]:
    """One child with a runner of its own (the CLI's way; the daemon keeps one runner to stop them all)."""
    return ChildRunner().run(module, request, **options)


def _send(proc: subprocess.Popen, request: dict[str, Any]) -> None:
    assert proc.stdin is not None  # piped by the runner
    try:
        proc.stdin.write(json.dumps(request))
        proc.stdin.close()
    except BrokenPipeError:  # the child died before reading: its exit code tells why
        pass


def _relay(stream, tail: collections.deque, on_line: Callable[[str], None] | None) -> None:
    for line in stream:
        line = line.rstrip("\n")
        if line.strip():
            tail.append(line.strip())
            if on_line is not None:
                on_line(line)


def _reply(name: str, code: int | None, stdout: str, last_err: str, timed_out_after: float | None) -> dict[str, Any]:
    """The child's result, or ChildFailed saying in one line why there is none."""
    if timed_out_after is not None:
        raise ChildFailed(f"{name} timed out after {timed_out_after:g}s", code)
    if code is not None and code < 0:
        raise ChildFailed(
            f"{name} was killed by {signal.Signals(-code).name}" + (f" (last output: {last_err})" if last_err else ""),
            code,
        )
    lines = [line for line in stdout.splitlines() if line.strip()]
    try:
        reply = json.loads(lines[-1]) if lines else None
    except ValueError:
        reply = None
    if isinstance(reply, dict) and isinstance(reply.get("error"), str):
        raise ChildFailed(reply["error"], code)
    if code == 0 and isinstance(reply, dict) and isinstance(reply.get("result"), dict):
        return reply["result"]
    if code:
        raise ChildFailed(f"{name} exited with code {code}: {last_err or 'no output'}", code)
    shown = lines[-1][:120] if lines else ""
    raise ChildFailed(f"{name} sent no result (last line of output: {shown!r})", code)


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
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(_SOURCE_ROOT), os.environ.get("PYTHONPATH")]))
    return env


# -- the child's side -------------------------------------------------------------------------------------


def serve(handler: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
    """The child's main: read the request, run `handler`, write the one reply line, exit (0, or 2 on an error).

    While the handler runs, sys.stdout points at stderr, so a stray print can never corrupt the reply.
    An OnrecordError becomes the {"error": ...} reply; any other exception is a bug and shows its traceback.
    """
    _pass_sigterm_to_group()
    request = json.loads(sys.stdin.read() or "{}")
    channel, sys.stdout = sys.stdout, sys.stderr
    reply: dict[str, Any]
    try:
        reply, code = {"result": handler(request)}, 0
    except OnrecordError as exc:
        reply, code = {"error": str(exc)}, 2
    channel.write(json.dumps(reply, default=str) + "\n")
    channel.flush()
    sys.exit(code)


def _pass_sigterm_to_group() -> None:
    """A child leading its own group passes a SIGTERM (the parent's stop, or the kernel's when the parent died)
    on to its whole group, so its own children stop too. A child that installs its own handler (Scrapy does,
    to stop gracefully) ends its children itself."""
    if os.getpgrp() != os.getpid():
        return

    def end_group(signum: int, frame: object) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.killpg(os.getpgrp(), signal.SIGTERM)

    signal.signal(signal.SIGTERM, end_group)
