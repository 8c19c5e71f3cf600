"""Random text and random documents: loading raises only `ConfigFileError`, the CLI never 70.

Two kinds of input: YAML-ish text built from the tokens that break parsers (quotes, brackets,
tabs, anchors, tags, BOMs, NULs, line separators) mixed with arbitrary characters and bytes;
and well-formed YAML documents shaped like lightspeed-stack.yaml and run.yaml whose values
are drawn at random (mappings where lists belong, numbers where text belongs, ``${env.…}``
references that resolve, default, vanish or disable a provider).
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from console.cli import main
from console.config.errors import ConfigFileError
from console.config.loader import load
from console.shared.exitcodes import ExitCode
from tests.conftest import CLIENT, EXAMPLES, TENANT
from tests.support.fuzz import examples

SERVICE = EXAMPLES / "lightspeed-stack-service.yaml"
RUN = EXAMPLES / "azure-run.yaml"
ENVIRON = {"TENANT_ID": TENANT, "CLIENT_ID": CLIENT, "CLIENT_SECRET": "fuzz-client-secret"}
FUZZ = settings(
    max_examples=examples(100),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

TOKENS = [
    "\n", "\r\n", "  ", "    ", "\t", ":", ": ", "- ", "-", "? ", "[", "]", "{", "}", ", ",
    "'", '"', "\\", "#", "|", ">", "&a ", "*a", "&b ", "*b", "<<: ", "!!python/object/apply:os.system ",
    "!!python/name:os.system ", "!vault ", "!!set ", "!!binary ", "!!str ", "---\n", "...\n",
    "%YAML 1.1\n", "%TAG ! tag:x,2000:\n", "~", "null", "true", "yes", "0x1F", "1e999", ".nan",
    "2024-01-01", "\ufeff", "\x00", "\x1b[0m", "\x85", "\u2028", "\x0c", "é",
    "${env.CLIENT_SECRET}", "${env.HOSTILE_UNSET}", "${env.TENANT_ID:=x}", "${env.X:+y}",
    "${env.", "}", "azure_entra_id", "tenant_id", "client_secret", "scope", "llama_stack",
    "use_as_library_client", "library_client_config_path", "url", "timeout", "providers",
    "inference", "provider_id", "provider_type", "remote::azure", "config", "base_url",
    "api_key", "model_validation", "registered_resources", "models", "model_id",
]  # fmt: skip

yamlish = st.lists(
    st.one_of(
        st.sampled_from(TOKENS),
        st.text(st.characters(exclude_categories=("Cs",)), max_size=6),
    ),
    max_size=60,
).map("".join)

ENV_STRINGS = [
    "${env.CLIENT_SECRET}",
    "${env.HOSTILE_UNSET}",
    "${env.TENANT_ID:=contoso.onmicrosoft.com}",
    "${env.HOSTILE_UNSET:=}",
    "${env.HOSTILE_UNSET:+on}",
    "${env.CLIENT_ID:+${env.TENANT_ID}}",
    "${env.HOSTILE_UNSET:=__disabled__}",
    "${env.HOSTILE_UNSET:=true}",
    "${env.HOSTILE_UNSET:=180}",
    "https://${env.HOSTILE_UNSET:=res}.openai.azure.com/openai/v1",
    "https://example.openai.azure.com/openai",
    "__disabled__",
    "remote::azure",
    "inline::sentence-transformers",
    "~/run.yaml",
    "examples/azure-run.yaml",
    "/nonexistent/run.yaml",
    ".",
    "********",
]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(ENV_STRINGS),
    st.text(max_size=12),
)
KEYS = st.one_of(st.sampled_from([t for t in TOKENS if t.isidentifier()]), st.text(max_size=8))
nodes = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(KEYS, children, max_size=4),
    ),
    max_leaves=8,
)


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Usually the right shape, sometimes any node at all."""
    return st.one_of(strategy, strategy, strategy, nodes)


BASE_URLS = [
    "https://example.openai.azure.com/openai/v1",
    "https://${env.HOSTILE_UNSET:=res}.openai.azure.com/openai/v1/",
    "https://example.openai.azure.com/openai",
    "${env.HOSTILE_UNSET}",
    "",
]
provider = maybe(
    st.fixed_dictionaries(
        {
            "provider_type": maybe(
                st.sampled_from(["remote::azure", "remote::azure", "remote::openai"])
            )
        },
        optional={
            "provider_id": maybe(st.sampled_from(["azure", "openai", *ENV_STRINGS])),
            "config": maybe(
                st.fixed_dictionaries(
                    {"base_url": maybe(st.sampled_from(BASE_URLS))},
                    optional={
                        "api_key": maybe(st.sampled_from(ENV_STRINGS)),
                        "api_version": nodes,
                        "model_validation": maybe(st.booleans()),
                    },
                )
            ),
        },
    )
)
model = maybe(
    st.fixed_dictionaries(
        {"model_id": maybe(st.sampled_from(["gpt-4o-mini", *ENV_STRINGS]))},
        optional={
            "provider_id": maybe(st.sampled_from(["azure", "openai", *ENV_STRINGS])),
            "provider_model_id": nodes,
            "model_type": nodes,
        },
    )
)
run_documents = st.fixed_dictionaries(
    {
        "providers": maybe(
            st.fixed_dictionaries(
                {"inference": maybe(st.lists(provider, min_size=1, max_size=3))},
                optional={"safety": maybe(st.lists(provider, max_size=2))},
            )
        ),
    },
    optional={
        "version": nodes,
        "registered_resources": maybe(
            st.fixed_dictionaries({}, optional={"models": maybe(st.lists(model, max_size=3))})
        ),
        "models": maybe(st.lists(model, max_size=2)),
    },
)
lightspeed_documents = st.fixed_dictionaries(
    {
        "azure_entra_id": maybe(
            st.fixed_dictionaries(
                {
                    key: maybe(st.sampled_from(ENV_STRINGS))
                    for key in ("tenant_id", "client_id", "client_secret")
                },
                optional={"scope": maybe(st.sampled_from(ENV_STRINGS))},
            )
        ),
    },
    optional={
        "name": nodes,
        "llama_stack": maybe(
            st.fixed_dictionaries(
                {},
                optional={
                    "use_as_library_client": maybe(st.booleans()),
                    "library_client_config_path": maybe(st.sampled_from(ENV_STRINGS)),
                    "url": nodes,
                    "api_key": nodes,
                    "timeout": nodes,
                },
            )
        ),
    },
)


@st.composite
def dumped(draw: st.DrawFn, documents: st.SearchStrategy[Any]) -> bytes:
    """A document as YAML text, in block or flow style, LF or CRLF, with or without a BOM."""
    document = draw(documents)
    text = yaml.safe_dump(
        document,
        default_flow_style=draw(st.sampled_from([False, True, None])),
        sort_keys=False,
        allow_unicode=True,
        indent=draw(st.sampled_from([2, 4])),
    )
    if draw(st.booleans()):
        text = text.replace("\n", "\r\n")
    return (draw(st.sampled_from(["", "\ufeff"])) + text).encode("utf-8")


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A folder to run in, with the variables the examples name set, for the whole module."""
    folder = tmp_path_factory.mktemp("fuzz")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)
        for name, value in ENVIRON.items():
            patch.setenv(name, value)
        patch.delenv("HOSTILE_UNSET", raising=False)
        yield folder


def load_only_raises_config_errors(lightspeed: Path | None, run: Path | None) -> None:
    """`load` either returns findings that each say what to do, or raises `ConfigFileError`."""
    try:
        loaded = load(lightspeed, run, ENVIRON)
    except ConfigFileError as raised:
        error: ConfigFileError | None = raised
    else:
        error = None
    if error is not None:
        assert error.file in (lightspeed, run)
        assert error.message
        assert error.remedy
        return
    for finding in loaded.findings:
        assert finding.message
        assert finding.remedy


ALL_COMMANDS = (["review"], ["diff", "--json"], ["providers", "--static"], ["enrich"])


def cli_never_crashes(
    workdir: Path, files: list[str], commands: tuple[list[str], ...] = ALL_COMMANDS
) -> None:
    """Each command ends with a documented code and no traceback; a failed enrich writes nothing."""
    output = workdir / "out.yaml"
    for command in commands:
        argv = [*command, *files] + (["-o", str(output)] if command == ["enrich"] else [])
        stdout, stderr = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            code = main(argv)
        text = stdout.getvalue() + stderr.getvalue()
        assert code != ExitCode.INTERNAL, text
        assert code in (0, 1, 2), text
        assert "Traceback" not in text
        if code == 2:
            assert "remedy:" in text
            assert not output.exists()
        output.unlink(missing_ok=True)


@FUZZ
@given(text=yamlish, as_run=st.booleans())
def test_yamlish_text_as_either_file(workdir: Path, text: str, as_run: bool) -> None:
    path = workdir / "input.yaml"
    path.write_bytes(text.encode("utf-8"))
    load_only_raises_config_errors(path, None)
    load_only_raises_config_errors(SERVICE, path)
    files = ["-c", str(SERVICE), "-i", str(path)] if as_run else ["-c", str(path), "-i", str(RUN)]
    cli_never_crashes(workdir, files, (["review"], ["diff"]))


@FUZZ
@given(data=st.binary(max_size=200))
def test_random_bytes(workdir: Path, data: bytes) -> None:
    path = workdir / "input.yaml"
    path.write_bytes(data)
    load_only_raises_config_errors(path, None)
    load_only_raises_config_errors(SERVICE, path)


@FUZZ
@given(lightspeed=dumped(lightspeed_documents), run=dumped(run_documents))
def test_random_documents(workdir: Path, lightspeed: bytes, run: bytes) -> None:
    lightspeed_path, run_path = workdir / "lightspeed-stack.yaml", workdir / "run.yaml"
    lightspeed_path.write_bytes(lightspeed)
    run_path.write_bytes(run)
    load_only_raises_config_errors(lightspeed_path, run_path)
    load_only_raises_config_errors(lightspeed_path, None)  # library_client_config_path, if any
    cli_never_crashes(workdir, ["-c", str(lightspeed_path), "-i", str(run_path)])
    cli_never_crashes(workdir, ["-c", str(lightspeed_path)], (["diff"],))


def test_the_generators_reach_the_enrichment_and_the_entra_checks() -> None:
    """The random documents do include ones the enrichment edits and Entra ID blocks to check."""
    from hypothesis import find

    def enrichable(document: dict[str, Any]) -> bool:
        providers = document.get("providers")
        inference = providers.get("inference") if isinstance(providers, dict) else None
        return isinstance(inference, list) and any(
            isinstance(item, dict)
            and item.get("provider_type") == "remote::azure"
            and isinstance(item.get("config"), dict)
            and str(item["config"].get("base_url")).startswith("https://")
            for item in inference
        )

    def entra(document: dict[str, Any]) -> bool:
        block = document.get("azure_entra_id")
        return isinstance(block, dict) and {"tenant_id", "client_id", "client_secret"} <= set(block)

    assert enrichable(find(run_documents, enrichable))
    assert entra(find(lightspeed_documents, entra))
