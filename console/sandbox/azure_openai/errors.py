"""Azure OpenAI's refusals, in its own ``{"error": {"code", "message"}}`` shape and wording.

The console's diagnosis reads what Azure sends through Llama Stack, so each message is the
gateway's or the backend's text, not a paraphrase.
"""

from __future__ import annotations

from typing import Any

from console.shared.azure import COGNITIVE_SERVICES as AZURE_AUDIENCE

MSG_INVALID_KEY = (
    "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide "
    "a valid key for an active subscription and use a correct regional API endpoint for your "
    "resource."
)
MSG_INVALID_TOKEN = (
    "Unauthorized. Access token is missing, invalid, audience is incorrect "
    f"({AZURE_AUDIENCE}), or have expired."
)
MSG_NO_ROLE = (
    "The principal `{principal}` lacks the required data action "
    "`Microsoft.CognitiveServices/accounts/OpenAI/deployments/chat/completions/action` to "
    "perform `POST /openai/deployments/{{deployment-id}}/chat/completions` operation."
)
MSG_DEPLOYMENT_NOT_FOUND = (
    "The API deployment for this resource does not exist. If you created the deployment within "
    "the last 5 minutes, please wait a moment and try again."
)
MSG_RATE_LIMIT = (
    "Requests to the ChatCompletions_Create Operation under Azure OpenAI API version v1 have "
    "exceeded token rate limit of your current OpenAI S0 pricing tier. Please retry after "
    "{seconds} second{plural}. Please go here: https://aka.ms/oai/quotaincrease if you would "
    "like to further increase the default rate limit."
)
MSG_SERVER_ERROR = (
    "The server had an error while processing your request. Sorry about that! You can retry "
    "your request, or contact us through an Azure support request at: "
    "https://go.microsoft.com/fwlink/?linkid=2213926 if you keep seeing this error."
)
MSG_UNAVAILABLE = (
    "The service is temporarily unable to process your request. Please try again later."
)


def azure_error(code: str, message: str) -> dict[str, Any]:
    """Azure's error body."""
    return {"error": {"code": code, "message": message}}


def fault_body(status: int, retry_after_s: int) -> dict[str, Any]:
    """The body Azure sends with an injected error ``status``."""
    if status == 429:
        plural = "" if retry_after_s == 1 else "s"
        return azure_error("429", MSG_RATE_LIMIT.format(seconds=retry_after_s, plural=plural))
    if status == 500:
        # The 500 from the model backend comes in OpenAI's shape, without a code.
        return {
            "error": {"message": MSG_SERVER_ERROR, "type": "server_error", "param": None,
                      "code": None}
        }  # fmt: skip
    if status == 503:
        return azure_error("ServiceUnavailable", MSG_UNAVAILABLE)
    return azure_error(str(status), f"Request failed with status {status}.")
