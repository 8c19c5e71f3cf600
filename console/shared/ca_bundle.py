"""The CA bundle trusted for the Llama Stack / OGX server, and why one cannot be used.

OGX 1.x serves only HTTPS, usually with a certificate from a private CA, so the console
takes that CA's PEM file (``--stack-ca-bundle``, or ``stack_ca_bundle`` in the settings
file), separately from the authority's ``--ca-bundle``: the two are issued by different
people, and trusting a private CA for Entra ID just to reach the server (or the other way
round) would widen what either connection trusts.

The bundle is checked before any request: a path that is missing, a folder, unreadable or
not PEM is a usage error that names the option and the path with a remedy, rather than a
TLS failure later that would send the operator looking at the server.
"""

from __future__ import annotations

import ssl
import stat
from dataclasses import dataclass
from pathlib import Path

from console.shared.diagnosis import Diagnosis
from console.shared.files import not_a_regular_file

MAX_BUNDLE_BYTES = 4 * 1024 * 1024
"""A CA bundle is kilobytes (the whole system store is about 220 KB); reading stops past this."""
STACK_CA_FLAG = "--stack-ca-bundle"
STACK_CA_SETTING = "stack_ca_bundle"
_PEM_CERTIFICATE = b"-----BEGIN CERTIFICATE-----"
_REMEDY = (
    f"Pass the PEM file of the CA that signed the Llama Stack server's certificate with "
    f"{STACK_CA_FLAG} PEM (or {STACK_CA_SETTING} in the settings file), e.g. the ca.crt "
    "of the server's TLS secret."
)


@dataclass
class CaBundleError(Exception):
    """A CA bundle that cannot be used; ``source`` names where the path came from.

    ``source`` is the flag by default; the CLI names the settings file instead when the
    path came from there, so the operator edits the right place.
    """

    path: Path
    problem: str
    remedy: str = _REMEDY
    source: str = STACK_CA_FLAG

    def __str__(self) -> str:
        return f"{self.source} {self.path}: {self.problem}"

    def from_source(self, source: str) -> CaBundleError:
        """The same error, naming ``source`` (a flag, or a setting in a file)."""
        return CaBundleError(self.path, self.problem, self.remedy, source)

    def diagnosis(self, endpoint: str | None = None) -> Diagnosis:
        """The error as the doctor shows a failed step: code ``CA_BUNDLE``, as for the token."""
        return Diagnosis(
            "CA_BUNDLE",
            "CA bundle for the Llama Stack server cannot be used",
            f"{self}.",
            self.remedy,
            endpoint,
        )


def bundle_key(path: Path) -> tuple[str, int, int]:
    """``(absolute path, mtime, size)``: what a cached context for ``path`` is keyed by.

    The file's stamp is part of the key so a bundle fixed on disk is read again (the TUI
    re-runs a step without a restart); raises `CaBundleError` when it is not a readable file.
    """
    problem = not_a_regular_file(path.expanduser())
    if problem == "does not exist":
        raise CaBundleError(path, "no such file")
    if problem == "is a folder, not a file":
        raise CaBundleError(
            path,
            "is a folder, not a PEM file",
            f"Name the PEM file of the server's CA, not a folder (join a folder's "
            f"certificates into one file with `cat {path}/*.pem > ca-bundle.pem`).",
        )
    check_regular(path)  # a loop of symbolic links, a pipe, a device: each in its words
    try:
        stat = path.expanduser().stat()
    except OSError as error:  # gone since
        raise CaBundleError(path, f"cannot be read ({error.strerror or error})") from None
    return str(path.expanduser().resolve()), stat.st_mtime_ns, stat.st_size


def check_regular(path: Path, remedy: str = _REMEDY) -> None:
    """`CaBundleError` unless ``path`` is a regular file: a FIFO would block the console
    before its first frame (and every TLS handshake after), a device never ends."""
    problem = not_a_regular_file(path.expanduser())
    if problem is None:
        return
    if "pipe" in problem or "device" in problem:
        remedy = (
            "Save the CA's PEM certificate to a file and pass that file (a pipe or a "
            "device cannot be read once and trusted for every connection)."
        )
    raise CaBundleError(path, problem, remedy)


def bundle_context(path: Path) -> ssl.SSLContext:
    """A client context trusting the certificates of ``path`` only; `CaBundleError` if unusable.

    The file is read once, at most `MAX_BUNDLE_BYTES` of it (``/dev/zero`` never ends), and
    checked before OpenSSL sees it, so a DER file or a key gets a remedy rather than
    OpenSSL's "no certificate or crl found".
    """
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_BUNDLE_BYTES + 1)
    except OSError as error:
        raise CaBundleError(path, f"cannot be read ({error.strerror or error})") from None
    if len(data) > MAX_BUNDLE_BYTES:
        raise CaBundleError(
            path,
            f"is more than {MAX_BUNDLE_BYTES // (1024 * 1024)} MiB, which no CA bundle is "
            "(a device or the wrong file?); not read further",
            "Name the PEM file of the server's CA (a few kilobytes).",
        )
    if _PEM_CERTIFICATE not in data:
        raise _not_pem(path, data)
    try:
        return ssl.create_default_context(cadata=data.decode("ascii", errors="replace"))
    except (ssl.SSLError, ValueError) as error:
        raise CaBundleError(
            path, f"holds a certificate that cannot be parsed{_reason(error)}"
        ) from None


def authority_bundle_problem(path: Path) -> str | None:
    """Why ``path`` cannot be the authority's CA bundle before OpenSSL reads it, or None.

    OpenSSL reads the file itself (azure-identity takes a path), to its end: a device or a
    pipe could make that endless, so only a regular file of at most `MAX_BUNDLE_BYTES` is
    handed over. A missing file is left to the request, which says so in its words.
    """
    try:
        info = path.expanduser().stat()
    except OSError:
        return None
    if stat.S_ISDIR(info.st_mode):
        return None
    if not stat.S_ISREG(info.st_mode):
        return "is not a regular file (a device or a pipe): save the PEM to a file and name it"
    if info.st_size > MAX_BUNDLE_BYTES:
        return (
            f"is {info.st_size} bytes, more than the {MAX_BUNDLE_BYTES // (1024 * 1024)} MiB "
            "of any CA bundle: name the PEM file of the CA"
        )
    return None


def _not_pem(path: Path, data: bytes) -> CaBundleError:
    """The error for a file without a PEM certificate: DER, a key, or something else."""
    if data[:1] == b"\x30":
        return CaBundleError(
            path,
            "is DER (binary), not PEM",
            f"Convert it: `openssl x509 -inform der -in {path} -out ca.pem`, and pass "
            f"ca.pem with {STACK_CA_FLAG}.",
        )
    if b"PRIVATE KEY-----" in data:
        return CaBundleError(path, "holds a private key, not a CA certificate")
    if not data.strip():
        return CaBundleError(path, "is empty")
    return CaBundleError(path, "holds no PEM certificate (-----BEGIN CERTIFICATE-----)")


def _reason(error: BaseException) -> str:
    """OpenSSL's reason in parentheses, when it gives one (``PEM lib`` gives none)."""
    reason = getattr(error, "reason", None)
    return f" ({reason})" if reason else " (cut short or corrupted)"
