"""The Llama Stack stand-in: the part of a llama-stack 0.7.3 server's HTTP API the console uses.

Built from a run.yaml, it lists providers and models and forwards inference to each
``remote::azure`` provider's ``config.base_url`` exactly as 0.7.3 does, so an Azure
stand-in (or Azure) behind it sees the same requests as behind the real server. Which 0.7.3
behaviours it reproduces is written in `app`; ``tests/integration/test_stack_contract.py``
holds it to the real server. docs/ARCHITECTURE.md lists its modules, each with its part.
"""
