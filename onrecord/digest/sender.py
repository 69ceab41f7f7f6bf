"""Deliver one message over SMTP (STARTTLS, implicit TLS or plain), retrying with exponential back-off."""

from __future__ import annotations

import logging
import smtplib
import socket
import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import parseaddr

from onrecord.core.config import SmtpConfig
from onrecord.core.errors import ConfigError, OnrecordError

log = logging.getLogger("onrecord.digest")


class DeliveryError(OnrecordError):
    """The SMTP server could not be reached or did not accept the message, after every retry."""

    def __init__(self, message: str, attempts: int):
        super().__init__(message)
        self.attempts = attempts


@dataclass(frozen=True)
class Delivery:
    attempts: int
    refused: dict[str, str] = field(default_factory=dict)  # recipients the server refused while accepting others


def require_host(smtp: SmtpConfig) -> str:
    if not smtp.host:
        raise ConfigError(
            "digest.smtp.host is not set: set it in config.yaml to send digests "
            "(or write the message to a file with --dry-run FILE.eml)"
        )
    return smtp.host


def smtp_password(smtp: SmtpConfig, environ: Mapping[str, str]) -> str | None:
    """The password from the environment variable named by digest.smtp.password_env (never from the file)."""
    if not smtp.user:
        return None
    password = environ.get(smtp.password_env)
    if not password:
        raise ConfigError(
            f"digest.smtp.user is set but environment variable {smtp.password_env} "
            "(digest.smtp.password_env) is empty: export the SMTP password there"
        )
    return password


def deliver(
    message: EmailMessage,
    recipients: list[str],
    smtp: SmtpConfig,
    password: str | None,
    retries: int,
    backoff: float,
    sleep: Callable[[float], None] = time.sleep,
) -> Delivery:
    """Send `message` to `recipients`; retry every failure up to `retries` times, waiting backoff, 2x, 4x…"""
    host = require_host(smtp)
    total = retries + 1
    reason = ""
    for attempt in range(1, total + 1):
        try:
            refused = _send_once(message, recipients, smtp, host, password)
        except (smtplib.SMTPException, OSError) as exc:
            reason = describe_error(exc)
            log.warning("digest: %s:%d: attempt %d of %d failed: %s", host, smtp.port, attempt, total, reason)
            if attempt < total:
                sleep(backoff * 2 ** (attempt - 1))
            continue
        refused_text = {addr: f"{code} {_text(msg)}" for addr, (code, msg) in refused.items()}
        for addr, why in refused_text.items():
            log.warning("digest: %s:%d: recipient %s refused: %s", host, smtp.port, addr, why)
        return Delivery(attempts=attempt, refused=refused_text)
    raise DeliveryError(
        f"digest: {host}:{smtp.port}: not delivered after {total} attempt{'s' if total > 1 else ''}: {reason}",
        attempts=total,
    )


def _send_once(message: EmailMessage, recipients: list[str], smtp: SmtpConfig, host: str, password: str | None) -> dict:
    context = ssl.create_default_context(cafile=smtp.ca_file)
    if smtp.security == "tls":
        client: smtplib.SMTP = smtplib.SMTP_SSL(host, smtp.port, timeout=smtp.timeout, context=context)
    else:
        client = smtplib.SMTP(host, smtp.port, timeout=smtp.timeout)
    with client:
        client.ehlo()
        if smtp.security == "starttls":
            client.starttls(context=context)
            client.ehlo()
        if smtp.user:
            client.login(smtp.user, password or "")
        sender = parseaddr(smtp.sender)[1] or smtp.sender
        return client.send_message(message, from_addr=sender, to_addrs=recipients)


def describe_error(exc: BaseException) -> str:
    """One line saying why a delivery attempt failed."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "recipient refused: " + "; ".join(f"{a} {c} {_text(m)}" for a, (c, m) in exc.recipients.items())
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return f"authentication refused: {exc.smtp_code} {_text(exc.smtp_error)}"
    if isinstance(exc, smtplib.SMTPSenderRefused):
        return f"sender {exc.sender} refused: {exc.smtp_code} {_text(exc.smtp_error)}"
    if isinstance(exc, smtplib.SMTPDataError):
        return f"message refused: {exc.smtp_code} {_text(exc.smtp_error)}"
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"server said {exc.smtp_code} {_text(exc.smtp_error)}"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused (is the SMTP server running?)"
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return "timed out"
    if isinstance(exc, ssl.SSLError):
        return f"TLS failed: {exc.reason or exc}"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _text(value: bytes | str) -> str:
    return (value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)).strip()
