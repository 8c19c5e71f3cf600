"""Who may reach ``serve``: the holder of this run's token, on its address, from its own page.

Listening on 127.0.0.1 keeps the network out, but not the operator's own browser: any web
page open in it can open a WebSocket to 127.0.0.1 (cross-site WebSocket hijacking), or have
its own name resolve to 127.0.0.1 and be "same origin" with the console (DNS rebinding), and
any other local user can connect too. A console opened that way runs with the operator's
configuration and credentials. So every request, HTTP and WebSocket alike, must pass three
checks, the way notebook servers guard theirs:

- ``Host`` is the served address (``127.0.0.1:PORT`` or ``localhost:PORT``): a rebound name
  carries its own host name here, whatever address it resolved to;
- ``Origin``, when the browser sends one (it always does for a WebSocket), is that address
  too: a page of another site, or of another port on this machine, is refused;
- the request carries the token printed with the URL, as ``?token=`` or in the cookie the
  first request with it sets (the page's scripts, styles and WebSocket do not repeat the
  query), compared in constant time.

The token is random per run and is never written anywhere but the one line that prints
the URL. This module holds the rules only; `console.serving.server` applies them.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass, field

HOST = "127.0.0.1"
"""The only address ``serve`` listens on."""

LOCAL_NAMES = (HOST, "localhost")
"""The names a browser on this machine may use for it."""

TOKEN_PARAMETER = "token"  # noqa: S105 (a parameter name, not a secret)
"""The query parameter that carries the token (``http://127.0.0.1:PORT/?token=...``)."""

COOKIE_PREFIX = "lightspeed-console-token-"
"""The cookie that carries the token after the first request; the port is appended, as
cookies are shared by every port of a host."""

WRONG_HOST = (
    "refused: the Host header is not this server's address (127.0.0.1:{port} or "
    "localhost:{port}); a page whose name was made to resolve to this machine cannot use it"
)
FOREIGN_ORIGIN = (
    "refused: the request comes from a page of another site (its Origin is not "
    "http://127.0.0.1:{port}); open the console from the URL lightspeed-console serve printed"
)
ABSENT = (
    "refused: no token; open the URL lightspeed-console serve printed "
    "(http://127.0.0.1:{port}/?token=...)"
)
MISMATCH = (
    "refused: wrong token (each run of lightspeed-console serve makes a new one); open the "
    "URL it printed this time"
)


@dataclass(frozen=True)
class Access:
    """The token of one run of ``serve`` and the address it was made for."""

    port: int
    token: str = field(default_factory=lambda: secrets.token_urlsafe(32), repr=False)

    @property
    def url(self) -> str:
        """The URL to open: the one place the token is shown."""
        return f"http://{HOST}:{self.port}/?{TOKEN_PARAMETER}={self.token}"

    @property
    def hosts(self) -> frozenset[str]:
        """``Host`` headers that name this server (the port is left out only for port 80)."""
        names = {f"{name}:{self.port}" for name in LOCAL_NAMES}
        if self.port == 80:
            names.update(LOCAL_NAMES)
        return frozenset(names)

    @property
    def origins(self) -> frozenset[str]:
        """``Origin`` headers of this server's own pages."""
        return frozenset(f"http://{host}" for host in self.hosts)

    @property
    def cookie_name(self) -> str:
        """The cookie that carries the token for this port."""
        return f"{COOKIE_PREFIX}{self.port}"

    def refusal(
        self,
        *,
        host: str | None,
        origin: str | None,
        query_token: str | None,
        cookie_token: str | None,
    ) -> str | None:
        """Why a request with these headers is refused, or None when it may pass.

        The reasons name no header value: they are shown to whoever sent the request.
        """
        if host is None or host.lower() not in self.hosts:
            return WRONG_HOST.format(port=self.port)
        if origin is not None and origin.lower() not in self.origins:
            return FOREIGN_ORIGIN.format(port=self.port)
        offered = query_token if query_token is not None else cookie_token
        if not offered:
            return ABSENT.format(port=self.port)
        if not self.matches(offered):
            return MISMATCH
        return None

    def matches(self, offered: str) -> bool:
        """Whether ``offered`` is this run's token (constant time, any text accepted)."""
        return hmac.compare_digest(offered.encode("utf-8", "replace"), self.token.encode())
