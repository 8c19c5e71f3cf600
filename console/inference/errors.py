"""Why a test inference failed, in the terms of the request that was sent.

The same HTTP status means different things depending on what the console sent: a 400
``API key not provided`` is the provider-data header missing, dropped for a bad
``azure_api_base``, sent under the name the server does not read, or stripped on the way;
a 401 is Azure refusing the token (expired, wrong audience, another tenant), the app
lacking its RBAC role, Azure receiving a static key instead of the token, or the Llama
Stack server refusing its own api_key. `SentRequest` records what was sent, and
`diagnose_inference` uses it (and the token's own claims, decoded locally) to say which.
Everything else falls back to `console.stack.errors`.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import SecretStr

from console.shared.azure import COGNITIVE_SERVICES, DEFAULT_SCOPE
from console.shared.diagnosis import Diagnosis
from console.stack.bounds import AnswerRefused
from console.stack.errors import (
    chain_text,
    connection_diagnosis,
    endpoint_of,
    error_chain,
    server_message,
    status_diagnosis,
)

OPENAI_USER_ROLE = "Cognitive Services OpenAI User"
NO_KEY_TEXT = "API key not provided"


@dataclass(frozen=True)
class SentRequest:
    """What the console sent, so a failure can be explained in its terms."""

    endpoint: str
    model: str
    header_name: str | None
    """None when no provider data was sent (Lightspeed sends none without a base URL)."""
    server_reads: str
    server_kind: str
    server_version: str
    base_url: str | None
    token: SecretStr | None
    known_models: tuple[str, ...] = ()
    stack_api_key: SecretStr | None = None
    ca_bundle: Path | None = None
    """The CA bundle trusted for the server (None: the system's), for a TLS failure."""
    section: str | None = None
    """The configuration's server section (``ogx``, ``llama_stack``), for the remedies."""
    provider_model_id: str | None = None
    """The Azure deployment the server sends the request to (the model's provider id)."""

    @property
    def secrets(self) -> list[SecretStr | None]:
        """Everything that must be masked in the diagnosis."""
        return [self.token, self.stack_api_key]


def is_http_url(value: str | None) -> bool:
    """What llama-stack 0.7.3's Azure validator accepts as ``azure_api_base``."""
    if not value:
        return False
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def diagnose_inference(error: BaseException, sent: SentRequest) -> Diagnosis:
    """The diagnosis for an exception from a chat completion or a response, scrubbed."""
    from console.stack.sdk import load_llama_stack_client

    load_llama_stack_client()
    from llama_stack_client import APIConnectionError, APIStatusError

    where = endpoint_of(error, sent.endpoint)
    if isinstance(error, APIStatusError):
        found = status_failure(error.status_code, server_message(error), where, sent)
    elif (
        isinstance(error, APIConnectionError | OSError | AnswerRefused)
        or type(error).__module__.startswith(("httpx", "httpcore"))
        or any(isinstance(item, AnswerRefused) for item in error_chain(error))
    ):
        found = connection_diagnosis(error, where, sent.ca_bundle, sent.section)
    else:
        found = Diagnosis(
            "CLIENT_ERROR",
            "The Llama Stack client failed",
            f"{type(error).__name__} while reading the answer.",
            "Run again; if it repeats, report it with the command line.",
            where,
            chain_text(error),
        )
    return found.scrubbed(sent.secrets)


def status_failure(status: int, message: str, endpoint: str, sent: SentRequest) -> Diagnosis:
    """An error answer to an inference request, by status and text.

    What Azure refused is said at Azure's endpoint (the base URL the server sends to),
    reached through the server's.
    """
    found = _status_failure(status, message, endpoint, sent)
    if found.code.startswith("AZURE_") and is_http_url(sent.base_url):
        assert sent.base_url is not None
        azure = f"POST {sent.base_url.rstrip('/')}/chat/completions"
        return replace(found, endpoint=f"{azure} (through {endpoint})")
    return found


def _status_failure(status: int, message: str, endpoint: str, sent: SentRequest) -> Diagnosis:
    relayed = message.startswith("Error code: ")
    if status == 400 and NO_KEY_TEXT in message:
        return provider_data_failure(sent, endpoint, message)
    if status == 401:
        return unauthorized(message, endpoint, sent)
    if status == 403 and relayed:
        return Diagnosis(
            "AZURE_FORBIDDEN",
            "Azure OpenAI refused access to the resource",
            "Azure answered 403: the resource does not accept requests from where the Llama "
            "Stack server runs (network rules, private endpoint, disabled public access).",
            "Check the resource's Networking settings in the Azure portal, or run the server "
            "where the private endpoint is reachable.",
            endpoint,
            message,
        )
    if status == 404:
        return not_found(message, endpoint, sent)
    if status == 429:
        from console.inference.throttle import retry_after

        after = retry_after({}, message)
        said = f" (Retry-After {after:.0f} s)" if after is not None else ""
        return Diagnosis(
            "AZURE_RATE_LIMITED",
            f"Azure OpenAI is throttling{said}",
            f"Azure answered 429 Too Many Requests{said}: the deployment's tokens or "
            "requests per minute are used up; the server already retried.",
            (f"Wait {after:.0f} s and try again" if after is not None else "Wait and try again")
            + "; if it persists, raise the deployment's TPM quota (Azure portal > the "
            "resource > Deployments), or find what else uses it.",
            endpoint,
            message,
        )
    if status >= 500 and relayed:
        return Diagnosis(
            "AZURE_SERVER_ERROR",
            "Azure OpenAI failed with a server error",
            f"Azure answered {message.split(' - ', 1)[0].removeprefix('Error code: ')} to "
            "every try the Llama Stack server made (it tries 3 times): the fault is on "
            "Azure's side, not in the token or the configuration.",
            "Try again later; check https://azure.status.microsoft and the resource's health "
            "in the portal.",
            endpoint,
            message,
        )
    if status == 500:
        return Diagnosis(
            "STACK_INTERNAL_ERROR",
            "The Llama Stack server failed while handling the inference",
            "The server answered 500 without an upstream status: most often it could not "
            f"reach Azure at {sent.base_url or 'its base_url'} (DNS, TLS, refused), or the "
            "provider data was not a JSON object.",
            "Read the server's log for this request; check that the server (not this "
            "machine) can reach the base_url.",
            endpoint,
            message,
        )
    return status_diagnosis(status, message, endpoint, sent.section)


def provider_data_failure(sent: SentRequest, endpoint: str, message: str) -> Diagnosis:
    """400 ``API key not provided``: the server saw no usable provider data. Say why."""
    if sent.header_name is None:
        return Diagnosis(
            "PROVIDER_DATA_NOT_SENT",
            "No provider data was sent",
            "No Azure base URL was discovered, so - like Lightspeed - the console built no "
            "provider data and sent no header; the server has no api_key to fall back on.",
            "Give the server a remote::azure provider with config.base_url (see `providers`).",
            endpoint,
            message,
        )
    if not is_http_url(sent.base_url):
        return Diagnosis(
            "PROVIDER_DATA_DROPPED",
            "The provider data was sent but dropped: azure_api_base is not a URL",
            f"{sent.header_name} was sent, but its azure_api_base ({sent.base_url!r}) is not an "
            "http(s) URL, and the server's validator drops the whole provider data when "
            "either field is invalid (only a log line says so).",
            "Fix config.base_url of the server's remote::azure provider: Lightspeed copies "
            "it into azure_api_base.",
            endpoint,
            message,
        )
    if sent.header_name.lower() != sent.server_reads.lower():
        return Diagnosis(
            "PROVIDER_DATA_WRONG_HEADER",
            "The provider data was sent under a header name this server ignores",
            f"The console sent {sent.header_name}, but {sent.server_kind} "
            f"{sent.server_version} reads {sent.server_reads}.",
            f"Drop --provider-data-header, or set it to {sent.server_reads}. Lightspeed "
            "must send the name its server reads (OGX >= 1.0: X-OGX-Provider-Data).",
            endpoint,
            message,
        )
    return Diagnosis(
        "PROVIDER_DATA_STRIPPED",
        "The provider data was sent but never reached the server",
        f"{sent.header_name} was sent, well-formed, with both azure_api_key and "
        "azure_api_base, yet the server answered as if it were absent: a proxy, ingress or "
        "gateway between here and the server stripped it, or the server reads another "
        "header name than its version suggests (OGX reads X-OGX-Provider-Data).",
        "Let the header through the proxy/ingress (or call the server directly with --url); "
        "if the server is OGX, pass --provider-data-header X-OGX-Provider-Data.",
        endpoint,
        message,
    )


def unauthorized(message: str, endpoint: str, sent: SentRequest) -> Diagnosis:
    """401: Azure refusing the token or its principal, or the server refusing its api_key."""
    lowered = message.lower()
    if "permissiondenied" in lowered or "lacks the required data action" in lowered:
        client = _claim(sent.token, "appid", "azp") or "<client_id>"
        return Diagnosis(
            "AZURE_NO_ROLE",
            f"The app lacks the '{OPENAI_USER_ROLE}' role",
            "Azure accepted the token (right tenant, audience, not expired) but the app's "
            f"service principal ({client}) has no data-plane role on the Azure OpenAI "
            "resource.",
            f"Assign '{OPENAI_USER_ROLE}' to the app on the resource: az role assignment "
            f"create --assignee {client} --role '{OPENAI_USER_ROLE}' --scope "
            f"{_resource_scope(sent.base_url)}; role assignments take a few minutes to apply.",
            endpoint,
            message,
        )
    if "subscription key" in lowered:
        return Diagnosis(
            "AZURE_KEY_REJECTED",
            "Azure received a key, not the Entra token",
            "Azure refused an API key: the provider data did not reach the provider, so the "
            "server fell back to the api_key in its run.yaml, which this resource rejects.",
            "Make sure the provider-data header reaches the server (see `providers` and a "
            "proxy in between); remove the static api_key from run.yaml to see such "
            "failures as 400 instead.",
            endpoint,
            message,
        )
    if "access token" in lowered or message.startswith("Error code: 401"):
        return token_rejected(message, endpoint, sent)
    return status_diagnosis(401, message, endpoint, sent.section)


def token_rejected(message: str, endpoint: str, sent: SentRequest) -> Diagnosis:
    """Azure's 401 for the token itself; the claims (decoded locally) usually say why."""
    reason, remedy = _token_fault(sent.token)
    return Diagnosis(
        "AZURE_TOKEN_REJECTED",
        "Azure OpenAI rejected the access token",
        f"Azure answered 401 for the bearer token the server forwarded: {reason}",
        remedy,
        endpoint,
        message,
    )


def _claim(token: SecretStr | None, *names: str) -> str | None:
    """A claim of the token (decoded locally, as `token` shows it), e.g. its app id."""
    from console.entra.claims import NotAJwtError, decode_jwt

    if token is None or not token.get_secret_value():
        return None
    try:
        payload = decode_jwt(token.get_secret_value()).payload
    except NotAJwtError:
        return None
    for name in names:
        value = payload.get(name)
        if isinstance(value, str) and value:
            return value
    return None


_AZURE_OPENAI_HOSTS = (".openai.azure.com", ".cognitiveservices.azure.com")


def _resource_scope(base_url: str | None) -> str:
    """The role assignment's scope: the resource's id, looked up by its name when the base
    URL names it (``https://NAME.openai.azure.com/openai/v1``)."""
    host = (urlsplit(base_url).hostname or "") if base_url else ""
    if host.endswith(_AZURE_OPENAI_HOSTS):
        name = host.split(".", 1)[0]
        return (
            f'"$(az cognitiveservices account show --name {name} --resource-group <group> '
            '--query id -o tsv)"'
        )
    return "<the Azure OpenAI resource's id>"


def _token_fault(token: SecretStr | None) -> tuple[str, str]:
    from console.entra.claims import NotAJwtError, claim_time, decode_jwt

    generic = (
        "it is missing, expired, for another audience, or not signed by a tenant Azure "
        "trusts for this resource.",
        f"Get a fresh token with scope {DEFAULT_SCOPE} from the "
        "tenant that owns the resource (`token` shows its claims).",
    )
    if token is None or not token.get_secret_value():
        return generic
    try:
        payload = decode_jwt(token.get_secret_value()).payload
    except NotAJwtError:
        return (
            "the token is not a JWT, so it is not an Entra access token.",
            "Use the access token from the client-credentials flow (`token`), not a secret "
            "or an ID.",
        )
    exp = claim_time(payload.get("exp"))  # None for 10**400 or 1e999: no date at all
    if exp is not None and exp <= time.time():
        return (
            f"it expired {time.time() - exp:.0f} s ago.",
            "Get a new token; Lightspeed refreshes 30 s before expiry, so a stale token "
            "points at a clock off on one machine or a cached token reused too long.",
        )
    aud = payload.get("aud")
    if isinstance(aud, str) and aud.rstrip("/").lower() != COGNITIVE_SERVICES:
        return (
            f"its audience is {aud}, not {COGNITIVE_SERVICES}.",
            f"Set azure_entra_id.scope to {DEFAULT_SCOPE} and get a new token.",
        )
    return (
        "its claims look right (audience, not expired), so the signature or issuer is not "
        "accepted: a token from another tenant or cloud, or one that was altered.",
        "Check that tenant_id is the tenant of the Azure OpenAI resource and that the "
        "authority matches its cloud.",
    )


def not_found(message: str, endpoint: str, sent: SentRequest) -> Diagnosis:
    """404: an unknown model id, an Azure deployment that does not exist, or no route."""
    if "model" in message.lower() and "not found" in message.lower():
        known = ", ".join(sent.known_models) or "(the server lists none)"
        bare = [m for m in sent.known_models if m.rpartition("/")[2] == sent.model]
        return Diagnosis(
            "MODEL_NOT_FOUND",
            f"The server has no model {sent.model!r}",
            "Llama Stack ids are <provider_id>/<model>"
            + (
                f"; the bare name {sent.model!r} is not one (the id is {bare[0]})."
                if bare and bare[0] != sent.model
                else "."
            )
            + f" The server lists: {known}.",
            "Use one of the listed ids (--model accepts the bare name and maps it), or "
            "register the model under registered_resources.models in the server's run.yaml.",
            endpoint,
            message,
        )
    if "deployment" in message.lower():
        return Diagnosis(
            "AZURE_DEPLOYMENT_NOT_FOUND",
            "Azure has no deployment by that name",
            f"The server sent provider_model_id of {sent.model} as the deployment name, and "
            "the Azure resource has no such deployment.",
            "Set provider_model_id in registered_resources.models to the deployment's name "
            "(Azure portal > Deployments).",
            endpoint,
            message,
        )
    return status_diagnosis(404, message, endpoint, sent.section)


def no_model(models: Sequence[str]) -> Diagnosis:
    """No model to send to: the server lists no model of a remote::azure provider."""
    return Diagnosis(
        "NO_AZURE_MODEL",
        "No Azure model to test with",
        "The server lists no model of a remote::azure provider"
        + (f" (it lists: {', '.join(models)})." if models else " (it lists no models)."),
        "Pass --model <id>, or register a model for the Azure provider under "
        "registered_resources.models in the server's run.yaml.",
    )
