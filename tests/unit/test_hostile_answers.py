"""A hostile Llama Stack server: endless, huge, dripping, deep and redirecting answers.

Each case is a server of `tests.support.hostile_servers` on 127.0.0.1. What must hold:
no answer is read past its bound (listings 8 MiB, a completion ``--max-answer``) or past
the timeout as a whole, however slowly it drips; JSON nested past Python's recursion or
holding a number of thousands of digits is a diagnosis; and no redirect ever carries the
provider data (the Entra token) to another origin. Every failure is a `Diagnosis` naming
the endpoint, never an exit 70.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from console.cli import main
from console.inference.run import InferenceResult, run_chat
from console.shared.diagnosis import DiagnosedError
from console.stack.bounds import LISTING_LIMIT, MIB, parse_size
from console.stack.kind import LLAMA_STACK_HEADER, OGX_HEADER
from console.stack.session import StackSession, survey
from tests.support import hostile_servers as h
from tests.support.hostile_servers import HostileServers

TOKEN = "eyJhbGciOiJub25lIn0.eyJhdWQiOiJjYW5hcnkifQ.canary-t0ken-s1gnature"
ROOT = Path(__file__).resolve().parents[2]


async def chat(session: StackSession, **options: Any) -> InferenceResult:
    async with session:
        return await run_chat(session, SecretStr(TOKEN), h.AZURE_BASE_URL, **options)


async def failure(session: StackSession, call: str = "info") -> DiagnosedError:
    async with session:
        with pytest.raises(DiagnosedError) as caught:
            await getattr(session, call)()
    return caught.value


# ----------------------------------------------------------------------------------- size


async def test_an_endless_version_stops_at_the_listing_bound(hostile: HostileServers) -> None:
    server = hostile(h.stack_routes(version=h.endless(b'{"version": "', b"9" * h.CHUNK)))
    found = (await failure(StackSession(server.url))).diagnosis
    assert found.code == "ANSWER_TOO_LARGE"
    assert found.endpoint == f"GET {server.url}/v1/version"
    assert "8 MiB" in found.meaning


async def test_an_endless_listing_keeps_what_came_before(hostile: HostileServers) -> None:
    endless = h.endless(b'{"data": [', b'{"api": "inference"},' * 3000)
    server = hostile(h.stack_routes(providers=endless))
    async with StackSession(server.url, section="ogx") as session:
        found = await survey(session)
    assert found.info is not None
    assert found.info.version == "0.7.3"
    assert found.diagnosis is not None
    assert found.diagnosis.code == "ANSWER_TOO_LARGE"
    assert "ogx.url" in found.diagnosis.remedy


async def test_a_gzip_bomb_is_held_to_the_bound_as_decoded(hostile: HostileServers) -> None:
    import gzip

    bomb = gzip.compress(b'{"data": [' + b" " * (LISTING_LIMIT * 4) + b"]}")
    assert len(bomb) < MIB

    async def handle(_: h.Received, answer: h.Answer) -> None:
        await answer.head(headers={"content-encoding": "gzip"}, length=len(bomb))
        await answer.write(bomb)

    server = hostile(h.stack_routes(models=handle))
    found = (await failure(StackSession(server.url), "models")).diagnosis
    assert found.code == "ANSWER_TOO_LARGE"


async def test_a_small_gzip_answer_is_read(hostile: HostileServers) -> None:
    import gzip

    body = gzip.compress(json.dumps({"version": "1.2.5"}).encode())

    async def handle(_: h.Received, answer: h.Answer) -> None:
        await answer.head(headers={"content-encoding": "gzip"}, length=len(body))
        await answer.write(body)

    server = hostile(h.stack_routes(version=handle))
    async with StackSession(server.url) as session:
        info = await session.info()
    assert (info.version, info.header_name) == ("1.2.5", OGX_HEADER)
    assert server.received[0].headers["accept-encoding"] == "identity"


@pytest.mark.parametrize("wbits", [15, -15], ids=["zlib", "raw"])
async def test_a_deflate_answer_is_read_in_either_form(hostile: HostileServers, wbits: int) -> None:
    import zlib

    packer = zlib.compressobj(wbits=wbits)
    body = packer.compress(json.dumps({"version": "0.7.3"}).encode()) + packer.flush()

    async def handle(_: h.Received, answer: h.Answer) -> None:
        await answer.head(headers={"content-encoding": "deflate"}, length=len(body))
        await answer.write(body)

    server = hostile(h.stack_routes(version=handle))
    async with StackSession(server.url) as session:
        assert (await session.info()).version == "0.7.3"


async def test_a_huge_completion_is_a_diagnosis_within_the_bound(hostile: HostileServers) -> None:
    server = hostile(h.stack_routes(chat=h.huge_completion(1024 * MIB)))
    result = await chat(StackSession(server.url, max_answer=MIB))
    assert result.diagnosis is not None
    assert result.diagnosis.code == "ANSWER_TOO_LARGE"
    assert result.diagnosis.endpoint == f"POST {server.url}/v1/chat/completions"
    assert "--max-answer" in result.diagnosis.remedy
    assert TOKEN not in json.dumps(result.to_dict())


async def test_a_completion_within_a_raised_bound_is_read(hostile: HostileServers) -> None:
    server = hostile(h.stack_routes(chat=h.huge_completion(2 * MIB)))
    result = await chat(StackSession(server.url, max_answer=4 * MIB))
    assert result.ok, result.diagnosis
    assert len(result.answer) > MIB


async def test_an_endless_stream_keeps_a_bounded_tail(hostile: HostileServers) -> None:
    server = hostile(h.stack_routes(chat=h.endless_stream()))
    seen = 0

    def count(text: str) -> None:
        nonlocal seen
        seen += len(text)

    result = await chat(StackSession(server.url, max_answer=2 * MIB), stream=True, on_delta=count)
    assert result.diagnosis is not None
    assert result.diagnosis.code == "ANSWER_TOO_LARGE"
    assert seen > MIB
    assert len(result.answer) <= 64 * 1024
    assert result.dropped_chars == seen - len(result.answer)


def test_sizes_are_read_as_written() -> None:
    assert parse_size("16MiB") == parse_size("16M") == parse_size("16 mb") == 16 * MIB
    assert parse_size("64KiB") == 64 * 1024
    assert parse_size("1GiB") == 1024 * MIB
    assert parse_size("4096") == 4096
    for bad in ("", "MiB", "-1M", "1.5M", "²M", "9" * 20):
        with pytest.raises(ValueError, match="not a size"):
            parse_size(bad)


@pytest.mark.parametrize("given", ["1K", "2GiB", "lots", "0"])
def test_max_answer_out_of_range_is_a_usage_error(
    given: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["infer", "--url", "http://127.0.0.1:9", "--max-answer", given])
    assert exited.value.code == 2
    assert "--max-answer" in capsys.readouterr().err


# ----------------------------------------------------------------------------------- time


async def test_a_dripping_answer_ends_at_the_timeout(hostile: HostileServers) -> None:
    # A byte every 0.5 s: no read waits near the timeout, the whole answer takes 20 s.
    server = hostile(h.stack_routes(version=h.drip(b'{"version": "0.7.3"} ' * 2, 0.5)))
    found = (await failure(StackSession(server.url, timeout=2.5, section="ogx"))).diagnosis
    assert found.code == "TIMEOUT"
    assert "2.5 s, the bound on a whole answer" in found.meaning
    assert "ogx.timeout" in found.remedy
    assert found.endpoint == f"GET {server.url}/v1/version"


async def test_an_endless_slow_stream_ends_at_the_timeout(hostile: HostileServers) -> None:
    server = hostile(h.stack_routes(chat=h.endless_stream("tick ", every_s=0.2)))
    session = StackSession(server.url, timeout=2.0, section="llama_stack")
    result = await chat(session, stream=True)
    assert result.diagnosis is not None
    assert result.diagnosis.code == "TIMEOUT"
    assert "llama_stack.timeout" in result.diagnosis.remedy


async def test_a_dripping_completion_ends_at_the_timeout(hostile: HostileServers) -> None:
    server = hostile(h.stack_routes(chat=h.drip(json.dumps(h.completion()).encode(), 0.5)))
    result = await chat(StackSession(server.url, timeout=2.5))
    assert result.diagnosis is not None
    assert result.diagnosis.code == "TIMEOUT"


# ---------------------------------------------------------------------------- odd JSON


async def test_providers_nested_200000_deep_is_a_diagnosis(hostile: HostileServers) -> None:
    server = hostile(h.stack_routes(providers=h.nested(200_000)))
    found = (await failure(StackSession(server.url), "providers")).diagnosis
    assert found.code == "UNEXPECTED_ANSWER"
    assert "nested deeper" in found.detail
    assert found.endpoint == f"GET {server.url}/v1/providers"


async def test_a_deep_but_readable_config_is_shown_without_crashing(
    hostile: HostileServers,
) -> None:
    deep = b"[" * 900 + b"]" * 900
    body = b'{"data": [{"api": "inference", "provider_id": ' + deep + b', "provider_type": '
    body += b'"remote::azure", "config": {"base_url": ' + deep + b"}}]}"
    server = hostile(h.stack_routes(providers=h.raw_answer(body)))
    async with StackSession(server.url) as session:
        rows = await session.providers()
    assert rows[0].provider_id == "(list)"
    assert rows[0].base_url == "(list)"


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (h.version_of("9" * 5000), "5000 digits"),
        (json.dumps({"version": "9" * 5000}).encode(), "5000 characters"),
        (json.dumps({"version": "1" + "0" * 4400 + ".2"}).encode(), "characters"),
    ],
    ids=["number", "string", "release"],
)
async def test_a_version_of_thousands_of_digits_is_a_diagnosis(
    hostile: HostileServers, body: bytes, words: str
) -> None:
    server = hostile(h.stack_routes(version=h.raw_answer(body)))
    found = (await failure(StackSession(server.url))).diagnosis
    assert found.code == "UNEXPECTED_ANSWER"
    assert words in found.detail


def test_a_long_release_number_is_no_release() -> None:
    from console.stack.kind import release_of, stack_kind

    assert release_of("1" * 5000) is None
    assert release_of("0.7.3") == (0, 7, 3)
    assert stack_kind("9" * 50) == "llama-stack"


def test_the_providers_command_never_exits_70(
    hostile: HostileServers, capsys: pytest.CaptureFixture[str]
) -> None:
    server = hostile(h.stack_routes(providers=h.nested(200_000)))
    assert main(["providers", "--url", server.url]) == 1
    assert "[UNEXPECTED_ANSWER]" in capsys.readouterr().err


# ------------------------------------------------------------------------------ redirects


@pytest.mark.parametrize("header", [LLAMA_STACK_HEADER, OGX_HEADER])
async def test_a_redirect_never_carries_provider_data_to_another_origin(
    hostile: HostileServers, header: str
) -> None:
    elsewhere = hostile(h.stack_routes())
    version = "1.2.5" if header == OGX_HEADER else "0.7.3"
    target = f"{elsewhere.url}/v1/chat/completions"
    server = hostile(h.stack_routes(version, chat=h.redirect(target)))
    result = await chat(StackSession(server.url))
    assert server.requests_to("/v1/chat/completions")[0].headers[header.lower()]
    assert elsewhere.received == [], "nothing is sent to the other origin"
    assert result.diagnosis is not None
    assert result.diagnosis.code == "REDIRECT_REFUSED"
    assert f"{server.url}/v1/chat/completions" in result.diagnosis.meaning
    assert target in result.diagnosis.meaning
    assert TOKEN not in json.dumps(result.to_dict())


async def test_a_redirect_to_another_host_name_of_the_same_machine_is_refused(
    hostile: HostileServers,
) -> None:
    server = hostile(h.stack_routes())
    other = server.url.replace("127.0.0.1", "localhost")
    redirecting = hostile(h.stack_routes(models=h.redirect(f"{other}/v1/models", 308)))
    found = (await failure(StackSession(redirecting.url), "models")).diagnosis
    assert found.code == "REDIRECT_REFUSED"
    assert server.received == []


async def test_a_downgrade_to_plain_http_is_refused(
    hostile: HostileServers, tmp_path: Path
) -> None:
    context, ca = h.tls_context(tmp_path)
    plain = hostile(h.stack_routes())
    target = f"http://127.0.0.1:{plain.port}/v1/chat/completions"
    server = hostile(h.stack_routes("1.2.5", chat=h.redirect(target)), tls=context)
    result = await chat(StackSession(server.url, ca_bundle=ca))
    assert result.diagnosis is not None
    assert result.diagnosis.code == "REDIRECT_REFUSED"
    assert plain.received == []
    assert target in result.diagnosis.meaning


async def test_a_redirect_within_the_origin_is_followed_and_recorded(
    hostile: HostileServers,
) -> None:
    routes = h.stack_routes(version=h.redirect("/v1/version-moved", 301))
    routes["/v1/version-moved"] = h.json_answer({"version": "0.7.3"})
    server = hostile(routes)
    async with StackSession(server.url) as session:
        info = await session.info()
        redirects = [item.to_dict() for item in session.redirects]
    assert info.version == "0.7.3"
    async with StackSession(server.url) as session:
        shown = (await survey(session)).to_dict()["redirects"]
    assert shown == redirects
    assert redirects == [
        {
            "status": 301,
            "source": f"{server.url}/v1/version",
            "target": f"{server.url}/v1/version-moved",
        }
    ]


async def test_a_listing_redirected_elsewhere_is_a_diagnosis(hostile: HostileServers) -> None:
    elsewhere = hostile(h.stack_routes())
    server = hostile(h.stack_routes(version=h.redirect(f"{elsewhere.url}/v1/version")))
    found = (await failure(StackSession(server.url, section="ogx"))).diagnosis
    assert found.code == "REDIRECT_REFUSED"
    assert "ogx.url" in found.remedy
    assert elsewhere.received == []


# ------------------------------------------------------------------------ infer, measured


DATA_LIMIT = 1024 * MIB
"""The child's heap may not pass this: a regression fails with MemoryError, and never takes
the machine (two cores and their memory shared with other work) with it."""


def _limited() -> None:
    resource.setrlimit(resource.RLIMIT_DATA, (DATA_LIMIT, DATA_LIMIT))


def _infer_peak(url: str, tmp_path: Path, *extra: str) -> tuple[int, int, str]:
    """Exit code, peak RSS in MB and stderr of ``infer`` in a process of its own."""
    token = tmp_path / "token"
    token.write_text(TOKEN)
    process = subprocess.Popen(
        [sys.executable, "-m", "console", "infer", "--url", url, "--token-file", str(token),
         "--timeout", "60", *extra],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        cwd=ROOT,
        env={**os.environ, "NO_COLOR": "1"},
        preexec_fn=_limited,  # noqa: PLW1509 - a setrlimit, no threads in between
    )  # fmt: skip
    watchdog = threading.Timer(120, process.kill)
    watchdog.start()
    try:
        assert process.stderr is not None
        stderr = process.stderr.read().decode(errors="replace")
        _, status, usage = os.wait4(process.pid, 0)
    finally:
        watchdog.cancel()
    process.returncode = os.waitstatus_to_exitcode(status)
    return process.returncode, usage.ru_maxrss // 1024, stderr


@pytest.mark.parametrize(
    ("route", "extra"),
    [
        ("huge", ()),
        ("huge", ("--max-answer", "64MiB")),
        ("endless", ()),
        ("stream", ("--stream",)),
    ],
)
def test_infer_stays_under_300_mb_and_ends_with_a_diagnosis(
    hostile: HostileServers, tmp_path: Path, route: str, extra: tuple[str, ...]
) -> None:
    chat = {
        "huge": h.huge_completion(1024 * MIB),
        "endless": h.endless(
            b'{"choices": [{"index": 0, "message": {"role": "assistant", "content": "',
            b"a" * h.CHUNK,
        ),
        "stream": h.endless_stream(),
    }[route]
    server = hostile(h.stack_routes(chat=chat))
    code, peak_mb, stderr = _infer_peak(server.url, tmp_path, *extra)
    assert code == 1, stderr
    assert "[ANSWER_TOO_LARGE]" in stderr
    assert f"endpoint: POST {server.url}/v1/chat/completions" in stderr
    assert peak_mb < 300, f"peak RSS {peak_mb} MB"


@pytest.mark.parametrize("section", ["ogx", "llama_stack"])
async def test_a_connection_failure_names_the_key_the_file_writes(section: str) -> None:
    import socket

    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{closed.getsockname()[1]}"
    found = (await failure(StackSession(url, section=section))).diagnosis
    assert found.code == "CONNECTION_REFUSED"
    assert f"Check {section}.url in lightspeed-stack.yaml" in found.remedy
