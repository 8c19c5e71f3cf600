"""The Entra ID stand-in served over HTTPS on 127.0.0.1, with its own CA unless given one.

azure-identity refuses plain-HTTP authorities, so unlike the other stand-ins this one always
serves TLS: with the files it is given, or with a CA and certificate it issues on `start`
(in ``workdir``, or in a temp folder it removes on `stop`).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Self

from console.sandbox.ca import issue_local_tls
from console.sandbox.entra.app import create_entra_app
from console.sandbox.entra.stand_in import EntraStandIn
from console.sandbox.servers import ASGIApp, TlsFiles
from console.sandbox.stand_in_server import StandInServer
from console.sandbox.tokens import TokenIssuer


class EntraServer(StandInServer[EntraStandIn]):
    """The Entra stand-in served over HTTPS on 127.0.0.1, with its own CA unless given one.

    ``authority`` is what `ClientSecretCredential(authority=...)` takes; ``ca_pem`` is what
    it must trust (``connection_verify=``). Instance discovery must be disabled on the sync
    credential, since this authority is not a Microsoft cloud.
    """

    name = "entra"
    title = "Entra stand-in"

    def __init__(
        self,
        stand_in: EntraStandIn | None = None,
        *,
        tls: TlsFiles | None = None,
        workdir: Path | None = None,
    ) -> None:
        super().__init__(stand_in or EntraStandIn(), tls=tls)
        self._workdir = workdir
        self._own_dir: Path | None = None

    @property
    def issuer(self) -> TokenIssuer:
        return self.stand_in.issuer

    @property
    def tls(self) -> TlsFiles:
        if self._tls is None:
            raise RuntimeError(f"{self.title} is not started")
        return self._tls

    @property
    def ca_pem(self) -> Path:
        return self.tls.ca_pem

    @property
    def authority(self) -> str:
        return self.url

    def token_endpoint(self, tenant: str) -> str:
        return f"{self.url}/{tenant}/oauth2/v2.0/token"

    def create_app(self) -> ASGIApp:
        return create_entra_app(self.stand_in)

    def start(self) -> Self:
        if self._tls is None:
            directory = self._workdir
            if directory is None:
                directory = self._own_dir = Path(tempfile.mkdtemp(prefix="entra-sandbox-"))
            self._tls = issue_local_tls(directory)
        super().start()
        self.stand_in.base_url = self.url
        return self

    def stop(self) -> None:
        super().stop()
        if self._own_dir is not None:
            shutil.rmtree(self._own_dir, ignore_errors=True)
            self._own_dir = None
            self._tls = None
