"""Child processes of the daemon: output, timeout, stop (SIGTERM then SIGKILL), and no orphans after kill -9."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

from onrecord.scheduler.children import Children

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


def test_run_returns_output_and_exit_code():
    result = Children().run([PY, "-c", "import sys; print('{\"new\": 2}'); print('warn', file=sys.stderr); sys.exit(3)"])
    assert (result.returncode, result.stdout.strip(), result.last_line()) == (3, '{"new": 2}', "warn")
    assert not result.timed_out and not result.stopped


def test_a_child_past_its_timeout_is_ended():
    result = Children(stop_timeout=1).run([PY, "-c", "import time; time.sleep(60)"], timeout=0.5)
    assert result.timed_out and result.returncode == -signal.SIGTERM


def test_stop_all_ends_running_children_and_refuses_new_ones(tmp_path):
    children = Children(stop_timeout=2)
    ready = tmp_path / "ready"
    stubborn = (f"import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); open({str(ready)!r}, 'w'); "
                "time.sleep(60)")
    results = []
    threads = [threading.Thread(target=lambda code=code: results.append(children.run([PY, "-c", code])))
               for code in ("import time; time.sleep(60)", stubborn)]
    for thread in threads:
        thread.start()
    assert wait_until(lambda: len(children.running()) == 2 and ready.exists())
    assert children.stop_all() == 2
    for thread in threads:
        thread.join(10)
    assert {r.returncode for r in results} == {-signal.SIGKILL, -signal.SIGTERM}
    assert all(r.stopped for r in results)
    assert children.run([PY, "-c", "print(1)"]).stopped


def test_children_and_their_process_group_die_with_a_killed_daemon(tmp_path):
    """kill -9 of the parent: its child gets SIGTERM from the kernel and passes it on to its own children."""
    pids = tmp_path / "pids"
    grandchild = f"import os, time; open({str(pids)!r}, 'a').write(f'{{os.getpid()}}\\n'); time.sleep(60)"
    task = textwrap.dedent(f"""
        import os, signal, subprocess, sys, time
        from onrecord.scheduler.tasks import _pass_sigterm_to_group
        _pass_sigterm_to_group()
        subprocess.Popen([sys.executable, "-c", {grandchild!r}])
        open({str(pids)!r}, "a").write(f"{{os.getpid()}}\\n")
        time.sleep(60)
    """)
    parent = textwrap.dedent(f"""
        from onrecord.scheduler.children import Children
        Children().run([{PY!r}, "-c", {task!r}])
    """)
    proc = subprocess.Popen([PY, "-c", parent])
    assert wait_until(lambda: pids.exists() and len(pids.read_text().split()) == 2)
    proc.kill()
    proc.wait()
    survivors = [int(pid) for pid in pids.read_text().split()]
    assert wait_until(lambda: not any(alive(pid) for pid in survivors)), "orphans left running"
