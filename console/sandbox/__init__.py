"""Local stand-ins for Entra ID, Azure OpenAI and Llama Stack, and a real llama-stack launcher.

They exist for `lightspeed-console demo` and for the tests. Each mirrors the documented,
observable behaviour of the real service; every server listens on 127.0.0.1 on a free port
and is stopped by the code that started it.

- `entra`, `azure_openai`, `llama_stack`: one package per stand-in, split by job (its
  state, faults, records, errors, HTTP app, server)
- `servers`: uvicorn on a loopback socket in a thread (`LocalServer`), dropped connections
- `stand_in_server`: what the three stand-ins' servers share (`StandInServer`)
- `ca`: the ephemeral CA and server certificate; `tokens`: the signing key Entra and Azure
  share; `request_log`: the request log every stand-in keeps; `faults`: the fault catalogue
- `real_stack`: the launcher of a real server (its environment: `console.releases`)
- `choice`, `bringup`, `demo`: which Llama Stack the demo runs, and the demo's sandbox
"""
