"""The Azure names every domain agrees on: one definition each.

Lightspeed enriches and discovers only providers of exactly `AZURE_PROVIDER_TYPE`; a token
for the default scope has the Cognitive Services audience, which Azure OpenAI requires.
"""

from __future__ import annotations

AZURE_PROVIDER_TYPE = "remote::azure"
"""The Llama Stack / OGX provider type of Azure OpenAI."""
COGNITIVE_SERVICES = "https://cognitiveservices.azure.com"
"""The audience (``aud``) of a token Azure OpenAI accepts."""
DEFAULT_SCOPE = f"{COGNITIVE_SERVICES}/.default"
"""The scope Lightspeed asks for when ``azure_entra_id.scope`` is not set."""
PUBLIC_AUTHORITY_HOST = "login.microsoftonline.com"
"""The public cloud's Entra ID authority (and MSAL's instance discovery)."""
