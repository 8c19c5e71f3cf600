"""The live calls of ``check``, made with plain httpx in a fresh interpreter (the floor).

argv: token_url ca_bundle client_id client_secret scope stack_url azure_base_url model
"""

from __future__ import annotations

import json
import sys
import time

import httpx


def main() -> None:
    token_url, ca, client_id, secret, scope, stack_url, base_url, model = sys.argv[1:9]
    started = time.monotonic()
    with httpx.Client(verify=ca, timeout=30) as entra:
        answer = entra.post(
            token_url,
            data={
                "client_id": client_id,
                "client_secret": secret,
                "grant_type": "client_credentials",
                "scope": scope,
            },
        )
        answer.raise_for_status()
        token = answer.json()["access_token"]
    header = json.dumps({"azure_api_key": token, "azure_api_base": base_url})
    with httpx.Client(base_url=stack_url, timeout=60) as stack:
        for path in ("/v1/version", "/v1/providers", "/v1/models"):
            stack.get(path).raise_for_status()
        chat = stack.post(
            "/v1/chat/completions",
            headers={"X-LlamaStack-Provider-Data": header},
            json={"model": model, "messages": [{"role": "user", "content": "ping"}]},
        )
        chat.raise_for_status()
    print(json.dumps({"calls_s": time.monotonic() - started}))


if __name__ == "__main__":
    main()
