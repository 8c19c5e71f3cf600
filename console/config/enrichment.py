"""Lightspeed's Azure enrichment of run.yaml, previewed as a diff that keeps the file as written.

The rule (``enrich_azure_entra_id_inference`` in lightspeed-stack): when lightspeed-stack.yaml
has an ``azure_entra_id`` block (any value but null), every ``providers.inference`` entry whose
``provider_type`` is exactly ``remote::azure`` gets ``config.model_validation: false``, creating
``config`` if missing. Nothing else changes. Lightspeed rewrites the whole file with PyYAML and
loses comments; here the change is made as a text edit at the exact lines, then checked by
parsing the result. Only if an edit cannot be placed safely (flow-style entries, odd spacing)
is the file re-emitted by ruamel's round-trip dumper instead, which still keeps comments.
"""

from __future__ import annotations

import difflib
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from console.config.azure_rule import FAILS, FLAG, azure_action, enrich_azure, ignored_note
from console.config.envsubst import ENV_PATTERN
from console.config.loaded import Loaded, LoadedFile
from console.config.yamlio import parse_yaml_text, round_trip_yaml, to_plain
from console.shared.azure import AZURE_PROVIDER_TYPE
from console.shared.gcpause import gc_paused
from console.shared.redact import is_secret_key, scrub

if TYPE_CHECKING:
    from console.config.synthesis import Synthesis

_NULL_TOKENS = {"null", "Null", "NULL", "~"}
_SCALAR_TOKEN = re.compile(
    r"\"(?:[^\"\\]|\\.)*\"|'(?:[^']|'')*'|[^\s#,}\]][^#,}\]\n]*?(?=\s+#|\s*[,}\]]|\s*$)"
)


@dataclass(frozen=True)
class EnrichmentChange:
    """One provider the enrichment touches."""

    provider_id: str
    line: int | None
    action: str  # "add", "set" or "create config"


@dataclass(frozen=True)
class SkippedProvider:
    """A remote::azure provider the enrichment cannot touch (Lightspeed itself would fail)."""

    provider_id: str
    line: int | None
    reason: str


@dataclass(frozen=True)
class EnrichmentPreview:
    """What enriching run.yaml would change, as text and as a list of changes."""

    source: Path
    applies: bool
    reason: str
    original_text: str
    enriched_text: str
    changes: list[EnrichmentChange] = field(default_factory=list)
    skipped: list[SkippedProvider] = field(default_factory=list)
    method: str = "text edit"
    secrets: tuple[str, ...] = ()
    """Secret values written in the file, masked wherever the diff is shown."""
    server_note: str = ""
    """What the server release of the file's Lightspeed does with the key the enrichment
    writes (it ignores it), as the doctor's stack step says: for the enrichment screen, its
    write dialog, ``diff`` and ``enrich``. Empty when the enrichment does not apply."""

    @property
    def changed(self) -> bool:
        """Whether writing the enriched file would change anything."""
        return self.enriched_text != self.original_text

    def unified_diff(self, context: int = 3, *, reveal: bool = False) -> str:
        """The change as a unified diff; with ``reveal``, one that ``patch`` applies as is.

        Unless revealed, secrets written in the file are masked in the context lines.
        """
        lines = _unified_diff(
            self.original_text.splitlines(keepends=True),
            self.enriched_text.splitlines(keepends=True),
            str(self.source),
            context,
        )
        # A last line without a newline needs diff(1)'s marker, or patch rejects the hunk.
        text = "".join(
            line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
            for line in lines
        )
        return text if reveal else scrub(text, self.secrets)

    def to_dict(self) -> dict[str, Any]:
        """Plain data for ``--json``."""
        return {
            "source": str(self.source),
            "applies": self.applies,
            "reason": self.reason,
            "changed": self.changed,
            "method": self.method,
            "changes": [change.__dict__ for change in self.changes],
            "skipped": [skip.__dict__ for skip in self.skipped],
            "server_note": self.server_note,
            "diff": self.unified_diff(),
        }


_HUNK = re.compile(r"^@@ -(\d+)(,\d+)? \+(\d+)(,\d+)? @@$")


def _unified_diff(old: list[str], new: list[str], name: str, context: int) -> Iterator[str]:
    """difflib's unified diff, computed on the lines between the common head and tail.

    The enrichment changes a handful of lines; letting difflib match all of a long file
    first costs more than the rest of the preview. Hunk numbers are shifted back.
    """
    head = 0
    limit = min(len(old), len(new))
    while head < limit and old[head] == new[head]:
        head += 1
    tail = 0
    while tail < limit - head and old[-1 - tail] == new[-1 - tail]:
        tail += 1
    skip_head = max(head - context, 0)
    skip_tail = max(tail - context, 0)
    lines = difflib.unified_diff(
        old[skip_head : len(old) - skip_tail],
        new[skip_head : len(new) - skip_tail],
        fromfile=name,
        tofile=name,
        n=context,
    )
    for line in lines:
        hunk = _HUNK.match(line.rstrip("\n"))
        if hunk is None:
            yield line
            continue
        old_start, old_length, new_start, new_length = hunk.groups()
        yield (
            f"@@ -{int(old_start) + skip_head}{old_length or ''} "
            f"+{int(new_start) + skip_head}{new_length or ''} @@\n"
        )


def entra_configured(lightspeed_document: Any) -> bool:
    """Lightspeed's test: ``config.get("azure_entra_id") is not None`` on the file as written."""
    return isinstance(lightspeed_document, dict) and (
        lightspeed_document.get("azure_entra_id") is not None
    )


def enrich_plain(run_config: Any, azure_entra_id: Any) -> Any:
    """The rule on plain data, for checking the text edit (returns a new structure)."""
    result = to_plain(run_config)
    if azure_entra_id is not None:
        enrich_azure(result)
    return result


def preview(loaded: Loaded) -> EnrichmentPreview:
    """Preview the enrichment of ``loaded.run`` under ``loaded.lightspeed``'s settings.

    A synthesized run.yaml (unified mode) already went through the enrichment, as in
    Lightspeed; the preview then shows what the enrichment contributed to it.
    """
    generation = loaded.generation.generation.value if loaded.generation else None
    if loaded.synthesis is not None and loaded.run is not None:
        found = preview_synthesis(loaded.synthesis, loaded.run.path)
    elif loaded.run is None:
        raise ValueError("no run.yaml was loaded; pass --run-config (or -i)")
    else:
        lightspeed_doc = loaded.lightspeed.document if loaded.lightspeed is not None else None
        with gc_paused():  # the check re-reads part of the file: many objects, no cycles
            found = preview_files(loaded.run, lightspeed_doc)
    if not found.applies:
        return found
    return replace(found, server_note=ignored_note(generation))


def preview_synthesis(synthesis: Synthesis, source: Path) -> EnrichmentPreview:
    """What the Azure enrichment contributed to a synthesized run.yaml (unified mode).

    lightspeed-stack 0.7.1 runs it after every other step, so it reaches the baseline's,
    the profile's, ``inference.providers``' and ``native_override``'s ``remote::azure``
    providers alike.
    """
    from console.config.synthesis import render

    before = render(synthesis.unenriched)
    after = render(synthesis.document)
    document = parse_yaml_text(before, source)
    enriched = {o.provider_id for o in synthesis.origins if o.enriched}
    changes = [
        EnrichmentChange(
            str(entry.get("provider_id")),
            _line(entry),
            "add" if isinstance(entry.get("config"), dict) else "create config",
        )
        for entry in _azure_entries(document)
        if str(entry.get("provider_id")) in enriched
    ]
    azure = [
        o
        for o in synthesis.origins
        if o.api == "inference" and o.provider_type == AZURE_PROVIDER_TYPE
    ]
    if not azure:
        reason = (
            "the synthesized run.yaml has no remote::azure inference provider: nothing to enrich"
        )
    elif before == after:
        reason = "azure_entra_id is not written: Lightspeed synthesizes without the enrichment"
    else:
        reason = (
            f"{len(changes)} remote::azure provider(s) of the synthesized run.yaml get "
            f"config.{FLAG}: false (lightspeed-stack 0.7.1 enriches last: providers from "
            "inference.providers and native_override get it too)"
        )
    return EnrichmentPreview(
        source, bool(azure), reason, before, after, changes, method="synthesis"
    )


def preview_files(run: LoadedFile, lightspeed_document: Any) -> EnrichmentPreview:
    """Preview the enrichment of one run.yaml under a lightspeed-stack.yaml document."""
    original = run.yaml.text
    secrets = inline_secrets(run.document)
    if not entra_configured(lightspeed_document):
        return EnrichmentPreview(
            run.path,
            False,
            "lightspeed-stack.yaml has no azure_entra_id block: Lightspeed leaves run.yaml as is",
            original,
            original,
            secrets=secrets,
        )
    document = run.document
    lines = original.splitlines(keepends=True)
    changes: list[EnrichmentChange] = []
    skipped: list[SkippedProvider] = []
    edits: list[_Edit] = []
    for provider in _azure_entries(document):
        name = str(provider.get("provider_id") or "(no provider_id)")
        line = _line(provider)
        config = provider.get("config")
        if azure_action(provider) == "fails":
            what = "empty (null)" if config is None else "not a mapping"
            skipped.append(SkippedProvider(name, line, f"config is {what}: {FAILS}"))
            continue
        if isinstance(config, dict) and config.get(FLAG) is False:
            continue
        action = "create config" if config is None else ("set" if FLAG in config else "add")
        changes.append(EnrichmentChange(name, line, action))
        edits.append(_plan(provider, lines))
    entra_block = lightspeed_document.get("azure_entra_id")
    reason = (
        f"{len(changes)} remote::azure provider(s) get config.{FLAG}: false"
        if changes
        else "already enriched: every remote::azure provider has model_validation: false"
    )
    if not changes:
        if not _azure_entries(document):
            reason = "run.yaml has no remote::azure inference provider: nothing to enrich"
        return EnrichmentPreview(
            run.path, True, reason, original, original, [], skipped, secrets=secrets
        )
    enriched, method = _apply(
        original, lines, edits, path=run.path, document=document, entra_block=entra_block
    )
    return EnrichmentPreview(
        run.path, True, reason, original, enriched, changes, skipped, method, secrets
    )


def inline_secrets(document: Any) -> tuple[str, ...]:
    """Values written under secret-named keys: a whole value, or a ``${env.X:=default}``."""
    found: set[str] = set()
    seen: set[int] = set()
    stack = [document] if isinstance(document, dict | list) else []
    while stack:  # only containers are stacked: most nodes of a large file are scalars
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, list):
            stack.extend(item for item in node if isinstance(item, dict | list))
            continue
        for key, value in dict.items(node):  # dict's own walk: ruamel's is Python-level
            if isinstance(value, dict | list):
                stack.append(value)
            elif isinstance(value, str) and is_secret_key(str(key)):
                refs = list(ENV_PATTERN.finditer(value))
                texts = [ref.group(3) for ref in refs if ref.group(2) == "="] if refs else [value]
                found.update(str(text) for text in texts if text.strip())
    return tuple(sorted(found, key=len, reverse=True))


def _azure_entries(document: Any) -> list[CommentedMap]:
    providers = document.get("providers") if isinstance(document, dict) else None
    inference = providers.get("inference") if isinstance(providers, dict) else None
    if not isinstance(inference, list):
        return []
    return [
        item
        for item in inference
        if isinstance(item, CommentedMap) and str(item.get("provider_type")) == AZURE_PROVIDER_TYPE
    ]


def _line(node: CommentedMap) -> int | None:
    try:
        return int(node.lc.line) + 1
    except (AttributeError, TypeError):
        return None


@dataclass(frozen=True)
class _Edit:
    """A text edit at one line: insert lines before it, or replace a span within it."""

    line: int  # 0-based
    insert: str | None = None
    column: int | None = None
    end_column: int | None = None
    replacement: str | None = None
    possible: bool = True


_IMPOSSIBLE = _Edit(line=-1, possible=False)


def _plan(provider: CommentedMap, lines: list[str]) -> _Edit:
    """Where the text edit for one provider goes, or `_IMPOSSIBLE` for the dumper fallback."""
    if provider.fa.flow_style():
        return _IMPOSSIBLE
    try:
        if "config" not in provider:
            key_line, key_col = provider.lc.key("provider_type")
            value_line, _ = provider.lc.value("provider_type")
            if value_line != key_line:
                return _IMPOSSIBLE
            pad = " " * key_col
            return _Edit(key_line + 1, insert=f"{pad}config:\n{pad}  {FLAG}: false\n")
        config = provider["config"]
        key_line, key_col = provider.lc.key("config")
        if config is None:
            source = lines[key_line]
            after = source[key_col:].split(":", 1)[1] if ":" in source[key_col:] else ""
            token = after.split("#", 1)[0].strip()
            pad = " " * (key_col + 2)
            if token == "":
                return _Edit(key_line + 1, insert=f"{pad}{FLAG}: false\n")
            if token in _NULL_TOKENS:
                start = source.index(token, key_col + len("config"))
                return _Edit(
                    key_line,
                    column=start,
                    end_column=start + len(token),
                    replacement=f"{{{FLAG}: false}}",
                )
            return _IMPOSSIBLE
        if not isinstance(config, CommentedMap):
            return _IMPOSSIBLE
        if config.fa.flow_style() or len(config) == 0:
            return _plan_flow(provider, config, lines)
        if FLAG in config:
            return _replace_value(config, FLAG, lines)
        first = next(iter(config))
        first_line, first_col = config.lc.key(first)
        return _Edit(first_line, insert=f"{' ' * first_col}{FLAG}: false\n")
    except (KeyError, IndexError, ValueError, AttributeError, TypeError, StopIteration):
        return _IMPOSSIBLE


def _plan_flow(provider: CommentedMap, config: CommentedMap, lines: list[str]) -> _Edit:
    if FLAG in config:
        return _replace_value(config, FLAG, lines)
    value_line, value_col = provider.lc.value("config")
    source = lines[value_line]
    brace = source.find("{", value_col)
    if brace < 0:
        return _IMPOSSIBLE
    inner = "" if len(config) == 0 else ", "
    if len(config) == 0:
        close = source.find("}", brace)
        if close < 0:
            return _IMPOSSIBLE
        return _Edit(
            value_line, column=brace, end_column=close + 1, replacement=f"{{{FLAG}: false}}"
        )
    return _Edit(
        value_line, column=brace + 1, end_column=brace + 1, replacement=f"{FLAG}: false{inner}"
    )


def _replace_value(config: CommentedMap, key: str, lines: list[str]) -> _Edit:
    value_line, value_col = config.lc.value(key)
    key_line, _ = config.lc.key(key)
    if value_line != key_line:
        return _IMPOSSIBLE
    match = _SCALAR_TOKEN.match(lines[value_line], value_col)
    if match is None:
        return _IMPOSSIBLE
    return _Edit(value_line, column=value_col, end_column=match.end(), replacement="false")


def _apply(
    original: str,
    lines: list[str],
    edits: list[_Edit],
    *,
    path: Path,
    document: CommentedMap,
    entra_block: Any,
) -> tuple[str, str]:
    """Apply the edits bottom-up; verify by parsing; fall back to the round-trip dumper.

    ``lines`` is ``original`` split once by the caller, which planned the edits on them.
    """
    if all(edit.possible for edit in edits):
        newline = "\r\n" if "\r\n" in original else "\n"  # keep the file's line endings
        edited = list(lines)
        if edited and not edited[-1].endswith("\n"):
            edited[-1] += "\n"
        for edit in sorted(edits, key=lambda e: (e.line, e.column or 0), reverse=True):
            if edit.insert is not None:
                edited.insert(edit.line, edit.insert.replace("\n", newline))
            else:
                source = edited[edit.line]
                edited[edit.line] = (
                    source[: edit.column] + (edit.replacement or "") + source[edit.end_column :]
                )
        if edited and not original.endswith("\n") and edited[-1].endswith("\n"):
            edited[-1] = edited[-1][:-1]  # no final newline was there: none is added
        if _edit_means_the_rule(lines, edited, path, document, entra_block):
            return "".join(edited), "text edit"
    return _dump_enriched(original, path), "round-trip dump"


def _edit_means_the_rule(
    before: list[str], after: list[str], path: Path, document: CommentedMap, entra_block: Any
) -> bool:
    """Whether the edited lines parse to exactly what the rule makes of the original.

    The edited text is read by the same parser as the original (one resolver, so YAML
    1.1/1.2 differences cannot creep in). When the ``providers:`` block can be cut out
    cleanly, only that block is re-read: on a file with thousands of models it is a small
    part, and the lines around it are checked to be unchanged.
    """
    section = _providers_section(before, after, document)
    if section is not None:
        meaning = _means(section, path)
        if meaning is not _Unparseable:  # e.g. an alias to an anchor above the block
            return bool(meaning == enrich_plain({"providers": document["providers"]}, entra_block))
    return bool(_means("".join(after), path) == enrich_plain(document, entra_block))


def _providers_section(before: list[str], after: list[str], document: CommentedMap) -> str | None:
    """The edited top-level ``providers:`` block on its own, or None if not separable.

    It is separable when the top level is a block mapping whose ``providers`` key and next
    key both start a line at column 0: a key there closes every block above it, so the lines
    between them read the same alone as in the file. Every edit lies inside ``providers``.
    """
    if document.fa.flow_style() or "providers" not in document:
        return None
    keys = list(document)
    index = keys.index("providers")
    try:
        start, column = document.lc.key("providers")
        following = document.lc.key(keys[index + 1]) if index + 1 < len(keys) else None
    except (KeyError, TypeError, AttributeError):
        return None
    if column != 0 or (following is not None and following[1] != 0):
        return None
    end = following[0] if following is not None else len(before)
    added = len(after) - len(before)
    unchanged = before[:start] == after[:start] and before[end:] == after[end + added :]
    return "".join(after[start : end + added]) if unchanged else None


def _means(text: str, path: Path) -> Any:
    try:
        return to_plain(parse_yaml_text(text, path))
    except Exception:  # any parse failure means the edit was wrong: use the fallback
        return _Unparseable


class _Unparseable:
    pass


def _dump_enriched(original: str, path: Path) -> str:
    document = parse_yaml_text(original, path, comments=True)
    for provider in _azure_entries(document):
        if azure_action(provider) == "create":
            provider["config"] = CommentedMap()
        config = provider.get("config")
        if isinstance(config, dict):
            config[FLAG] = False
    yaml = round_trip_yaml()
    sequence_offset = _guess_sequence_indent(document)
    yaml.indent(mapping=2, sequence=sequence_offset + 2, offset=sequence_offset)
    buffer = io.StringIO()
    yaml.dump(document, buffer)
    return buffer.getvalue()


def _guess_sequence_indent(document: CommentedMap) -> int:
    """How far the file indents '- ' past its parent key (0 or 2 in practice)."""
    for value in document.values():
        if not isinstance(value, CommentedMap):
            continue
        for key, child in value.items():
            if isinstance(child, CommentedSeq) and len(child):
                try:
                    dash_column = int(child.lc.item(0)[1]) - 2
                    return max(dash_column - int(value.lc.key(key)[1]), 0)
                except (AttributeError, TypeError, KeyError, IndexError):
                    return 2
    return 2
