"""Shared fixtures: the project config, a temp store with migrations applied."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from onrecord.config import Config, load_config
from storage.db import open_store
from storage.sources import sync_config

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
ARTIFACTS = REPO / "artifacts"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def config() -> Config:
    """The repository's config.yaml, validated."""
    return load_config(REPO / "config.yaml")


@pytest.fixture
def store(tmp_path, config):
    """A fresh SQLite store on disk with every migration applied and the config mirrored."""
    db = open_store(tmp_path / "store.db")
    sync_config(db, config)
    yield db
    db.conn.close()


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """Where tests save screenshots and other build artifacts."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
