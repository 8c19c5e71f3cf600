"""Library-mode deployments on the sandbox, in both generations of Lightspeed, for the tests.

Each writes a lightspeed-stack.yaml in library mode whose run.yaml (legacy) or profile
(unified) points at the sandbox's Azure OpenAI stand-in, with its stores in a folder named
``prod-state``: the folder a real deployment would keep its state in, which a boot must
never touch.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml

from console.sandbox.demo import DEMO_MODELS, DemoInfo
from console.sandbox.real_stack import minimal_run_config

Kind = Literal["legacy-0.7", "unified-0.7", "may-2026"]
KINDS: tuple[Kind, ...] = ("legacy-0.7", "unified-0.7", "may-2026")

ENTRA = """\
azure_entra_id:
  tenant_id: ${env.TENANT_ID}
  client_id: ${env.CLIENT_ID}
  client_secret: ${env.CLIENT_SECRET}
"""
HEAD = """\
name: library test
service:
  host: 127.0.0.1
  port: 8080
user_data_collection:
  feedback_enabled: false
"""


def prod_state(folder: Path) -> Path:
    """Where the deployment's stores are (the boot must never create it)."""
    return folder / "prod-state"


def run_config(info: DemoInfo, folder: Path, *, azure: bool = True) -> dict[str, object]:
    """The deployment's run.yaml, its stores in ``prod-state``."""
    config = minimal_run_config(
        info.azure_base_url, models=DEMO_MODELS, storage_dir=str(prod_state(folder))
    )
    if not azure:
        config["providers"] = {}
    return config


def write_deployment(
    info: DemoInfo, folder: Path, kind: Kind, run: dict[str, object] | None = None
) -> Path:
    """A library-mode lightspeed-stack.yaml of ``kind`` in ``folder``; returns its path."""
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "lightspeed-stack.yaml"
    if kind == "unified-0.7":
        profile = run_config(info, folder, azure=False) if run is None else run
        (folder / "profile.yaml").write_text(yaml.safe_dump(profile, sort_keys=False))
        config.write_text(
            HEAD
            + "ogx:\n  use_as_library_client: true\n  config:\n    profile: profile.yaml\n"
            + "inference:\n  providers:\n    - type: azure\n      id: azure\n      extra:\n"
            + f"        base_url: {info.azure_base_url}\n"
            + ENTRA
        )
        return config
    run_yaml = folder / "run.yaml"
    run_yaml.write_text(yaml.safe_dump(run or run_config(info, folder), sort_keys=False))
    section = "ogx" if kind == "legacy-0.7" else "llama_stack"
    config.write_text(
        HEAD
        + f"{section}:\n  use_as_library_client: true\n  library_client_config_path: {run_yaml}\n"
        + ENTRA
    )
    return config
