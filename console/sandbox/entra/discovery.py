"""The OpenID configuration Entra publishes for a tenant, pointing at the stand-in.

MSAL reads it before its first token request and takes the token endpoint from it, so its
URLs must name this stand-in's base URL; the rest mirrors Entra's real document (v2.0, or
v1 with the ``sts.windows.net`` issuer) field for field.
"""

from __future__ import annotations

from typing import Any

_CLAIMS_SUPPORTED = (
    "sub", "iss", "cloud_instance_name", "cloud_instance_host_name", "cloud_graph_host_name",
    "msgraph_host", "aud", "exp", "iat", "auth_time", "acr", "nonce", "preferred_username",
    "name", "tid", "ver", "at_hash", "c_hash", "email",
)  # fmt: skip


def discovery_document(base: str, tenant_id: str, *, v1: bool = False) -> dict[str, Any]:
    """OpenID configuration of ``tenant_id`` as Entra publishes it, served from ``base``."""
    tid = tenant_id
    oauth = f"{base}/{tid}/oauth2" if v1 else f"{base}/{tid}/oauth2/v2.0"
    return {
        "token_endpoint": f"{oauth}/token",
        "token_endpoint_auth_methods_supported": [
            "client_secret_post",
            "private_key_jwt",
            "client_secret_basic",
        ],
        "jwks_uri": f"{base}/{tid}/discovery/{'' if v1 else 'v2.0/'}keys",
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": f"https://sts.windows.net/{tid}/" if v1 else f"{base}/{tid}/v2.0",
        "request_uri_parameter_supported": False,
        "userinfo_endpoint": "https://graph.microsoft.com/oidc/userinfo",
        "authorization_endpoint": f"{oauth}/authorize",
        "device_authorization_endpoint": f"{oauth}/devicecode",
        "http_logout_supported": True,
        "frontchannel_logout_supported": True,
        "end_session_endpoint": f"{oauth}/logout",
        "claims_supported": list(_CLAIMS_SUPPORTED),
        "kerberos_endpoint": f"{base}/{tid}/kerberos",
        "tenant_region_scope": "EU",
        "cloud_instance_name": "microsoftonline.com",
        "cloud_graph_host_name": "graph.windows.net",
        "msgraph_host": "graph.microsoft.com",
        "rbac_url": "https://pas.windows.net",
    }
