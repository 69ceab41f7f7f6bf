"""The one child-process runner (onrecord.core.child), with real subprocesses: a reply, an error reply, a
non-zero exit, garbage on stdout, a kill by a signal, a timeout, a stop (SIGTERM then SIGKILL), and no
orphans when the parent is killed -9."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest

from onrecord.core.child import ChildFailed, ChildRunner, ChildStopped, run_child

PY = sys.executable


def wait_until(predicate, limit=15.0):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:  # a zombie waiting for its reaper is gone for our purpose
        return stat.read().split(") ")[1][0] != "Z"


@pytest.fixture
def child_module(tmp_path, monkeypatch):
    """Write a module `name` with `code` where the child finds it; return its name."""
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(tmp_path), os.environ.get("PYTHONPATH")])))

    def write(name: str, code: str) -> str:
        (tmp_path / f"{name}.py").write_text(textwrap.dedent(code), encoding="utf-8")
        return name

    return write


SERVING = """
    import sys
    from onrecord.core.child import serve
    from onrecord.core.errors import OnrecordError

    def handle(request):
        print("a stray print goes to stderr")
        print("working on", request["n"], file=sys.stderr)
        if request["n"] < 0:
            raise OnrecordError(f"negative: {request['n']}")
        return {"double": 2 * request["n"]}

    serve(handle)
"""


def test_a_child_that_succeeds_returns_its_result_and_relays_its_lines(child_module):
    lines = []
    result = run_child(child_module("doubler", SERVING), {"n": 21}, on_line=lines.append)
    assert result == {"double": 42}
    assert lines == ["a stray print goes to stderr", "working on 21"]


def test_an_error_reply_is_raised_with_its_message_and_exit_code(child_module):
    with pytest.raises(ChildFailed, match=r"^negative: -1$") as failed:
        run_child(child_module("doubler", SERVING), {"n": -1})
    assert failed.value.returncode == 2


def test_a_child_that_exits_non_zero_names_its_code_and_last_line(child_module):
    module = child_module("crashing", "import sys\nprint('about to fail', file=sys.stderr)\nsys.exit(3)\n")
    with pytest.raises(ChildFailed, match=r"^crashing exited with code 3: about to fail$") as failed:
        run_child(module, {})
    assert failed.value.returncode == 3


def test_a_child_that_prints_garbage_has_no_result(child_module):
    module = child_module("garbage", "print('{\"result\": {\"n\": 1}}')\nprint('not json at all')\n")
    with pytest.raises(ChildFailed, match=r"^garbage sent no result \(last line of output: 'not json at all'\)$"):
        run_child(module, {})


def test_a_reply_that_is_not_the_last_line_does_not_count(child_module):
    module = child_module("late", "import json\nprint(json.dumps({'result': {}}))\nprint('[1, 2]')\n")
    with pytest.raises(ChildFailed, match="sent no result"):
        run_child(module, {})


def test_a_child_killed_by_a_signal_says_which(child_module):
    module = child_module(
        "victim", "import os, signal, sys\nprint('going', file=sys.stderr)\nos.kill(os.getpid(), signal.SIGKILL)\n"
    )
    with pytest.raises(ChildFailed, match=r"^victim was killed by SIGKILL \(last output: going\)$") as failed:
        run_child(module, {})
    assert failed.value.returncode == -signal.SIGKILL


def test_a_child_past_its_timeout_is_ended(child_module):
    module = child_module("sleeper", "import time\ntime.sleep(60)\n")
    with pytest.raises(ChildFailed, match=r"^sleeper timed out after 0.5s$") as failed:
        ChildRunner(stop_timeout=1).run(module, {}, timeout=0.5)
    assert failed.value.returncode == -signal.SIGTERM


def test_stop_all_ends_running_children_and_refuses_new_ones(tmp_path, child_module):
    runner = ChildRunner(stop_timeout=2)
    ready = tmp_path / "ready"
    sleeper = child_module("sleeper", "import time\ntime.sleep(60)\n")
    stubborn = child_module(
        "stubborn",
        f"import signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        f"open({str(ready)!r}, 'w')\ntime.sleep(60)\n",
    )
    errors = []

    def run(module):
        try:
            runner.run(module, {})
        except ChildFailed as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(module,)) for module in (sleeper, stubborn)]
    for thread in threads:
        thread.start()
    assert wait_until(lambda: len(runner.running()) == 2 and ready.exists())
    assert runner.stop_all() == 2
    for thread in threads:
        thread.join(10)
    assert all(isinstance(e, ChildStopped) for e in errors) and len(errors) == 2
    assert {e.returncode for e in errors} == {-signal.SIGKILL, -signal.SIGTERM}
    with pytest.raises(ChildStopped, match="not started"):
        runner.run(sleeper, {})


def test_children_and_their_process_group_die_with_a_killed_parent(tmp_path, child_module):
    """kill -9 of the parent: its child gets SIGTERM from the kernel and passes it on to its own children."""
    pids = tmp_path / "pids"
    grandchild = f"import os, time; open({str(pids)!r}, 'a').write(f'{{os.getpid()}}\\n'); time.sleep(60)"
    module = child_module(
        "spawner",
        f"""
        import os, subprocess, sys, time
        from onrecord.core.child import serve

        def handle(request):
            subprocess.Popen([sys.executable, "-c", {grandchild!r}])
            open({str(pids)!r}, "a").write(f"{{os.getpid()}}\\n")
            time.sleep(60)
            return {{}}

        serve(handle)
    """,
    )
    parent = f"from onrecord.core.child import run_child\nrun_child({module!r}, {{}})\n"
    proc = subprocess.Popen([PY, "-c", parent])
    assert wait_until(lambda: pids.exists() and len(pids.read_text().split()) == 2)
    proc.kill()
    proc.wait()
    survivors = [int(pid) for pid in pids.read_text().split()]
    assert wait_until(lambda: not any(alive(pid) for pid in survivors)), "orphans left running"
