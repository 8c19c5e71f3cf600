"""How secrets are masked in the output: which values, in which forms, at what cost.

- Only secrets are masked: an env file's ``ENABLE_TLS=true`` or ``MODE=pass`` is not, so the
  console's own words (``pass``, ``true``, ``null``) stay and ``--json`` stays JSON, whatever
  the values (a hypothesis property over env files and documents).
- A secret is masked in the forms it is echoed in: as written, upper- or lower-cased,
  percent- and JSON-encoded, HTML-escaped, base64 (standard and URL-safe, with and without
  padding, and inside a longer encoding at any alignment).
- A stream masks in one pass, and a secret split over writes is masked as if written whole
  (a property); the cost of a write does not grow with the number of secrets.
"""

from __future__ import annotations

import base64
import html
import io
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from console.settings.envfile import EnvFile, is_secret_variable, layered
from console.shared.output import emit_json
from console.shared.redact import MASK, Masker, encoded_forms, scrub
from console.shared.secret_streams import ScrubbingStream, mask_also, scrubbed_output

SECRET = "canary-Mask-S3cret/value+1"


@contextmanager
def captured() -> Iterator[io.StringIO]:
    """stdout into a buffer (hypothesis runs many examples in one test: no capsys)."""
    sink, before = io.StringIO(), sys.stdout
    sys.stdout = sink
    try:
        yield sink
    finally:
        sys.stdout = before


# ---------------------------------------------------------------- which values are secrets


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("CLIENT_SECRET", True),
        ("AZURE_CLIENT_SECRET", True),
        ("AZURE_OPENAI_API_KEY", True),
        ("AZURE_OPENAI_KEY", True),
        ("TENANT_ID", False),  # identifiers, shown as az shows them
        ("AZURE_CLIENT_ID", False),
        ("CLIENT_ID", False),
        ("DB_PASSWORD", True),
        ("LLAMA_STACK_TOKEN", True),
        ("ENABLE_TLS", False),
        ("LOG_LEVEL", False),
        ("AZURE_API_BASE", False),
        ("MODE", False),
        ("MAX_TOKENS", False),
    ],
)
def test_a_variable_is_a_secret_by_its_name(name: str, secret: bool) -> None:
    assert is_secret_variable(name) is secret


def test_only_the_secret_variables_values_are_masked_and_a_crash_knows_them_all() -> None:
    env = EnvFile(
        Path("pod.env"),
        {"CLIENT_SECRET": SECRET, "ENABLE_TLS": "true", "MODE": "pass", "EMPTY": "null"},
    )
    layer = layered(env, {})
    assert layer.secrets == (SECRET,)
    assert set(layer.values) == {SECRET, "true", "pass", "null"}


def test_a_variable_the_config_uses_as_a_secret_is_masked_whatever_its_name(
    tmp_path: Path,
) -> None:
    """The client secret by where it is used; the tenant and client IDs are shown."""
    from console.config.loader import load

    config = tmp_path / "lightspeed-stack.yaml"
    config.write_text(
        "name: x\nllama_stack:\n  url: http://127.0.0.1:8321\n"
        "azure_entra_id:\n  tenant_id: ${env.AZ_T}\n  client_id: ${env.AZ_C}\n"
        "  client_secret: ${env.AZ_CS}\n"
    )
    environ = {"AZ_T": "canary-tenant-by-use", "AZ_C": "canary-client-by-use", "AZ_CS": SECRET}
    with captured() as sink, scrubbed_output([]):
        load(config, environ=environ)
        print(f"echo: {SECRET} {environ['AZ_T']} {environ['AZ_C']}")
    assert sink.getvalue() == f"echo: {MASK} canary-tenant-by-use canary-client-by-use\n"


def test_mask_also_outside_a_scrubbed_run_does_nothing() -> None:
    mask_also([SECRET])  # no stream to tell: no error, nothing kept for later
    with captured() as sink, scrubbed_output([]):
        print(SECRET)
    assert sink.getvalue() == f"{SECRET}\n"


def test_short_values_never_break_the_json(capsys: pytest.CaptureFixture[str]) -> None:
    data = {"ok": True, "status": "pass", "error": None, "count": 1, "note": f"x {SECRET}"}
    with scrubbed_output(["true", "pass", "null", SECRET, '": "', "1, "]):
        emit_json(data)
    parsed = json.loads(capsys.readouterr().out)
    assert parsed["ok"] is True
    assert parsed["error"] is None
    assert parsed["count"] == 1
    assert parsed["status"] == MASK  # a secret "pass" is masked in strings, never in syntax
    assert parsed["note"] == f"x {MASK}"


def test_check_all_json_stays_json_with_short_env_values(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reproduction: ``ENABLE_TLS=true`` made ``check --all --json`` print
    ``"ok": ********``; ``pass`` and ``null`` masked the statuses."""
    from console.cli import main
    from tests.conftest import EXAMPLES

    for name in ("TENANT_ID", "CLIENT_ID", "CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "ls.yaml").write_text((EXAMPLES / "lightspeed-stack-service.yaml").read_text())
    (tmp_path / "run.yaml").write_text((EXAMPLES / "azure-run.yaml").read_text())
    (tmp_path / "pod.env").write_text(
        f"TENANT_ID=canary-tenant-0001\nCLIENT_ID=canary-client-0002\nCLIENT_SECRET={SECRET}\n"
        "ENABLE_TLS=true\nDEBUG=false\nMODE=pass\nNOTHING=null\nLEVEL=fail\nSTEP=token\n"
    )
    settings_file = tmp_path / "settings.toml"
    settings_file.write_text(
        '[deployments.one]\nconfig = "ls.yaml"\nrun_config = "run.yaml"\n'
        'env_file = "pod.env"\nauthority = "https://127.0.0.1:9"\nurl = "http://127.0.0.1:9"\n'
    )
    code = main(["check", "--all", "--json", "--settings", str(settings_file), "--timeout", "2"])
    out, err = capsys.readouterr()
    assert code == 1, err
    document = json.loads(out)  # the property that broke
    assert document["ok"] is False
    statuses = {step["status"] for row in document["deployments"] for step in row["steps"]}
    assert "pass" in statuses
    assert "fail" in statuses
    assert SECRET not in out + err


# ---------------------------------------------------------------- the property over --json

NAMES = st.sampled_from(["CLIENT_SECRET", "API_KEY", "TENANT_ID", "ENABLE_TLS", "MODE", "X"])
VALUES = st.text(min_size=0, max_size=12).filter(lambda value: "*" not in value) | st.sampled_from(
    ["true", "false", "null", "pass", '": "', "},{", "1234", '\\"', "\\u00", "ok"]
)


def documents(values: list[str]) -> st.SearchStrategy[Any]:
    """JSON documents whose strings and keys may hold the env file's values."""
    words = st.sampled_from(values) if values else st.just("x")
    strings = st.one_of(
        st.text(max_size=10),
        words,
        st.builds(lambda a, b, c: a + b + c, st.text(max_size=3), words, st.text(max_size=3)),
    )
    leaves = st.one_of(st.none(), st.booleans(), st.integers(), strings)
    return st.recursive(
        leaves,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(strings, inner, max_size=4),
        max_leaves=20,
    )


def strings_of(data: Any) -> Iterator[str]:
    if isinstance(data, str):
        yield data
    elif isinstance(data, list):
        for item in data:
            yield from strings_of(item)
    elif isinstance(data, dict):
        for key, value in data.items():
            yield key
            yield from strings_of(value)


def same_shape(before: Any, after: Any) -> bool:
    """Everything but the strings kept: types, numbers, booleans, nulls, list lengths."""
    if isinstance(before, str):
        return isinstance(after, str)
    if isinstance(before, list):
        return (
            isinstance(after, list)
            and len(after) == len(before)
            and all(same_shape(a, b) for a, b in zip(before, after, strict=True))
        )
    if isinstance(before, dict):
        return isinstance(after, dict) and len(after) <= len(before)  # masked keys may meet
    return before == after and type(before) is type(after)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data(), st.dictionaries(NAMES, VALUES, max_size=6))
def test_json_output_is_json_and_holds_no_secret_whatever_the_env_file(
    data: st.DataObject, env: dict[str, str]
) -> None:
    layer = layered(EnvFile(Path("pod.env"), env), {})
    document = data.draw(documents(list(env.values())))
    with captured() as sink, scrubbed_output(layer.secrets):
        emit_json({"ok": True, "status": "pass", "document": document})
    parsed = json.loads(sink.getvalue())
    assert parsed["ok"] is True
    assert same_shape(json.loads(json.dumps(document)), parsed["document"])
    secrets = [secret for secret in layer.secrets if len(secret) >= 4]
    for text in strings_of(parsed):
        for secret in secrets:
            assert secret not in text
    if not any(value in ("pass",) for value in layer.secrets):
        assert parsed["status"] == "pass"


# ---------------------------------------------------------------- transformed echoes


@pytest.mark.parametrize(
    "echo",
    [
        SECRET,
        SECRET.upper(),
        SECRET.lower(),
        quote(SECRET, safe=""),
        quote(SECRET, safe="").replace("%2F", "%2f").replace("%2B", "%2b"),  # as some write it
        json.dumps(SECRET)[1:-1],
        html.escape(SECRET),
        base64.b64encode(SECRET.encode()).decode(),
        base64.b64encode(SECRET.encode()).decode().rstrip("="),
        base64.urlsafe_b64encode(SECRET.encode()).decode(),
        base64.urlsafe_b64encode(SECRET.encode()).decode().rstrip("="),
        base64.b64encode(b"client-id:" + SECRET.encode()).decode(),  # a Basic credential
        base64.b64encode(b"x:" + SECRET.encode() + b"@host").decode(),
        base64.b64encode(b"xy:" + SECRET.encode()).decode(),
    ],
)
def test_a_transformed_echo_of_a_secret_is_masked(echo: str) -> None:
    body = f'{{"error": "invalid_client", "echo": "{echo}"}}'
    masked = scrub(body, [SECRET])
    assert MASK in masked
    assert "canary" not in masked.lower()
    assert "Y2FuYXJ5" not in masked  # base64 of "canary"


@pytest.mark.parametrize(
    "secret", ["abcd", "A1b2C3d4", "p@ss w0rd <&>'\"", "ünïcødé-sécret", "x" * 300]
)
def test_every_form_is_masked_and_none_is_shorter_than_four(secret: str) -> None:
    forms = encoded_forms(secret)
    assert all(len(form) >= 4 for form in forms)
    for form in forms:
        assert MASK in scrub(f"before {form} after", [secret])


@settings(max_examples=200, deadline=None)
@given(
    st.binary(min_size=8, max_size=40).filter(lambda raw: b"*" not in raw),
    st.binary(max_size=8),
    st.binary(max_size=8),
)
def test_base64_of_a_secret_inside_any_longer_encoding_is_masked(
    raw: bytes, before: bytes, after: bytes
) -> None:
    secret = raw.decode("latin-1")
    encoded = secret.encode("utf-8")
    blob = base64.b64encode(before + encoded + after).decode()
    masked = scrub(blob, [secret], jwts=False)
    skip = (3 - len(before) % 3) % 3  # the secret's bytes that finish a group begun before
    usable = (len(encoded) - skip) // 3 * 3
    core = base64.b64encode(encoded[skip : skip + usable]).decode()
    assert len(core) >= 8
    assert core not in masked


# ---------------------------------------------------------------- streams


def test_a_value_split_over_writes_is_still_masked() -> None:
    sink = io.StringIO()
    stream = ScrubbingStream(sink, [SECRET])  # type: ignore[arg-type]
    for piece in ("answer: canary-Mask", "-S3cret/va", "lue+1 done", " and more"):
        stream.write(piece)
    stream.release()
    assert sink.getvalue() == "answer: ******** done and more"


def test_a_shorter_secret_that_begins_a_longer_one_is_held_until_decided() -> None:
    sink = io.StringIO()
    stream = ScrubbingStream(sink, ["abcdWXYZ", "abcdWXYZ-longer-secret"])  # type: ignore[arg-type]
    for piece in ("x abcdWXYZ", "-longer-", "secret y"):
        stream.write(piece)
    stream.release()
    assert sink.getvalue() == f"x {MASK} y"


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.text(min_size=4, max_size=10).filter(lambda s: "*" not in s), min_size=1, max_size=4
    ),
    st.lists(st.text(max_size=12), max_size=6),
    st.data(),
)
def test_writes_in_any_pieces_show_what_the_whole_text_shows(
    secrets: list[str], fillers: list[str], data: st.DataObject
) -> None:
    pieces = [data.draw(st.sampled_from(secrets + fillers + ["%2f", "%"])) for _ in range(8)]
    text = "".join(pieces)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(text)), max_size=6)))
    sink = io.StringIO()
    stream = ScrubbingStream(sink, secrets)  # type: ignore[arg-type]
    last = 0
    for cut in [*cuts, len(text)]:
        stream.write(text[last:cut])
        last = cut
    stream.release()
    whole = Masker(secrets).mask(text)
    assert sink.getvalue() == whole
    for secret in secrets:
        assert secret not in whole.replace(MASK, "\0")


def test_plain_text_is_written_at_once() -> None:
    sink = io.StringIO()
    stream = ScrubbingStream(sink, [SECRET])  # type: ignore[arg-type]
    stream.write("plain text\n")
    assert sink.getvalue() == "plain text\n"


def _calls_for(secret_count: int, writes: int) -> int:
    """Function calls (C ones included) that ``writes`` writes make with that many secrets."""
    secrets = [f"canary-{index:06d}-secret-value" for index in range(secret_count)]
    stream = ScrubbingStream(io.StringIO(), secrets)  # type: ignore[arg-type]
    stream.write("warm up\n")  # the pattern is compiled once, before counting
    calls = 0

    def count(frame: object, event: str, arg: object) -> None:
        nonlocal calls
        calls += 1

    sys.setprofile(count)
    try:
        for index in range(writes):
            stream.write(f"line {index}: the answer is canary-00")
            stream.write(f"{index % 10}0000-secret-value and more text\n")
    finally:
        sys.setprofile(None)
    return calls


def test_the_cost_of_a_write_does_not_grow_with_the_number_of_secrets() -> None:
    """Was writes x secrets (each write tried every form): a 40,000-variable env file made
    ``review`` take 6 s. Counted in calls, not seconds, so load cannot change the verdict."""
    few, many = _calls_for(10, 50), _calls_for(2000, 50)
    assert many <= few * 1.5, (few, many)
