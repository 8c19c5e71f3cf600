"""Review rules: what would stop this deployment authenticating to Azure or answering.

Each rule returns findings with a remedy. They read only the typed views and env
references that `load()` built; none re-reads a file. Values of secrets are never quoted.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from console.config.envsubst import ConfigPath, Substitution, format_path
from console.config.lightspeed import Generation
from console.config.loaded import is_secret_place
from console.config.startup_rules import startup_refusals
from console.config.views import RunProvider
from console.config.yamlio import node_at
from console.shared.azure import AZURE_PROVIDER_TYPE, DEFAULT_SCOPE
from console.shared.findings import WRONG_TYPE, Finding, Severity
from console.shared.hostnames import url_host_problem
from console.shared.redact import MASK

if TYPE_CHECKING:
    from console.config.loaded import Loaded, LoadedFile

GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
TENANT_DOMAIN = re.compile(
    r"^(?=.{4,253}$)([a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]{2,63}$"
)
MULTI_TENANT_ALIASES = {"common", "organizations", "consumers"}
V1_SUFFIX = "/openai/v1"

Rule = Callable[["Loaded"], Iterator[Finding]]


def review(loaded: Loaded) -> list[Finding]:
    """Every finding of every rule, in rule order."""
    findings: list[Finding] = []
    for rule in RULES:
        findings.extend(rule(loaded))
    return findings


def unset_variables(loaded: Loaded) -> Iterator[Finding]:
    """A bare ``${env.VAR}`` whose variable is unset or empty: the service would not start."""
    for ref in loaded.env_references:
        if not ref.is_missing:
            continue
        # A secret gets no default: a value written in the file is no secret any more.
        default = (
            ""
            if is_secret_place(ref)
            else f" To give it a default, write ${{env.{ref.name}:=VALUE}}."
        )
        yield Finding(
            code="env-unset",
            severity=Severity.ERROR,
            file=ref.file,
            line=ref.line,
            message=f"environment variable {ref.name} is not set (used at {ref.dotted_path})",
            remedy=(
                f"Export {ref.name} before starting the service; for the console, export it "
                "or pass the pod's environment with --env-file FILE (or the deployment's "
                f"env_file).{default}"
            ),
        )


def malformed_env_references(loaded: Loaded) -> Iterator[Finding]:
    """A ``${env.`` that is not a reference: Llama Stack keeps the text, and sends it as is.

    ``client_secret: ${env.CLIENT_SECRET`` (no ``}``) is not a secret written inline, and
    not a variable read either: Entra ID would get the literal text as the secret.
    """
    for loaded_file in (loaded.lightspeed, loaded.run):
        if loaded_file is None:
            continue
        for bad in loaded_file.sub.malformed:
            yield Finding(
                code="env-malformed",
                severity=Severity.ERROR,
                file=bad.file,
                line=bad.line,
                message=(
                    f"{bad.dotted_path} holds a ${{env. that is not a variable reference "
                    "(no closing }, or a name other than A-Z, 0-9 and _): the text is used "
                    "as written, not substituted"
                ),
                remedy="Write ${env.NAME} with its closing brace and an upper-case NAME.",
            )


def entra_block(loaded: Loaded) -> Iterator[Finding]:
    """The azure_entra_id block: present, complete, and shaped the way Entra ID accepts."""
    if loaded.lightspeed is None:
        return
    file = loaded.lightspeed.path
    sub = loaded.lightspeed.sub
    entra = loaded.entra
    if entra is None:
        if sub.value.get("azure_entra_id") is not None:
            return  # written but unusable: the wrong-type finding says so
        has_azure = bool(loaded.azure_providers)
        yield Finding(
            code="entra-missing",
            severity=Severity.WARNING if has_azure else Severity.INFO,
            file=file,
            line=None,
            message="no azure_entra_id block: Lightspeed will not acquire Entra ID tokens"
            + (" although run.yaml has a remote::azure provider" if has_azure else ""),
            remedy=(
                "Add azure_entra_id with tenant_id, client_id and client_secret "
                "(as ${env.…} references) to authenticate to Azure OpenAI with Entra ID."
            ),
        )
        return
    for name in ("tenant_id", "client_id", "client_secret"):
        path = ("azure_entra_id", name)
        if getattr(entra, name) is None and not _unread(sub, path):
            yield Finding(
                code="entra-field-missing",
                severity=Severity.ERROR,
                file=file,
                line=sub.line(path),
                message=f"azure_entra_id.{name} is missing or empty",
                remedy=f"Set azure_entra_id.{name}, e.g. {name}: ${{env.{name.upper()}}}.",
            )
    if not entra.scope.endswith("/.default"):
        yield Finding(
            code="entra-scope",
            severity=Severity.ERROR,
            file=file,
            line=sub.line(("azure_entra_id", "scope")),
            message=f"scope {entra.scope!r} does not end in '/.default'",
            remedy=(
                "The client-credentials flow only accepts '<resource>/.default' "
                "(Entra ID answers AADSTS1002012); use "
                f"{DEFAULT_SCOPE} for Azure OpenAI."
            ),
        )
    if entra.tenant_id is not None:
        tenant = entra.tenant_id.get_secret_value().strip()
        if tenant.lower() in MULTI_TENANT_ALIASES:
            yield Finding(
                code="entra-tenant-id",
                severity=Severity.ERROR,
                file=file,
                line=sub.line(("azure_entra_id", "tenant_id")),
                message=f"tenant_id is the multi-tenant alias '{tenant.lower()}'",
                remedy="The client-credentials flow needs the tenant's GUID or its domain.",
            )
        elif not (GUID.match(tenant) or TENANT_DOMAIN.match(tenant)):
            yield Finding(
                code="entra-tenant-id",
                severity=Severity.ERROR,
                file=file,
                line=sub.line(("azure_entra_id", "tenant_id")),
                message="tenant_id is neither a GUID nor a domain name",
                remedy=(
                    "Use the Directory (tenant) ID from the app registration's Overview page "
                    "(a GUID), or the tenant's domain such as contoso.onmicrosoft.com."
                ),
            )
    if entra.client_id is not None and not GUID.match(entra.client_id.get_secret_value().strip()):
        yield Finding(
            code="entra-client-id",
            severity=Severity.ERROR,
            file=file,
            line=sub.line(("azure_entra_id", "client_id")),
            message="client_id is not a GUID",
            remedy="Use the Application (client) ID from the app registration's Overview page.",
        )


def entra_without_azure_provider(loaded: Loaded) -> Iterator[Finding]:
    """Entra ID configured but nothing in run.yaml to send the token to."""
    if loaded.entra is None or loaded.run is None or loaded.azure_providers:
        return
    yield Finding(
        code="entra-no-azure-provider",
        severity=Severity.ERROR,
        file=loaded.run.path,
        line=loaded.run.sub.line(("providers", "inference")),
        message=(
            "azure_entra_id is configured but run.yaml has no remote::azure inference provider: "
            "Lightspeed finds no Azure base URL to send the token to"
        ),
        remedy=(
            "Add a providers.inference entry with provider_type: remote::azure and "
            "config.base_url: https://<resource>.openai.azure.com/openai/v1."
        ),
    )


def azure_providers(loaded: Loaded) -> Iterator[Finding]:
    """Each remote::azure provider: base_url present, the v1 endpoint, api_key resolvable."""
    if loaded.run is None:
        return
    for provider in loaded.azure_providers:
        yield from _azure_provider(loaded, provider)


def _azure_provider(loaded: Loaded, provider: RunProvider) -> Iterator[Finding]:
    assert loaded.run is not None
    file = loaded.run.path
    sub = loaded.run.sub
    name = provider.provider_id or "(no provider_id)"
    config_path = (*provider.path, "config")
    base_url = provider.config.get("base_url")
    if "api_base" in provider.config:
        yield Finding(
            code="azure-api-base",
            severity=Severity.ERROR,
            file=file,
            line=sub.line((*config_path, "api_base")),
            message=f"provider {name} sets api_base, which llama-stack 0.7 does not read",
            remedy="Rename api_base to base_url (https://<resource>.openai.azure.com/openai/v1).",
        )
    if not base_url:
        if (*config_path, "base_url") in sub.unresolved_paths:
            return  # the unset variable is reported on its own
        yield Finding(
            code="azure-base-url-missing",
            severity=Severity.ERROR,
            file=file,
            line=sub.line(config_path) or provider.line,
            message=f"provider {name} has no config.base_url",
            remedy="Set config.base_url to https://<resource>.openai.azure.com/openai/v1.",
        )
    elif not isinstance(base_url, str):
        yield Finding(
            code=WRONG_TYPE,
            severity=Severity.ERROR,
            file=file,
            line=sub.line((*config_path, "base_url")),
            message=f"provider {name}: config.base_url is not a URL string",
            remedy="Set config.base_url to https://<resource>.openai.azure.com/openai/v1.",
        )
    elif problem := url_host_problem(base_url):
        yield Finding(
            code="azure-base-url-host",
            severity=Severity.ERROR,
            file=file,
            line=sub.line((*config_path, "base_url")),
            message=f"provider {name}: base_url {base_url} cannot be reached: {problem}",
            remedy="Use https://<resource>.openai.azure.com/openai/v1 with the resource's name "
            "as the Azure portal shows it (letters, digits and hyphens).",
        )
    if isinstance(base_url, str) and base_url and not base_url.rstrip("/").endswith(V1_SUFFIX):
        yield Finding(
            code="azure-base-url-not-v1",
            severity=Severity.ERROR,
            file=file,
            line=sub.line((*config_path, "base_url")),
            message=(
                f"provider {name}: base_url {base_url} does not end in {V1_SUFFIX}; "
                "llama-stack 0.7 sends no api-version, so only the v1 endpoint answers"
            ),
            remedy=f"Use {base_url.rstrip('/').split('/openai')[0]}{V1_SUFFIX}.",
        )
    api_key_path = (*config_path, "api_key")
    for ref in loaded.run.sub.references:
        if ref.is_missing and _same_place(ref.path, provider, "api_key"):
            yield Finding(
                code="azure-api-key-unset",
                severity=Severity.ERROR,
                file=file,
                line=sub.line(api_key_path) or ref.line,
                message=(
                    f"provider {name}: api_key references {ref.name}, which is not set; "
                    "the Llama Stack server refuses to start"
                ),
                remedy=(
                    f"Export {ref.name} (for the console: or pass --env-file FILE), or write "
                    f"api_key: ${{env.{ref.name}:=}} (empty) - with Entra ID the token arrives "
                    "in the provider-data header and no static key is needed."
                ),
            )


def _same_place(ref_path: tuple[str | int, ...], provider: RunProvider, key: str) -> bool:
    """Whether an env reference sits at ``<provider>.config.<key>`` (paths as written)."""
    return ref_path == (*provider.written_path, "config", key)


def models_name_providers(loaded: Loaded) -> Iterator[Finding]:
    """A registered model must name a provider that exists."""
    if loaded.run is None:
        return
    known = {provider.provider_id for provider in loaded.providers if provider.provider_id}
    for model in loaded.models:
        if model.provider_id and model.provider_id not in known:
            yield Finding(
                code="model-unknown-provider",
                severity=Severity.ERROR,
                file=loaded.run.path,
                line=model.line,
                message=(
                    f"model {model.model_id or '(no model_id)'} names provider "
                    f"{model.provider_id}, which is not defined"
                ),
                remedy=(
                    "Use one of: "
                    + (", ".join(sorted(known)) if known else "(no providers)")
                    + ", or add that provider under providers."
                ),
            )


def inline_secrets(loaded: Loaded) -> Iterator[Finding]:
    """Secrets written into the file rather than referenced from the environment."""
    # (file, path as written, path as resolved, label)
    places: list[tuple[LoadedFile, ConfigPath, ConfigPath, str]] = []
    if loaded.lightspeed is not None:
        section = loaded.llama_stack.section if loaded.llama_stack else "llama_stack"
        lightspeed_secrets: tuple[tuple[ConfigPath, str], ...] = (
            (("azure_entra_id", "client_secret"), "client_secret"),
            ((section, "api_key"), f"{section}.api_key"),
        )
        for secret_path, label in lightspeed_secrets:
            places.append((loaded.lightspeed, secret_path, secret_path, label))
    if loaded.run is not None:
        for provider in loaded.providers:
            places.append(
                (
                    loaded.run,
                    (*provider.written_path, "config", "api_key"),
                    (*provider.path, "config", "api_key"),
                    f"provider {provider.provider_id}'s api_key",
                )
            )
    for loaded_file, written, resolved, label in places:
        raw = node_at(loaded_file.document, written)
        if not isinstance(raw, str) or not raw.strip() or "${env." in raw:
            continue  # a reference, or a broken one (`malformed_env_references` says so)
        if raw.strip() == MASK:  # what a server's listing shows: not a secret itself
            continue
        path = resolved
        yield Finding(
            code="secret-inline",
            severity=Severity.WARNING,
            file=loaded_file.path,
            line=loaded_file.sub.line(path),
            message=f"{label} is written inline in the file ({format_path(path)})",
            remedy=(
                "Keep secrets out of files: write ${env.NAME} and set NAME from a secret store "
                "(a Kubernetes Secret, a vault); rotate the one written here."
            ),
        )


def stack_mode(loaded: Loaded) -> Iterator[Finding]:
    """Service mode needs a URL; library mode needs its run.yaml (May 2026's Lightspeed).

    A missing section and lightspeed-stack 0.7.x's run sources are `startup_refusals`.
    """
    if loaded.lightspeed is None:
        return
    file = loaded.lightspeed.path
    sub = loaded.lightspeed.sub
    stack = loaded.llama_stack
    if stack is None:
        return  # absent (a startup refusal) or unusable (a wrong-type finding)
    section = stack.section
    may_2026 = loaded.generation is None or loaded.generation.generation is Generation.MAY_2026
    if stack.use_as_library_client:
        if (
            may_2026
            and not stack.library_client_config_path
            and not _unread(sub, (section, "library_client_config_path"))
        ):
            yield Finding(
                code="stack-run-config-missing",
                severity=Severity.ERROR,
                file=file,
                line=stack.line,
                message=f"library mode without {section}.library_client_config_path",
                remedy=f"Set {section}.library_client_config_path to the run.yaml the library "
                "client loads.",
            )
    elif not stack.url and not _unread(sub, (section, "url")):
        yield Finding(
            code="stack-no-url",
            severity=Severity.ERROR,
            file=file,
            line=stack.line,
            message=f"service mode (use_as_library_client is not true) without {section}.url; "
            "Lightspeed refuses to start (URL is not specified and library client mode is not "
            "enabled)",
            remedy=f"Set {section}.url to the server, e.g. https://ogx.example:8321, "
            "or set use_as_library_client: true.",
        )


def _unread(sub: Substitution, path: ConfigPath) -> bool:
    """A text value that is written but could not be read: an unset variable or a wrong type.

    Either already has its own finding, so a rule saying "missing" would only mislead.
    """
    if path in sub.unresolved_paths:
        return True
    value = node_at(sub.value, path)
    return value is not None and (
        isinstance(value, bool) or not isinstance(value, str | int | float)
    )


def provider_types(loaded: Loaded) -> Iterator[Finding]:
    """A provider that looks like Azure but is not spelled the way Lightspeed matches it."""
    if loaded.run is None:
        return
    for provider in loaded.providers:
        kind = provider.provider_type or ""
        if provider.api == "inference" and kind != AZURE_PROVIDER_TYPE and "azure" in kind.lower():
            yield Finding(
                code="azure-provider-type",
                severity=Severity.WARNING,
                file=loaded.run.path,
                line=provider.line,
                message=(
                    f"provider {provider.provider_id} has provider_type {kind!r}; Lightspeed "
                    f"only enriches and discovers {AZURE_PROVIDER_TYPE!r}"
                ),
                remedy=f"Write provider_type: {AZURE_PROVIDER_TYPE} exactly.",
            )


RULES: tuple[Rule, ...] = (
    startup_refusals,
    unset_variables,
    malformed_env_references,
    entra_block,
    entra_without_azure_provider,
    azure_providers,
    provider_types,
    models_name_providers,
    inline_secrets,
    stack_mode,
)
