"""The last test inference as text an operator can paste: the curl, the request, the response.

Made from what the `InferenceResult` carries, nothing else: the curl the core rendered
(`console.inference.curl`: the token as ``$TOKEN``, every secret scrubbed here), the request
read back from it (method, URL, headers, body), and what came back (the outcome, the
timings, the answer or the diagnosis with the error text as the server or the library
gave it). The raw bytes of the answer are not kept by the core, so they are not shown.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING

from console.inference.curl import sent_request
from console.shared.redact import scrub

if TYPE_CHECKING:
    from pydantic import SecretStr

    from console.inference.request import InferenceResult


def last_call_text(result: InferenceResult, secrets: Iterable[SecretStr | str | None]) -> str:
    """Curl, request and response of ``result`` as plain text, every secret masked."""
    keep = list(secrets)
    lines = ["# the last test inference as curl (its first line puts a new token in $TOKEN)"]
    lines.append(result.curl or "# nothing was sent: there is no request to replay")
    lines += ["", "# request"]
    lines += _request_lines(result)
    lines += ["", "# response"]
    lines += _response_lines(result)
    return scrub("\n".join(lines), keep)


def _request_lines(result: InferenceResult) -> list[str]:
    if not result.curl:
        return [f"{result.endpoint} (not sent)"]
    headers, body = sent_request(result.curl)
    lines = [result.endpoint, *headers]
    if body is not None:
        lines.append("")
        try:
            lines += json.dumps(json.loads(body), indent=2, ensure_ascii=False).splitlines()
        except ValueError:
            lines.append(body)
    return lines


def _response_lines(result: InferenceResult) -> list[str]:
    outcome = "answered" if result.ok else "failed"
    timing = f"latency {result.latency_s * 1000:.0f} ms"
    if result.ttft_s is not None:
        timing += f", first token after {result.ttft_s * 1000:.0f} ms"
    lines = [f"{outcome}: {result.model or '(no model)'} via {result.server_kind or '?'}; {timing}"]
    usage = result.usage
    if usage is not None:
        lines.append(
            f"usage: prompt_tokens={usage.prompt_tokens} completion_tokens="
            f"{usage.completion_tokens} total_tokens={usage.total_tokens}"
        )
    diagnosis = result.diagnosis
    if diagnosis is not None:
        lines += [
            f"{diagnosis.code}: {diagnosis.title}",
            f"meaning: {diagnosis.meaning}",
            f"remedy: {diagnosis.remedy}",
        ]
        if diagnosis.endpoint:
            lines.append(f"endpoint: {diagnosis.endpoint}")
        if diagnosis.detail:
            lines += ["", "# the error as it came back", *diagnosis.detail.splitlines()]
    if result.answer:
        if result.dropped_chars:
            lines.append(f"(the first {result.dropped_chars} characters were not kept)")
        lines += ["", "# answer", *result.answer.splitlines()]
    return lines
