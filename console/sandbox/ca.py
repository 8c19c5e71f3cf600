"""An ephemeral certificate authority for the HTTPS stand-ins.

azure-identity refuses plain-HTTP authorities, and the console must be exercised with TLS
verification ON (as in production), so the sandbox issues its own CA and a server
certificate for 127.0.0.1/localhost; clients trust the CA file explicitly
(``connection_verify=ca.pem``), never by turning verification off.

Why not ``trustme``, which makes test CAs too: its CA is valid from 2000 to 3000 whatever is
asked of the leaf, while here the CA and the certificate last two days around now, so an
expired server certificate (``expired=True``) sits beside a current CA exactly as on a
server nobody renewed; its leaf is a general-purpose one (client, server and code-signing
usages, key encipherment on an EC key), while this one is the server certificate a TLS
server presents, with the extensions strict verifiers check; and it writes no files, so
the file layout and the key's 0600 mode would stay here anyway. What is left is one
`cryptography` builder per certificate: not worth a dependency that would change the
certificates the console is tested against.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from console.sandbox.servers import TlsFiles

__all__ = ["TlsFiles", "issue_local_tls"]

_VALIDITY = dt.timedelta(days=2)
_BACKDATE = dt.timedelta(minutes=5)


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "lightspeed-console sandbox"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _write_private(path: Path, data: bytes) -> None:
    path.touch(mode=0o600, exist_ok=True)
    path.chmod(0o600)
    path.write_bytes(data)


def issue_local_tls(
    directory: Path,
    *,
    hostnames: tuple[str, ...] = ("localhost",),
    addresses: tuple[str, ...] = ("127.0.0.1", "::1"),
    expired: bool = False,
) -> TlsFiles:
    """Create a CA and a server certificate signed by it; write ca.pem, server.pem, server.key.

    EC P-256 keys keep generation in the millisecond range. The extensions (key identifiers,
    key usage, EKU, SAN) are those strict verifiers (OpenSSL with X509_STRICT) insist on.
    ``expired`` issues a server certificate whose validity ended a day ago (the CA's is
    current), as a server whose certificate nobody renewed presents.
    """
    directory.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.UTC)

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name("lightspeed-console sandbox CA")
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _BACKDATE)
        .not_valid_after(now + _VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(ca_ski, critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )

    server_key = ec.generate_private_key(ec.SECP256R1())
    shift = _VALIDITY + dt.timedelta(days=1) if expired else dt.timedelta(0)
    alt_names: list[x509.GeneralName] = [x509.DNSName(h) for h in hostnames]
    alt_names += [x509.IPAddress(ipaddress.ip_address(a)) for a in addresses]
    server_cert = (
        x509.CertificateBuilder()
        .subject_name(_name(hostnames[0] if hostnames else addresses[0]))
        .issuer_name(ca_name)
        .public_key(server_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _BACKDATE - shift)
        .not_valid_after(now + _VALIDITY - shift)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(server_key.public_key()), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )

    files = TlsFiles(
        ca_pem=directory / "ca.pem",
        server_pem=directory / "server.pem",
        server_key=directory / "server.key",
    )
    files.ca_pem.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    files.server_pem.write_bytes(server_cert.public_bytes(serialization.Encoding.PEM))
    _write_private(
        files.server_key,
        server_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
    )
    return files
