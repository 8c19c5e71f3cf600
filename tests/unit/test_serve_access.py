"""``serve``'s admission rules (`console.serving.access`), without a server: host, origin, token."""

from __future__ import annotations

from console.serving.access import Access


def admitted(access: Access, **headers: str | None) -> bool:
    values = {"host": None, "origin": None, "query_token": None, "cookie_token": None, **headers}
    return access.refusal(**values) is None


def test_tokens_are_random_per_run_and_only_the_url_shows_one() -> None:
    first, second = Access(port=8000), Access(port=8000)
    assert first.token != second.token
    assert len(first.token) >= 40
    assert first.url == f"http://127.0.0.1:8000/?token={first.token}"
    assert first.token not in repr(first)


def test_the_served_address_by_either_name_with_the_token_passes() -> None:
    access = Access(port=8000)
    for host in ("127.0.0.1:8000", "localhost:8000", "LOCALHOST:8000"):
        assert admitted(access, host=host, query_token=access.token)
        assert admitted(access, host=host, cookie_token=access.token)
        assert admitted(access, host=host, origin="http://localhost:8000", query_token=access.token)


def test_every_other_request_is_refused_with_a_reason_that_quotes_nothing() -> None:
    access = Access(port=8000)
    right = {"host": "127.0.0.1:8000", "query_token": access.token}
    refused = [
        {"host": "127.0.0.1:8000"},
        {**right, "query_token": "wrong"},
        {**right, "query_token": ""},
        {**right, "query_token": "wrong", "cookie_token": access.token},
        {**right, "query_token": "é" * 43},
        {**right, "origin": "https://evil.example"},
        {**right, "origin": "null"},
        {**right, "origin": "http://127.0.0.1:8001"},
        {**right, "origin": "https://127.0.0.1:8000"},
        {**right, "host": "evil.example:8000"},
        {**right, "host": "127.0.0.1:8001"},
        {**right, "host": "127.0.0.1"},
        {**right, "host": None},
    ]
    for headers in refused:
        reason = access.refusal(
            **{"origin": None, "cookie_token": None, "query_token": None, **headers}
        )
        assert reason is not None, headers
        assert reason.startswith("refused: ")
        assert access.token not in reason
        assert "evil" not in reason


def test_port_80_may_be_named_without_its_port() -> None:
    access = Access(port=80)
    assert admitted(access, host="localhost", origin="http://127.0.0.1", query_token=access.token)
    assert not admitted(Access(port=8000), host="localhost", query_token="x")
