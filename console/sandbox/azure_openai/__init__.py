"""The Azure OpenAI stand-in: a resource's v1 data plane, served on loopback.

It is what a Llama Stack `remote::azure` provider talks to in the demo and the tests:
``POST /openai/v1/chat/completions`` (plain, and streamed as SSE) and ``GET
/openai/v1/models``. Like the real service it trusts only Entra ID access tokens signed by
the sandbox's `TokenIssuer`; answers are deterministic, so screen snapshots are stable.

- `resource`: the resource's fixed facts (audience, API prefix, deployments, region)
- `errors`: Azure's error bodies and wording
- `faults`: what can be made to fail, switched while it runs
- `records`: what a request looked like to it, the bearer kept only as a fingerprint
- `replies`: the deterministic answer, its usage, its stream chunks
- `stand_in`: trust, deployments, faults and the request log; the gateway's auth decision
- `app`: the HTTP routes
- `server`: the stand-in served on 127.0.0.1
"""
