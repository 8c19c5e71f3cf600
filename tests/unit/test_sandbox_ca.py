"""The sandbox CA: a chain strict TLS verifiers accept for 127.0.0.1 and localhost."""

from __future__ import annotations

import ipaddress
import ssl
import stat
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

from console.sandbox.ca import issue_local_tls


@pytest.fixture(scope="module")
def tls_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("tls")


def test_writes_the_three_files(tls_dir: Path) -> None:
    files = issue_local_tls(tls_dir)
    assert (files.ca_pem.name, files.server_pem.name, files.server_key.name) == (
        "ca.pem",
        "server.pem",
        "server.key",
    )
    assert all(
        p.parent == tls_dir and p.stat().st_size > 0
        for p in (files.ca_pem, files.server_pem, files.server_key)
    )


def test_private_key_is_owner_only(tls_dir: Path) -> None:
    files = issue_local_tls(tls_dir)
    assert stat.S_IMODE(files.server_key.stat().st_mode) == 0o600


def test_server_cert_names_loopback_and_is_issued_by_the_ca(tls_dir: Path) -> None:
    files = issue_local_tls(tls_dir)
    ca = x509.load_pem_x509_certificate(files.ca_pem.read_bytes())
    server = x509.load_pem_x509_certificate(files.server_pem.read_bytes())
    server.verify_directly_issued_by(ca)
    san = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "localhost" in san.get_values_for_type(x509.DNSName)
    assert ipaddress.ip_address("127.0.0.1") in san.get_values_for_type(x509.IPAddress)
    eku = server.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert ExtendedKeyUsageOID.SERVER_AUTH in eku
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert not server.extensions.get_extension_for_class(x509.BasicConstraints).value.ca


def test_each_call_makes_a_new_ca(tmp_path: Path) -> None:
    first = issue_local_tls(tmp_path / "a").ca_pem.read_bytes()
    second = issue_local_tls(tmp_path / "b").ca_pem.read_bytes()
    assert first != second


def test_loads_into_strict_ssl_contexts(tls_dir: Path) -> None:
    files = issue_local_tls(tls_dir)
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(files.server_pem, files.server_key)
    client = ssl.create_default_context(cafile=str(files.ca_pem))
    client.verify_flags |= ssl.VERIFY_X509_STRICT
    assert client.get_ca_certs()[0]["subject"]
