"""The releases the console can run, each pinned as the Lightspeed that runs it pins it.

A `ServerRelease` says what uv installs, how the server starts and what it reads; the same
environment serves library mode, where its library client loads a run.yaml in-process
(`console.library`). `release_for` picks the release a lightspeed-stack.yaml is written for.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path


@dataclass(frozen=True, kw_only=True)
class Installable:
    """What uv installs into one environment: pinned requirements, and extra install flags."""

    key: str
    label: str
    requirements: tuple[str, ...]
    install_args: tuple[str, ...] = ()
    """Extra ``uv pip install`` flags, e.g. ``--no-deps`` for a package read as files."""


@dataclass(frozen=True, kw_only=True)
class ServerRelease(Installable):
    """One server release: what to install, how to start it, and what it reads.

    ``program`` and ``cli_module`` are the console script and the module whose ``main()``
    it calls; the launcher calls ``main()`` itself (behind its parent-death watchdog), with
    ``sys.argv = [program, *run_args, run.yaml, "--port", N]``.
    """

    program: str
    cli_module: str
    run_args: tuple[str, ...]
    env_prefix: str
    """``OGX`` or ``LLAMA_STACK``: the prefix of the server's own variables (LOG_FORMAT...)."""
    package: str
    """The import name of the server's Python package (``ogx``, ``llama_stack``)."""
    requires_tls: bool
    """The server refuses to start without TLS (OGX 1.x) unless told ``--insecure``."""
    library_client: str
    """``module:Class`` of the async library client Lightspeed's library mode builds."""
    provider_data_header: str
    """The header its library client and server read provider data from."""

    @property
    def cli(self) -> str:
        """The release's own command line, as an operator types it (``ogx``, ``llama stack``)."""
        return " ".join((self.program, *self.run_args[:-1]))

    @property
    def kind(self) -> str:
        """The server generation it is: ``ogx`` (1.0 and later) or ``llama-stack``."""
        return "ogx" if self.package == "ogx" else "llama-stack"

    def run_command(self, config: Path, port: int) -> list[str]:
        """``sys.argv`` of the server for this run.yaml and port."""
        return [self.program, *self.run_args, str(config), "--port", str(port)]


OGX_1_2_5 = ServerRelease(
    key="ogx-1.2.5",
    label="OGX 1.2.5",
    # lightspeed-stack 0.7.1 pins all three; ogx alone pulls the newest ogx-api, whose
    # client-version check then answers 426 to a 1.2.5 client.
    requirements=("ogx==1.2.5", "ogx-api==1.2.5", "ogx-client==1.2.5"),
    program="ogx",
    cli_module="ogx.cli.ogx",
    run_args=("run",),
    env_prefix="OGX",
    package="ogx",
    requires_tls=True,
    library_client="ogx.core.library_client:AsyncOGXAsLibraryClient",
    provider_data_header="X-OGX-Provider-Data",
)
LLAMA_STACK_0_7_3 = ServerRelease(
    key="llama-stack-0.7.3",
    label="llama-stack 0.7.3",
    # mcp 2.x breaks the `llama` CLI of 0.7.3 (ImportError: McpError). Its library client
    # needs the release's `client` extra, which pins llama-stack-client 0.7.3.
    requirements=("llama-stack==0.7.3", "llama-stack-client==0.7.3", "mcp<2"),
    program="llama",
    cli_module="llama_stack.cli.llama",
    run_args=("stack", "run"),
    env_prefix="LLAMA_STACK",
    package="llama_stack",
    requires_tls=False,
    library_client="llama_stack.core.library_client:AsyncLlamaStackAsLibraryClient",
    provider_data_header="X-LlamaStack-Provider-Data",
)
OGX_LATEST = replace(
    OGX_1_2_5,
    key="ogx-latest",
    label="OGX (newest)",
    # Unpinned: the newest release when the environment is built (a cached one keeps its
    # version; its /v1/version says which). The three are released together.
    requirements=("ogx", "ogx-api", "ogx-client"),
)
RELEASES: Mapping[str, ServerRelease] = {
    r.key: r for r in (OGX_1_2_5, LLAMA_STACK_0_7_3, OGX_LATEST)
}
DEFAULT_RELEASE = OGX_1_2_5
"""What today's Lightspeed (lightspeed-stack 0.7.1) runs."""
LIGHTSPEED_STACK_0_7_1 = Installable(
    key="lightspeed-stack-0.7.1",
    label="lightspeed-stack 0.7.1",
    # Read as files (its default synthesis baseline): the 0.7.1 wheel cannot be imported,
    # and its dependencies (a whole OGX) are not needed for that.
    requirements=("lightspeed-stack==0.7.1",),
    install_args=("--no-deps",),
)
