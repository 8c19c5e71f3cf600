"""What the Entra ID stand-in keeps of each request: enough to assert on, no secret.

Tests count token requests, check which endpoint and tenant were asked and which AADSTS
code came back; the form is kept for that, with every secret-bearing field masked before
it is stored.
"""

from __future__ import annotations

from dataclasses import dataclass

from console.shared.redact import MASK

_MASKED_FIELDS = frozenset({"client_secret", "client_assertion", "password", "refresh_token"})


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """One request as the stand-in saw it; secret form fields are masked before storing.

    ``started_at`` is wall-clock (epoch seconds); ``status`` is None for a dropped connection.
    """

    method: str
    path: str
    endpoint: str
    tenant: str | None
    form: dict[str, str]
    basic_auth: bool
    started_at: float
    duration_s: float
    status: int | None
    error_code: int | None = None

    @property
    def dropped(self) -> bool:
        return self.status is None


def mask_form(form: dict[str, str]) -> dict[str, str]:
    """The form with the value of every secret-bearing field replaced by `MASK`."""
    return {k: (MASK if k in _MASKED_FIELDS and v else v) for k, v in form.items()}
