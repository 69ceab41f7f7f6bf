"""Read commands on a full disk work; writing commands end in one line and an exit code, never a traceback.

The store sits on a small tmpfs filled to the last byte (needs root to mount; skipped otherwise)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import REPO
from onrecord.storage import timeline
from onrecord.storage.db import open_store
from onrecord.storage.sources import sync_config
from timeline_fixtures import build_may_2025

CONFIG = str(REPO / "config.yaml")


@pytest.fixture
def full_disk(tmp_path, config):
    mount = tmp_path / "disk"
    mount.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs: {done.stderr.decode(errors='replace').strip()}")
    try:
        db = open_store(mount / "store.db")
        sync_config(db, config)
        build_may_2025(db)
        timeline.update_events(db, config)
        db.conn.close()  # the last connection checkpoints and removes -wal and -shm
        with open(mount / "filler", "wb", buffering=0) as filler:  # unbuffered: close has nothing left to flush
            try:
                while True:
                    filler.write(b"\0" * 65536)
                    filler.flush()
            except OSError:
                pass
        with pytest.raises(OSError):
            (mount / "probe").write_bytes(b"x" * 65536)
        yield mount / "store.db"
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def onrecord(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "onrecord", "-q", *args], capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("args", [["status"], ["timeline"], ["timeline", "--events", "--format", "json"]])
def test_read_commands_work_on_a_full_disk(full_disk, args):
    result = onrecord(*args, "--config", CONFIG, "--db", str(full_disk))
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout.strip()


def test_extract_on_a_full_disk_ends_in_one_line(full_disk):
    with open(full_disk.parent / "filler", "ab"):  # still full
        pass
    result = onrecord("extract", "--config", CONFIG, "--db", str(full_disk))
    assert result.returncode != 0
    assert "Traceback" not in result.stderr, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("onrecord: error:")]
    assert len(errors) == 1 and len(errors[0]) < 400, result.stderr
