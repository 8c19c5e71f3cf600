"""What every stand-in's server has in common: one `LocalServer` around one stand-in.

Entra ID, Azure OpenAI and the Llama Stack stand-ins are each a state object (directory or
deployments, faults, request log) plus an HTTP app built over it. Tests and the demo handle
their servers the same way (``.url``, ``.port``, ``.faults``, ``.stand_in``, ``with``), so
that surface lives here once; a stand-in's server says only what differs: its name, its app,
whether it serves TLS, and its own extra properties.

The `LocalServer` is kept after `stop`, so ``url`` and ``port`` still name where the server
was: a test that stops a server checks that nothing listens there any more.
"""

from __future__ import annotations

from typing import ClassVar, Protocol, Self

from console.sandbox.servers import ASGIApp, LocalServer, Startable, TlsFiles


class HasFaults[FaultsT](Protocol):
    """A stand-in: it keeps a faults object its handlers read on every request."""

    faults: FaultsT


class StandInServer[StandInT](Startable):
    """A stand-in served on 127.0.0.1 by a `LocalServer` (HTTPS when it has `TlsFiles`).

    Subclasses set `name` (the server thread's name) and `title` (how messages call it) and
    build the app in `create_app`; those that prepare something before serving (a CA) or
    answer differently when down extend `start` and `stop`.
    """

    name: ClassVar[str]
    """Short name of the server and its thread, e.g. ``entra``."""
    title: ClassVar[str]
    """The stand-in as a message names it, e.g. ``Entra stand-in``."""

    def __init__(self, stand_in: StandInT, *, tls: TlsFiles | None = None) -> None:
        self._stand_in = stand_in
        self._tls = tls
        self._server: LocalServer | None = None

    @property
    def stand_in(self) -> StandInT:
        """The state behind the app: what tests inspect and change while it runs."""
        return self._stand_in

    @property
    def faults[FaultsT](self: StandInServer[HasFaults[FaultsT]]) -> FaultsT:
        """The stand-in's faults; set attributes on it to switch a fault while it runs."""
        return self.stand_in.faults

    @property
    def tls(self) -> TlsFiles | None:
        """The certificate it serves and the CA that signed it; None for plain HTTP."""
        return self._tls

    @property
    def scheme(self) -> str:
        return "https" if self._tls is not None else "http"

    @property
    def server(self) -> LocalServer:
        """The running (or last stopped) `LocalServer`; RuntimeError before `start`."""
        if self._server is None:
            raise RuntimeError(f"{self.title} is not started")
        return self._server

    @property
    def url(self) -> str:
        """Base URL without a trailing slash, e.g. ``https://127.0.0.1:40123``."""
        return self.server.url

    @property
    def port(self) -> int:
        return self.server.port

    @property
    def host(self) -> str:
        return self.server.host

    @property
    def running(self) -> bool:
        return self._server is not None and self._server.running

    def create_app(self) -> ASGIApp:
        """The HTTP app that serves the stand-in; built anew on each `start`."""
        raise NotImplementedError

    def start(self) -> Self:
        """Serve the stand-in; returns once the port accepts connections."""
        server = LocalServer(self.create_app(), tls=self._tls, name=self.name)
        server.start()
        self._server = server
        return self

    def stop(self) -> None:
        """Stop serving and free the port; safe to call more than once."""
        if self._server is not None:
            self._server.stop()

    def __repr__(self) -> str:
        where = self.url if self._server is not None and self._server.port else "not started"
        return f"<{type(self).__name__} {where}>"
