"""Shared fixtures: the project config, a temp store with migrations applied, a loopback SMTP server."""

from __future__ import annotations

import email
import socket
from email import policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from onrecord.core.config import Config, load_config
from onrecord.storage.db import open_store
from onrecord.storage.sources import sync_config

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


class Mailbox:
    """aiosmtpd handler: keeps every accepted message; can refuse the next N RCPT or DATA commands."""

    def __init__(self):
        self.messages: list[tuple[str, list[str], email.message.EmailMessage]] = []
        self.refuse_rcpt = 0
        self.refuse_data = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse_rcpt:
            self.refuse_rcpt -= 1
            return "451 4.3.0 Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.refuse_data:
            self.refuse_data -= 1
            return "550 5.7.1 Message rejected by policy"
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server():
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    mailbox.port = controller.port
    yield mailbox
    controller.stop()
