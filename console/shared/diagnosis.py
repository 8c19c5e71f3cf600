"""`Diagnosis`: what went wrong talking to a service, in words an operator can act on.

Token requests, Llama Stack calls and test inferences fail in ways the libraries report
as exception chains and raw error text. The console turns each failure into one
`Diagnosis` (a short code to search for, what it means, what to do, which endpoint was
involved) so the CLI, the JSON output and the screens all say the same thing, and none of
them shows a traceback. ``detail`` keeps the original error text for the curious, after
`console.shared.redact.scrub` has removed secrets and anything shaped like a token.

Every field quotes text from elsewhere (a server's error body, an authority's answer, a
value from the configuration), so each is made visible when the diagnosis is made
(`console.shared.sanitize`): one line each, ``detail`` keeping its lines.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING, Any

from console.shared.redact import scrub
from console.shared.sanitize import visible, visible_lines

if TYPE_CHECKING:
    from pydantic import SecretStr


@dataclass(frozen=True)
class Diagnosis:
    """One failure explained.

    ``code`` is stable and searchable: an upstream code where the service gave one
    (``AADSTS7000215``), otherwise a transport or protocol class (``TLS``, ``TIMEOUT``,
    ``CONNECTION_REFUSED``, ``HTTP_503``, ...). ``endpoint`` is the URL involved, never with
    a secret in it. ``detail`` is the original error text, already scrubbed.
    """

    code: str
    title: str
    meaning: str
    remedy: str
    endpoint: str | None = None
    detail: str = ""

    def __post_init__(self) -> None:
        for name in ("code", "title", "meaning", "remedy"):
            object.__setattr__(self, name, visible(getattr(self, name)))
        if self.endpoint is not None:
            object.__setattr__(self, "endpoint", visible(self.endpoint))
        object.__setattr__(self, "detail", visible_lines(self.detail))

    def to_dict(self) -> dict[str, Any]:
        """Plain data for ``--json``."""
        return asdict(self)

    def scrubbed(self, secrets: Iterable[SecretStr | str | None]) -> Diagnosis:
        """The same diagnosis with ``secrets`` masked in every text field.

        Every field, not only ``detail``: a value pasted into the wrong setting (a secret
        in ``tenant_id``) ends up in an endpoint URL or a message. The fields are already
        visible, so a secret is looked for as written and as made visible too.
        """
        keep = _with_visible_forms(secrets)
        return replace(
            self,
            title=scrub(self.title, keep),
            meaning=scrub(self.meaning, keep),
            remedy=scrub(self.remedy, keep),
            endpoint=scrub(self.endpoint, keep) if self.endpoint is not None else None,
            detail=scrub(self.detail, keep),
        )

    def as_text(self) -> str:
        """A few lines for a terminal or a log: code and title, then meaning, remedy, where."""
        lines = [f"[{self.code}] {self.title}", f"  meaning:  {self.meaning}"]
        lines.append(f"  remedy:   {self.remedy}")
        if self.endpoint:
            lines.append(f"  endpoint: {self.endpoint}")
        if self.detail:
            first, *rest = self.detail.strip().splitlines() or [""]
            lines.append(f"  detail:   {first}")
            lines.extend(f"            {line}" for line in rest if line.strip())
        return "\n".join(lines)


def _with_visible_forms(secrets: Iterable[SecretStr | str | None]) -> list[SecretStr | str | None]:
    """``secrets``, and each one as `visible` shows it when that differs (a control in it)."""
    keep: list[SecretStr | str | None] = []
    for secret in secrets:
        keep.append(secret)
        if secret is None:
            continue
        value = secret if isinstance(secret, str) else secret.get_secret_value()
        for shown in (visible(value), visible_lines(value)):
            if shown != value:
                keep.append(shown)
    return keep


class DiagnosedError(Exception):
    """An exception that carries its `Diagnosis`, so callers never parse messages again."""

    def __init__(self, diagnosis: Diagnosis) -> None:
        super().__init__(f"{diagnosis.code}: {diagnosis.title}")
        self.diagnosis = diagnosis
