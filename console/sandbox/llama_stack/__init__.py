"""The Llama Stack stand-in: the part of a llama-stack 0.7.3 server's HTTP API the console uses.

Built from a run.yaml, it lists providers and models and forwards inference to each
``remote::azure`` provider's ``config.base_url`` exactly as 0.7.3 does, so an Azure
stand-in (or Azure) behind it sees the same requests as behind the real server. Which 0.7.3
behaviours it reproduces is written in `app`; ``tests/integration/test_stack_contract.py``
holds it to the real server.

- `identity`: how it tells itself apart from a real server (header, version)
- `run_config`: the run.yaml as it serves it (providers, models, redacted config)
- `provider_data`: the provider-data header and 0.7.3's validation of it
- `faults`: what can be made to fail, switched while it runs
- `records`: what a request looked like to it, never the provider data's values
- `errors`: the server's error texts and request validation
- `upstream`: the call to Azure with the OpenAI SDK's retries and error mapping
- `shaping`: completions and chunks re-serialized as the real server does
- `stand_in`: the run.yaml, faults and request log behind the routes
- `connection`: closing the keep-alive connection after an error, as the real server does
- `handlers`: what every route does around its answer (faults, log, errors, SSE)
- `responses`: the Responses API route
- `app`: the other routes and the app
- `server`: the stand-in served on 127.0.0.1, or a port where nothing listens
"""
