"""The Llama Stack stand-in on 127.0.0.1, or a free port where nothing listens.

A stopped server is one of the failures the console must explain, so ``faults.down`` set
before `start` serves nothing: ``url`` then names a free port and clients get "connection
refused". With ``tls`` it serves HTTPS, as OGX 1.x does (it refuses plain HTTP).
"""

from __future__ import annotations

import socket
from collections.abc import Mapping
from typing import Any, Self

from console.sandbox.llama_stack.app import create_stack_app
from console.sandbox.llama_stack.stand_in import LlamaStackStandIn
from console.sandbox.servers import LOOPBACK, ASGIApp, TlsFiles
from console.sandbox.stand_in_server import StandInServer


def _unused_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        port: int = sock.getsockname()[1]
        return port


class LlamaStackServer(StandInServer[LlamaStackStandIn]):
    """The Llama Stack stand-in on 127.0.0.1.

    With ``faults.down`` set before `start`, nothing listens: ``url`` points at a free port,
    so clients get "connection refused", as with a server that was never started. With
    ``tls`` it serves HTTPS with that certificate, as OGX 1.x does (it refuses plain HTTP).
    """

    name = "llama-stack"
    title = "Llama Stack stand-in"

    def __init__(
        self,
        run_config: Mapping[str, Any] | None = None,
        *,
        stand_in: LlamaStackStandIn | None = None,
        environ: Mapping[str, str] | None = None,
        upstream_verify: bool | str = True,
        tls: TlsFiles | None = None,
    ) -> None:
        if (run_config is None) == (stand_in is None):
            raise ValueError("pass exactly one of run_config or stand_in")
        if stand_in is None:
            stand_in = LlamaStackStandIn(
                run_config or {}, environ=environ, upstream_verify=upstream_verify
            )
        super().__init__(stand_in, tls=tls)
        self._down_port: int | None = None

    @property
    def url(self) -> str:
        if self._down_port is not None:
            return f"{self.scheme}://{LOOPBACK}:{self._down_port}"
        return super().url

    @property
    def port(self) -> int:
        if self._down_port is not None:
            return self._down_port
        return super().port

    def create_app(self) -> ASGIApp:
        return create_stack_app(self.stand_in)

    def start(self) -> Self:
        if self.faults.down:
            self._down_port = _unused_port()
            return self
        return super().start()

    def stop(self) -> None:
        super().stop()
        self._down_port = None
