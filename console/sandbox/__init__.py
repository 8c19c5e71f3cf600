"""Local stand-ins for Entra ID, Azure OpenAI and Llama Stack, and a real llama-stack launcher.

They exist for `lightspeed-console demo` and for the tests. Each mirrors the documented,
observable behaviour of the real service; every server listens on 127.0.0.1 on a free port
and is stopped by the code that started it.
"""
