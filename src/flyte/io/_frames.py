"""pandas, pyarrow and polars frames as task inputs and outputs, stored as parquet.

The serde type engine loads this module the first time a task names a frame type (see
``TypeEngine.register_lazy_provider``), so ``import flyte`` never loads pyarrow.

Every frame a task hands over is written to the run's raw-data prefix, so the run keeps a real
parquet file for each. Within one process flyte skips work it can prove unnecessary (see
:class:`_Recent`): the reader of an object this process wrote gets the writer's frame converted
instead of reading the file (pandas frames are copied; pyarrow and polars frames share their
immutable buffers), and a frame equal to one already stored under the current prefix is not
stored again. Both are checked against a digest of the frame's bytes, so a frame changed
in place is written and read like any other.
"""

from __future__ import annotations

import functools
import os
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from flyte._internal.data import new_data_uri, raw_data_prefix
from flyte._internal.serde import TypeEngine, TypeTransformer
from flyte._internal.serde._base import mismatch, type_text
from flyte._internal.serde._cache_form import in_cache_form
from flyte._internal.store.blob import get_store, is_local, join
from flyte.io._dataframe import FORMATS, FRAME_LIBRARIES, PARQUET, DataFrame, parse_literal
from flyte.io._frame_io import batches, fingerprint, read, write


@dataclass(frozen=True)
class FrameKind:
    """One library's frame type and its conversions to and from an arrow table."""

    library: str
    frame_type: type[Any]
    #: ``(frame, keep_index)`` -> table; ``keep_index`` keeps a pandas index that is not a range.
    to_arrow: Callable[[Any, bool], pa.Table]
    from_arrow: Callable[[pa.Table], Any]

    def table(self, frame: Any, fmt: str) -> pa.Table:
        """The frame as an arrow table; ValueError naming the library when it does not convert."""
        try:
            # A csv file has no place for a pandas index; parquet keeps it for pandas readers.
            return self.to_arrow(frame, fmt == PARQUET)
        except (pa.ArrowException, TypeError, ValueError) as e:
            raise ValueError(f"cannot store this {self.library} frame as {fmt}: {e}") from e


def _pandas_kind() -> FrameKind:
    import pandas as pd

    def to_arrow(frame: Any, keep_index: bool) -> pa.Table:
        # preserve_index=None stores a range index as metadata only, and any other as a column.
        return pa.Table.from_pandas(frame, preserve_index=None if keep_index else False)

    return FrameKind("pandas", pd.DataFrame, to_arrow, lambda table: table.to_pandas())


def _polars_kind() -> FrameKind:
    import polars as pl

    return FrameKind("polars", pl.DataFrame, lambda frame, _: frame.to_arrow(), pl.from_arrow)


def _pyarrow_kind() -> FrameKind:
    return FrameKind("pyarrow", pa.Table, lambda frame, _: frame, lambda table: table)


_KINDS = {"pandas": _pandas_kind, "polars": _polars_kind, "pyarrow": _pyarrow_kind}


@functools.cache
def kind_for(library: str) -> FrameKind:
    """The frame kind of ``library`` (``"pandas"``, ``"polars"`` or ``"pyarrow"``)."""
    return _KINDS[library]()


def kind_of_type(tp: Any) -> FrameKind:
    """The kind whose frame type ``tp`` is; TypeError naming ``tp`` for any other type."""
    library = (getattr(tp, "__module__", None) or "").partition(".")[0]
    if library in FRAME_LIBRARIES and isinstance(tp, type) and issubclass(tp, kind_for(library).frame_type):
        return kind_for(library)
    raise TypeError(
        f"{type_text(tp)} is not a supported frame type: use pandas.DataFrame, pyarrow.Table or polars.DataFrame"
    )


def kind_of(value: Any) -> FrameKind | None:
    """The kind of a frame value, or None when ``value`` is no supported frame."""
    try:
        return kind_of_type(type(value))
    except TypeError:
        return None


class _Recent:
    """What this process stored lately, so that work it can prove redundant is skipped.

    ``sources`` maps an object it wrote to the frame written and that frame's digest; the
    frame is held weakly, so nothing is kept alive for this. ``objects`` maps a digest to the
    object holding those bytes. Both are small and drop their oldest entries.
    """

    def __init__(self, size: int = 256) -> None:
        self._size = size
        self._lock = threading.Lock()
        self._sources: OrderedDict[str, tuple[weakref.ref[Any], FrameKind, str]] = OrderedDict()
        self._objects: OrderedDict[str, str] = OrderedDict()

    def wrote(self, uri: str, frame: Any, kind: FrameKind, digest: str) -> None:
        """Records that ``frame`` (digest ``digest``) was written to ``uri``."""
        with self._lock:
            _put(self._sources, uri, (weakref.ref(frame), kind, digest), self._size)
            _put(self._objects, digest, uri, self._size)

    def holds(self, uri: str, digest: str) -> None:
        """Records that the object at ``uri`` holds a frame of digest ``digest``."""
        with self._lock:
            _put(self._objects, digest, uri, self._size)

    def object_for(self, digest: str) -> str | None:
        """An object known to hold a frame of this digest."""
        with self._lock:
            return self._objects.get(digest)

    def source_of(self, uri: str) -> tuple[Any, FrameKind, str] | None:
        """The live frame written to ``uri``, its kind and its digest when written."""
        with self._lock:
            entry = self._sources.get(uri)
        if entry is None:
            return None
        frame = entry[0]()
        return None if frame is None else (frame, entry[1], entry[2])

    def clear(self) -> None:
        """Forgets everything (for tests that must see the files read)."""
        with self._lock:
            self._sources.clear()
            self._objects.clear()


def _put(entries: OrderedDict[str, Any], key: str, value: Any, size: int) -> None:
    entries[key] = value
    entries.move_to_end(key)
    if len(entries) > size:
        entries.popitem(last=False)


recent = _Recent()


def resolve_uri(uri: str) -> str:
    """Where a user's ``uri`` points: a relative path is taken under the raw-data prefix and may
    not leave it; store URIs and absolute paths are used as they are."""
    if not is_local(uri) or uri.startswith("file:") or os.path.isabs(uri):
        return uri
    prefix = raw_data_prefix()
    try:
        return join(prefix, uri)
    except ValueError:
        raise ValueError(f"dataframe uri '{uri}' points outside the raw-data prefix '{prefix}'") from None


def store_frame(frame: Any, kind: FrameKind, fmt: str = PARQUET, uri: str | None = None) -> dict[str, Any]:
    """Writes ``frame`` and returns its literal, ``{"uri", "format", "hash"}``.

    Without ``uri`` the frame goes to a new object under the raw-data prefix, unless this
    process already stored an equal frame there. A place the user chose is always written, and
    always read back from the file: someone else may write there too. ``hash`` is the frame's
    digest (None for a type not digested), which cache keys use instead of the URI.
    """
    table = kind.table(frame, fmt)
    digest = fingerprint(table, fmt)
    if uri is not None:
        target = resolve_uri(uri)
        write(table, target, fmt)
        return {"uri": target, "format": fmt, "hash": digest}
    known = recent.object_for(digest) if digest is not None else None
    if known is not None and _in_prefix(known) and get_store(known).exists(known):
        return {"uri": known, "format": fmt, "hash": digest}
    target = new_data_uri(f"data.{fmt}")
    write(table, target, fmt)
    if digest is not None:
        recent.wrote(target, frame, kind, digest)
    return {"uri": target, "format": fmt, "hash": digest}


def cache_form(frame: Any, kind: FrameKind, fmt: str = PARQUET) -> dict[str, Any]:
    """What a cache key sees of a frame: its digest, so that an equal frame built the same way
    in another run hits the cache; the stored literal when the frame has no digest."""
    digest = fingerprint(kind.table(frame, fmt), fmt)
    if digest is None:
        return store_frame(frame, kind, fmt)
    return {"hash": digest, "format": fmt}


def _in_prefix(uri: str) -> bool:
    # Only an object of the current prefix may stand for a new one: it lives as long as the data
    # of the run that will refer to it, and no user writes there.
    return uri.startswith(raw_data_prefix().rstrip("/") + "/")


def load_frame(uri: str, fmt: str, kind: FrameKind) -> Any:
    """The frame stored at ``uri``, as ``kind``."""
    if fmt == PARQUET:
        table = _unchanged_source(uri)
        if table is not None:
            return kind.from_arrow(table)
    result = kind.from_arrow(read(uri, fmt))
    if fmt == PARQUET and _in_prefix(uri):
        digest = fingerprint(kind.table(result, fmt), fmt)
        if digest is not None:
            recent.holds(uri, digest)
    return result


def _unchanged_source(uri: str) -> pa.Table | None:
    """The table of the frame this process wrote to ``uri``, if it has not changed since."""
    source = recent.source_of(uri)
    if source is None:
        return None
    frame, kind, digest = source
    try:
        table = kind.table(frame, PARQUET)
    except ValueError:  # changed in place into something parquet cannot hold
        return None
    return table if fingerprint(table, PARQUET) == digest else None


def concat(tables: list[pa.Table]) -> pa.Table:
    """One table of the rows of ``tables``, which share a schema."""
    return pa.concat_tables(tables)


def iter_frames(uri: str, fmt: str, kind: FrameKind, batch_size: int) -> Iterator[Any]:
    """The frame at ``uri`` as ``kind`` frames of at most ``batch_size`` rows, read as needed."""
    for batch in batches(uri, fmt, batch_size):
        yield kind.from_arrow(pa.Table.from_batches([batch]))


class FrameTransformer(TypeTransformer[Any]):
    """Stores a frame of one library as parquet under the raw-data prefix; reads it back.

    It also accepts a :class:`flyte.io.DataFrame`, so a reference can be passed to a task that
    takes a plain frame. The literal is ``{"uri", "format", "hash"}``, as for ``flyte.io.DataFrame``.
    """

    def __init__(self, kind: FrameKind) -> None:
        super().__init__(f"{kind.library}.{kind.frame_type.__qualname__}", kind.frame_type)
        self.kind = kind

    def to_literal(self, value: Any) -> Any:
        """Writes the frame and returns its literal (its digest, for a cache key)."""
        if isinstance(value, self.kind.frame_type):
            return cache_form(value, self.kind) if in_cache_form() else store_frame(value, self.kind)
        if isinstance(value, DataFrame):
            return value.to_literal()
        raise mismatch(f"{self.kind.library} {type_text(self.kind.frame_type)}", value)

    def to_python_value(self, literal: Any) -> Any:
        """Reads the frame the literal refers to (with a registered decoder for another format)."""
        uri, fmt = parse_literal(literal)
        if fmt not in FORMATS:
            return DataFrame.from_literal(literal).open(self.kind.frame_type).all.sync()
        return load_frame(uri, fmt, self.kind)

    def schema(self) -> str:
        """``frame:pandas.DataFrame``: the library is part of the task interface."""
        return f"frame:{self.name}"


def register(library: str) -> None:
    """Registers the transformer of ``library``'s frame type with the type engine."""
    TypeEngine.register(FrameTransformer(kind_for(library)))
