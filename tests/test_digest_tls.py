"""Delivery over STARTTLS and implicit TLS with a login whose password comes from the environment."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from conftest import Mailbox, free_port
from onrecord.core.errors import ConfigError
from onrecord.digest import send_daily
from test_digest_smtp import NOW, digest_config, parts

PASSWORD = "correct horse battery staple"
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1: (cert file, key file)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "onrecord test relay")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_file, key_file = folder / "relay.pem", folder / "relay.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return str(cert_file), str(key_file)


def check_login(server, session, envelope, mechanism, auth_data):
    ok = auth_data.login == b"digest" and auth_data.password == PASSWORD.encode()
    return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535 itself


@pytest.fixture(params=["starttls", "tls"])
def tls_server(request, certificate):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    mailbox = Mailbox()
    options = {"auth_required": True, "authenticator": check_login}
    if request.param == "starttls":
        options |= {"tls_context": context, "require_starttls": True}
    else:
        # aiosmtpd only counts STARTTLS as TLS when offering AUTH; here the whole connection is TLS.
        options |= {"ssl_context": context, "auth_require_tls": False}
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port(), **options)
    controller.start()
    mailbox.port, mailbox.security = controller.port, request.param
    yield mailbox
    controller.stop()


def tls_config(config, server, certificate, **digest):
    cfg = digest_config(config, server.port, **digest)
    smtp = cfg.digest.smtp.model_copy(
        update={
            "security": server.security,
            "user": "digest",
            "password_env": "ONRECORD_TEST_SMTP_PASSWORD",
            "ca_file": certificate[0],
        }
    )
    return cfg.model_copy(update={"digest": cfg.digest.model_copy(update={"smtp": smtp})})


def test_delivers_over_tls_with_the_password_from_the_environment(store, config, tls_server, certificate, monkeypatch):
    cfg = tls_config(config, tls_server, certificate, empty="send")
    monkeypatch.setenv("ONRECORD_TEST_SMTP_PASSWORD", PASSWORD)
    results = send_daily(cfg, store, now=NOW)
    assert [r.status for r in results] == ["sent"]
    assert "Nothing new on the record for prisoner-exchange" in parts(tls_server.messages[0][2])[0]


def test_wrong_password_is_refused_and_not_recorded_as_sent(store, config, tls_server, certificate, monkeypatch):
    cfg = tls_config(config, tls_server, certificate, retries=1, empty="send")
    monkeypatch.setenv("ONRECORD_TEST_SMTP_PASSWORD", "wrong")
    results = send_daily(cfg, store, now=NOW)
    assert results[0].status == "failed" and "authentication refused: 535" in results[0].error
    assert tls_server.messages == []


def test_missing_password_refuses_to_start(store, config, tls_server, certificate, monkeypatch):
    cfg = tls_config(config, tls_server, certificate, empty="send")
    monkeypatch.delenv("ONRECORD_TEST_SMTP_PASSWORD", raising=False)
    with pytest.raises(ConfigError, match="environment variable ONRECORD_TEST_SMTP_PASSWORD"):
        send_daily(cfg, store, now=NOW)


def test_untrusted_certificate_fails_with_a_tls_reason(store, config, tls_server, certificate, monkeypatch):
    cfg = tls_config(config, tls_server, certificate, retries=0, empty="send")
    smtp = cfg.digest.smtp.model_copy(update={"ca_file": None})
    cfg = cfg.model_copy(update={"digest": cfg.digest.model_copy(update={"smtp": smtp})})
    monkeypatch.setenv("ONRECORD_TEST_SMTP_PASSWORD", PASSWORD)
    results = send_daily(cfg, store, now=NOW)
    assert results[0].status == "failed" and "TLS failed: CERTIFICATE_VERIFY_FAILED" in results[0].error
