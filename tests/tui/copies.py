"""Temp copies of the sandbox's configuration files, edited, for screens that show or write them.

The sandbox's own files stay untouched (other tests share the fixture's services); each test
gets its own folder, its own edits (canary secrets, an unset variable) and its own environment.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from console.sandbox.demo import DemoInfo
from console.settings.launch import Launch
from tests.tui.conftest import launch_for, with_target

INLINE_CANARY = "CanaryInline7f3a"
"""Written inline as azure_entra_id.client_secret."""
DEFAULT_CANARY = "CanaryDefault9b1c"
"""The default of ${env.AZURE_API_KEY:=...} under the provider's api_key in run.yaml."""
ENV_CANARY = "CanaryEnv5d2e"
"""The value of STACK_API_KEY, referenced by llama_stack.api_key."""
CANARIES = (INLINE_CANARY, DEFAULT_CANARY, ENV_CANARY)


def canary_files(
    info: DemoInfo,
    folder: Path,
    edit_lightspeed: Callable[[str], str] | None = None,
    edit_run: Callable[[str], str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Launch:
    """Copy both files into ``folder`` with the canaries (and any further edits) in place."""
    lightspeed = Path(info.lightspeed_config).read_text()
    lightspeed = lightspeed.replace(
        "client_secret: ${env.CLIENT_SECRET}", f"client_secret: {INLINE_CANARY}"
    ).replace("  timeout: 60\n", "  timeout: 60\n  api_key: ${env.STACK_API_KEY}\n")
    run = Path(info.run_config).read_text()
    run = run.replace(
        "        base_url:",
        f"        api_key: ${{env.AZURE_API_KEY:={DEFAULT_CANARY}}}\n"
        "        api_version: ${env.AZURE_API_VERSION}\n"
        "        base_url:",
    )
    assert INLINE_CANARY in lightspeed
    assert DEFAULT_CANARY in run
    if edit_lightspeed is not None:
        lightspeed = edit_lightspeed(lightspeed)
    if edit_run is not None:
        run = edit_run(run)
    lightspeed_path = folder / "lightspeed-stack.yaml"
    run_path = folder / "run.yaml"
    lightspeed_path.write_text(lightspeed)
    run_path.write_text(run)
    env = {**info.environ, "STACK_API_KEY": ENV_CANARY}
    env.update(environ or {})
    return with_target(
        launch_for(info, read_only=True),
        lightspeed_config=lightspeed_path,
        run_config=run_path,
        environ=env,
    )
