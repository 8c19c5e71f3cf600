"""A library-mode ``check`` (boot included) beside the release's bare library boot and one chat.

In library mode the console boots the deployment's run.yaml in OGX 1.2.5's library client
(as Lightspeed does), asks it for providers and models, gets a token and sends the test
inference through a client rebuilt with it. The floor is what any tool must pay for that
answer: the release's own python importing its library client, booting it once with the
provider data and sending one chat completion (`bench/children/library_floor.py`). Both are
fresh processes, interleaved; the goal is at most 1.3x.
"""

from __future__ import annotations

import subprocess
import tempfile
import time
from pathlib import Path

import yaml

from bench.common import Measurement, ratio_goal, run_command, venv_script
from console.releases.catalog import OGX_1_2_5
from console.releases.environments import provision
from console.sandbox.demo import DemoInfo
from console.sandbox.real_stack import minimal_run_config

FACTOR = 1.3
FLOOR = Path(__file__).with_name("children") / "library_floor.py"


def _token(info: DemoInfo) -> str:
    from azure.identity import ClientSecretCredential

    credential = ClientSecretCredential(
        info.tenant_id,
        info.client_id,
        info.client_secret,
        authority=info.authority,
        connection_verify=info.ca_bundle,
        disable_instance_discovery=True,  # a private authority: no login.microsoftonline.com
    )
    return credential.get_token(info.scope).token


def measure(info: DemoInfo, runs: int = 4) -> list[Measurement]:
    """Interleaved fresh runs of the two; fails loudly if either does not answer."""
    environment = provision(OGX_1_2_5)
    with tempfile.TemporaryDirectory(prefix="lightspeed-bench-library-") as tmp:
        folder = Path(tmp)
        run = minimal_run_config(info.azure_base_url, storage_dir=str(folder / "state"))
        (folder / "run.yaml").write_text(yaml.safe_dump(run))
        config = folder / "lightspeed-stack.yaml"
        config.write_text(
            "name: bench\nservice:\n  host: 127.0.0.1\n  port: 8080\n"
            "ogx:\n  use_as_library_client: true\n"
            f"  library_client_config_path: {folder / 'run.yaml'}\n"
            "user_data_collection:\n  feedback_enabled: false\n"
            "azure_entra_id:\n  tenant_id: ${env.TENANT_ID}\n  client_id: ${env.CLIENT_ID}\n"
            "  client_secret: ${env.CLIENT_SECRET}\n"
        )
        token = _token(info)
        check = [venv_script("lightspeed-console"), "check", "-c", str(config),
                 "--authority", info.authority, "--ca-bundle", info.ca_bundle]  # fmt: skip
        floor = [str(environment.python), "-I", str(FLOOR), "ogx", str(folder / "run.yaml"),
                 token, info.azure_base_url, "azure/gpt-4o-mini"]  # fmt: skip
        ours_s: list[float] = []
        floor_s: list[float] = []
        for index in range(runs + 1):  # the first round warms caches and is dropped
            elapsed, done = run_command(check, env=info.environ, timeout=300)
            if done.returncode != 0:
                raise RuntimeError(f"library check failed:\n{done.stdout}\n{done.stderr}")
            started = time.monotonic()
            bare = subprocess.run(floor, capture_output=True, text=True, timeout=300, check=False)
            bare_s = time.monotonic() - started
            if bare.returncode != 0:
                raise RuntimeError(f"the bare library failed:\n{bare.stderr[-2000:]}")
            if index:
                ours_s.append(elapsed)
                floor_s.append(bare_s)
    row = ratio_goal(
        "check, library mode (OGX 1.2.5 booted twice, token, inference), fresh process",
        ours_s,
        floor_s,
        "the bare OGX 1.2.5 library client: import, boot, one chat",
        factor=FACTOR,
    )
    row.notes.append(
        "ours also reads and reviews the files, requests the token and boots the client "
        "twice (as Lightspeed starts, then with the token)"
    )
    return [row]
