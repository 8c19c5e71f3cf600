"""The Azure OpenAI stand-in on 127.0.0.1 (HTTP, or HTTPS when given `TlsFiles`)."""

from __future__ import annotations

from console.sandbox.azure_openai.app import create_azure_app
from console.sandbox.azure_openai.resource import API_PREFIX
from console.sandbox.azure_openai.stand_in import AzureOpenAIStandIn
from console.sandbox.servers import ASGIApp, TlsFiles
from console.sandbox.stand_in_server import StandInServer
from console.sandbox.tokens import TokenIssuer


class AzureOpenAIServer(StandInServer[AzureOpenAIStandIn]):
    """The Azure OpenAI stand-in on 127.0.0.1 (HTTP, or HTTPS when given `TlsFiles`).

    ``base_url`` is what a `remote::azure` provider's ``config.base_url`` must be set to.
    Given only an ``issuer``, it makes a stand-in that trusts the tokens that issuer signs.
    """

    name = "azure-openai"
    title = "Azure OpenAI stand-in"

    def __init__(
        self,
        stand_in: AzureOpenAIStandIn | None = None,
        *,
        issuer: TokenIssuer | None = None,
        tls: TlsFiles | None = None,
    ) -> None:
        if stand_in is not None and issuer is not None:
            raise ValueError("pass either a stand-in or an issuer, not both")
        super().__init__(stand_in or AzureOpenAIStandIn(issuer), tls=tls)

    @property
    def issuer(self) -> TokenIssuer:
        return self.stand_in.issuer

    @property
    def base_url(self) -> str:
        """The v1 endpoint, ``<url>/openai/v1``, as Llama Stack 0.7.3 needs it."""
        return f"{self.url}{API_PREFIX}"

    def create_app(self) -> ASGIApp:
        return create_azure_app(self.stand_in)
