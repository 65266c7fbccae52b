"""Inputs and outputs made readable: decoded without the task's code and never unpickled.

Values come back as plain data (see :mod:`flyte.remote._values`) and are shown as indented text.
Files and directories are records with a ``path``, data frames records with a ``uri`` and a
``format``: each is listed as a link with a preview of its first rows. Only data inside the
source's data folders is ever read: a value naming any other file (``/etc/passwd``) is shown
as text and nothing more.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_PREVIEW_BYTES = 8192
_PREVIEW_LINES = 10
_PREVIEW_ROWS = 5
_MAX_TEXT = 20_000
_MAX_REFS = 20


@dataclass(frozen=True)
class Preview:
    """The first rows of a file or data frame: lines of text, or a table."""

    lines: list[str] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)


@dataclass(frozen=True)
class DataRef:
    """A file, directory or data frame named by a value."""

    index: int
    kind: str
    location: str
    readable: bool
    """Inside the source's data folders, so it can be previewed and downloaded."""
    preview: Preview | None = None


@dataclass(frozen=True)
class ValueView:
    """One named input or output."""

    name: str
    type_name: str
    text: str
    refs: list[DataRef] = field(default_factory=list)


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (bytes, bytearray)):
        return f"<{len(value)} bytes>"
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_plain(v) for v in value]
    return repr(value)


def found_refs(value: Any) -> list[tuple[str, str]]:
    """The (kind, location) of every file, directory and data frame inside a plain value."""
    found: list[tuple[str, str]] = []

    def walk(item: Any) -> None:
        if len(found) >= _MAX_REFS:
            return
        if isinstance(item, dict):
            if isinstance(item.get("path"), str):
                found.append(("file", item["path"]))
                return
            if isinstance(item.get("uri"), str) and "format" in item:
                found.append(("dataframe", item["uri"]))
                return
            for child in item.values():
                walk(child)
        elif isinstance(item, list):
            for child in item:
                walk(child)

    walk(value)
    return found


def local_path(location: str, roots: tuple[Path, ...]) -> Path | None:
    """The file of ``location`` when it is inside one of ``roots`` (after resolving links)."""
    text = location[len("file://") :] if location.startswith("file://") else location
    if "://" in text or not text.startswith("/"):
        return None
    target = Path(text).resolve()
    for root in roots:
        if target.is_relative_to(root.resolve()):
            return target
    return None


def _preview(kind: str, path: Path) -> Preview | None:
    try:
        if path.is_dir():
            return Preview(lines=sorted(p.name for p in path.iterdir())[:_PREVIEW_LINES])
        if kind == "dataframe" or path.suffix == ".parquet":
            return _frame_preview(path)
        with path.open("rb") as f:
            head = f.read(_PREVIEW_BYTES)
    except OSError:
        return None
    if b"\0" in head:
        return Preview(lines=[f"<binary, {path.stat().st_size} bytes>"])
    return Preview(lines=head.decode("utf-8", errors="replace").splitlines()[:_PREVIEW_LINES])


def _frame_preview(path: Path) -> Preview | None:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        return None
    target = path
    if path.is_dir():
        parts = sorted(path.glob("*.parquet"))
        if not parts:
            return None
        target = parts[0]
    try:
        parquet = pq.ParquetFile(str(target))
        table = next(parquet.iter_batches(batch_size=_PREVIEW_ROWS))
    except (OSError, StopIteration, ValueError):
        return None
    columns = [str(name) for name in table.schema.names]
    data = table.to_pylist()[:_PREVIEW_ROWS]
    return Preview(columns=columns, rows=[[str(row.get(c)) for c in columns] for row in data])


def view(name: str, value: Any, roots: tuple[Path, ...]) -> ValueView:
    """How one value is shown."""
    plain = _plain(value)
    text = plain if isinstance(plain, str) else json.dumps(plain, indent=2, ensure_ascii=False)
    if len(text) > _MAX_TEXT:
        text = text[:_MAX_TEXT] + f"\n… ({len(text) - _MAX_TEXT} more characters)"
    refs: list[DataRef] = []
    for kind, location in found_refs(plain):
        path = local_path(location, roots)
        preview = _preview(kind, path) if path is not None else None
        refs.append(DataRef(len(refs), kind, location, path is not None, preview))
    return ValueView(name, type(value).__name__, text, refs)


def decoded(payload: bytes | None, outputs: bool) -> dict[str, Any]:
    """The named values of a stored inputs or outputs payload."""
    from flyte.remote._values import decode_inputs, decode_outputs

    if outputs:
        return dict(decode_outputs(payload, unpickle=False).named_outputs)
    return decode_inputs(payload, unpickle=False)


def views(payload: bytes | None, outputs: bool, roots: tuple[Path, ...]) -> list[ValueView]:
    """Every named value of a payload, shown."""
    return [view(name, value, roots) for name, value in decoded(payload, outputs).items()]


def ref_location(payload: bytes | None, outputs: bool, name: str, index: int) -> str | None:
    """Where data ref ``index`` of value ``name`` lives, if there is one."""
    value = decoded(payload, outputs).get(name)
    refs = found_refs(_plain(value))
    return refs[index][1] if 0 <= index < len(refs) else None
