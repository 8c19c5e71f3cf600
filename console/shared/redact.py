"""The one place that decides how a secret is shown.

Every text the console produces (tables, JSON, screens, logs, exceptions, the curl text)
passes secrets through here. Showing a secret in clear is an explicit act: callers ask for
``reveal=True`` and only an operator's command sets it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pydantic costs ~0.3 s to import; the first frame must not pay it here
    from pydantic import SecretStr

MASK = "********"
"""What a hidden secret looks like: the same eight stars llama-stack uses in provider listings."""

SECRET_KEY_ENDINGS = (
    *("secret", "password", "passwd", "passphrase", "token", "credential", "credentials"),
    *("apikey", "privatekey", "secretkey", "accesskey", "accountkey", "subscriptionkey"),
)
"""How the name of a key that holds a secret ends, once its separators are dropped:
``client_secret``, ``api_key``, ``x-api-key``, ``accessToken``, ``tls_key_password``. The
name must *end* so: ``tokenizer_path``, ``max_tokens``, ``token_endpoint``, ``secret_name``
and ``password_file`` name a path, a count, a URL, a name and a file, not a secret."""

_SEPARATORS = re.compile(r"[^a-z0-9]+")
_JWT_PATTERN = re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")


def _value(secret: SecretStr | str) -> str:
    """The text of a secret, whether held as `SecretStr` or as a plain string."""
    return secret if isinstance(secret, str) else secret.get_secret_value()


@functools.lru_cache(maxsize=4096)
def is_secret_key(key: str) -> bool:
    """Whether a config key names a secret (so its value is masked wherever it is shown).

    Cached: a large run.yaml asks about the same few key names hundreds of thousands of times.
    """
    return _SEPARATORS.sub("", key.lower()).endswith(SECRET_KEY_ENDINGS)


def show(secret: SecretStr | str | None, *, reveal: bool = False) -> str:
    """Render a secret for display: masked unless the operator asked to reveal it."""
    if secret is None:
        return "(not set)"
    value = _value(secret)
    if reveal:
        return value
    if value == "":
        return "(empty)"
    return MASK


def describe(secret: SecretStr | str | None) -> str:
    """A masked secret with its length, so an operator can tell a pasted ID from a value."""
    if secret is None:
        return "(not set)"
    value = _value(secret)
    if value == "":
        return "(empty)"
    return f"{MASK} ({len(value)} chars)"


def scrub(text: str, secrets: Iterable[SecretStr | str | None] = (), *, jwts: bool = True) -> str:
    """Remove known secret values and anything shaped like a JWT from free text.

    Used on messages that come from elsewhere (SDK exceptions, server error bodies) before
    they are shown, because those may echo a token or a secret back, and not always as
    written: a form body or a URL echoes it percent-encoded, a JSON body escaped, an HTML
    page entity-escaped, a header base64-encoded, a log upper-cased. Each secret is masked
    in all of those forms (`encoded_forms`), in one pass (`Masker`). ``jwts=False`` leaves
    JWT-shaped text alone, for output where the operator asked to see a token.
    """
    values = frozenset(_value(secret) for secret in secrets if secret is not None)
    if values:
        text = masker_for(values).mask(text)
    return _JWT_PATTERN.sub(MASK, text) if jwts else text


def scrub_data(data: Any, masker: Masker) -> Any:
    """``data`` (plain JSON values) with every secret masked inside its strings, keys too.

    Masking the text of a JSON document could mask its syntax (a secret ``true`` would
    turn ``"ok": true`` into ``"ok": ********``); masking the strings it holds cannot.
    Numbers, booleans and null are the console's own values and stay as they are.
    """
    if isinstance(data, str):
        return masker.mask(data)
    if isinstance(data, list):
        return [scrub_data(item, masker) for item in data]
    if isinstance(data, dict):
        return {masker.mask(str(key)): scrub_data(value, masker) for key, value in data.items()}
    return data


MIN_FORM_LENGTH = 4
"""Forms shorter than this are not masked: masking them would mask ordinary text."""
MIN_CORE_LENGTH = 8
"""A base64 run cut from a longer encoding (`encoded_forms`) is masked from this length."""


def encoded_forms(value: str) -> set[str]:
    """The forms in which ``value`` may be echoed back, each masked wherever it appears.

    As written, upper- and lower-cased; percent-encoded (``quote``, ``quote_plus``; the
    hex digits of an escape match in either case, `Masker`) and JSON-escaped (ASCII-only
    or not); HTML-escaped (``&quot;`` or ``&#34;``, ``&#x27;`` or ``&#39;``); base64 of
    its UTF-8 bytes, standard and URL-safe, with and without padding, and the run of
    characters its bytes fix at each of the three alignments inside a longer encoding
    (``base64(client_id:client_secret)`` holds the secret's encoding that way).
    Forms under `MIN_FORM_LENGTH` characters are left out (base64 runs under
    `MIN_CORE_LENGTH`), as masking them would mask ordinary text.
    """
    import html
    import json
    from binascii import b2a_base64
    from urllib.parse import quote, quote_plus

    forms = {value, value.upper(), value.lower()}
    if _UNCHANGED_BY_ESCAPING.fullmatch(value) is None:  # else each escaped form is ``value``
        forms.update((json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1]))
        forms.update((quote(value, safe=""), quote(value), quote_plus(value)))
        escaped = html.escape(value)
        forms.update((escaped, html.escape(value, quote=False)))
        forms.add(escaped.replace("&quot;", "&#34;").replace("&#x27;", "&#39;"))
    raw = value.encode("utf-8", "surrogatepass")
    whole = b2a_base64(raw, newline=False).decode("ascii")
    encoded = {whole, whole.rstrip("=")}
    for skip in range(3):  # the bytes that complete a group begun before the secret
        usable = (len(raw) - skip) // 3 * 3
        core = b2a_base64(raw[skip : skip + usable], newline=False).decode("ascii")
        if len(core) >= MIN_CORE_LENGTH:
            encoded.add(core)
    for form in encoded:
        forms.add(form)
        if "+" in form or "/" in form:
            forms.add(form.translate(_URL_SAFE))
    return {form for form in forms if len(form) >= MIN_FORM_LENGTH}


_URL_SAFE = str.maketrans("+/", "-_")
"""base64's standard alphabet to the URL-safe one."""


_PERCENT = re.compile(r"%[0-9A-Fa-f]{2}")
_UNCHANGED_BY_ESCAPING = re.compile(r"[A-Za-z0-9_.~-]*")
"""Text that JSON, percent-encoding and HTML all leave as it is."""


def _fold(text: str) -> str:
    """``text`` with the hex digits of each percent escape upper-cased (its length kept)."""
    if "%" not in text:
        return text
    return _PERCENT.sub(lambda escape: escape.group().upper(), text)


class Masker:
    """Finds every form of a set of secrets in a text in one pass, and masks them.

    Every form is at least `MIN_FORM_LENGTH` characters long, so each begins with one of a
    set of four-character heads. One pass over the text collects the heads it holds (a set
    intersection); only where one occurs are the forms that begin with it looked up, by
    length, in a set. The cost of a text grows with its length and with what it holds of
    the secrets, not with their number: an alternation of every form, tried at each
    position, cost a 40,000-variable env file seconds per command, and a compiled trie of
    them took longer to build than that.

    Percent escapes match with their hex digits in either case (``%2f`` as ``%2F``): the
    text is searched as written and with its escapes folded (`_fold`). Where forms
    overlap, the union of what they cover is masked.
    """

    def __init__(self, secrets: Iterable[str]) -> None:
        forms = {form for secret in secrets if secret for form in encoded_forms(secret)}
        folded = {_fold(form) for form in forms if "%" in form}
        self.forms = sorted(forms | folded)
        """Every form, as made and folded, sorted: `hold_from` looks a tail up among them."""
        self.longest = max(map(len, forms), default=0)
        self._plain = _FormSet(forms)
        self._folded = _FormSet(folded)

    def __bool__(self) -> bool:
        return bool(self.forms)

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Where forms occur in ``text``: merged, sorted ``(start, end)`` ranges."""
        if not self.forms:
            return []
        found = self._plain.find(text)
        if "%" in text:
            found.extend(self._folded.find(_fold(text)))
        merged: list[tuple[int, int]] = []
        for start, end in sorted(found):
            if merged and start < merged[-1][1]:
                if end > merged[-1][1]:
                    merged[-1] = (merged[-1][0], end)
            else:
                merged.append((start, end))
        return merged

    def mask(self, text: str, spans: list[tuple[int, int]] | None = None) -> str:
        """``text`` with each range in ``spans`` (default: `spans` of it) shown as `MASK`."""
        spans = self.spans(text) if spans is None else spans
        if not spans:
            return text
        pieces: list[str] = []
        last = 0
        for start, end in spans:
            pieces.append(text[last:start])
            pieces.append(MASK)
            last = end
        pieces.append(text[last:])
        return "".join(pieces)

    def hold_from(self, text: str) -> int:
        """Where the longest tail of ``text`` that is the start of a form (or a whole one)
        begins; ``len(text)`` when there is none. That tail may be completed by what is
        written next, so a stream holds it back (`console.shared.secret_streams`).

        A tail is looked up as written and with its escapes folded, among the forms as
        made and folded: holding too much only delays a write, too little would show a
        secret's start.
        """
        size = len(text)
        for start in range(max(0, size - self.longest + 1), size):
            tail = text[start:]
            if self._begins_a_form(tail) or ("%" in tail and self._begins_a_form(_fold(tail))):
                return start
        return size

    def _begins_a_form(self, tail: str) -> bool:
        import bisect

        head = tail[:MIN_FORM_LENGTH]
        if len(head) == MIN_FORM_LENGTH and not (
            head in self._plain.lengths or head in self._folded.lengths
        ):
            return False
        index = bisect.bisect_left(self.forms, tail)
        return index < len(self.forms) and self.forms[index].startswith(tail)


class _FormSet:
    """Forms by their first `MIN_FORM_LENGTH` characters, each head with its lengths."""

    def __init__(self, forms: Iterable[str]) -> None:
        self.forms = frozenset(forms)
        self.lengths: dict[str, tuple[int, ...]] = {}
        """Each head's form lengths, longest first (the longest form at a place wins)."""
        for form in self.forms:
            head, size = form[:MIN_FORM_LENGTH], len(form)
            known = self.lengths.get(head)
            if known is None:
                self.lengths[head] = (size,)
            elif size not in known:
                self.lengths[head] = tuple(sorted((*known, size), reverse=True))

    def find(self, text: str) -> list[tuple[int, int]]:
        """``(start, end)`` of the longest form at each place one begins (they may overlap)."""
        size = MIN_FORM_LENGTH
        if not self.forms or len(text) < size:
            return []
        heads = self.lengths.keys() & {text[i : i + size] for i in range(len(text) - size + 1)}
        found: list[tuple[int, int]] = []
        for head in heads:
            lengths = self.lengths[head]
            at = text.find(head)
            while at >= 0:
                for length in lengths:
                    if at + length <= len(text) and text[at : at + length] in self.forms:
                        found.append((at, at + length))
                        break
                at = text.find(head, at + 1)
        return found


@functools.lru_cache(maxsize=64)
def masker_for(secrets: frozenset[str]) -> Masker:
    """The `Masker` of a set of secret values (made once per set: its pattern is compiled)."""
    return Masker(secrets)
