"""flyte.io.DataFrame: a table passed between tasks by reference, stored as parquet (or csv).

A DataFrame is a URI and a format, or a frame not yet stored (:meth:`DataFrame.wrap_df`). Its
literal is ``{"uri", "format", "hash"}``; a task that takes one reads nothing until it asks, with
``df.open(pd.DataFrame).all()`` for the whole table or ``df.open(pd.DataFrame).iter()`` for
batches. pandas, pyarrow and polars frames are read and written; pyarrow does the I/O.

Importing this module loads none of those libraries: they load when a frame is first stored or
read (by then the user's code has imported its library).
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
from collections.abc import Callable, Generator, Iterator, Mapping
from types import ModuleType
from typing import Any

from flyte._internal.serde import TypeEngine, TypeTransformer, TypeTransformerFailedError
from flyte._internal.serde._base import describe, mismatch
from flyte._internal.serde._cache_form import in_cache_form
from flyte.io._dual import dual

PARQUET = "parquet"
CSV = "csv"
#: The formats a DataFrame can be stored in.
FORMATS = (PARQUET, CSV)
#: Rows per batch of :meth:`DataFrame.iter` unless asked otherwise: pyarrow's own default.
DEFAULT_BATCH_ROWS = 65536
#: The libraries whose frames a DataFrame holds, by top-level module name.
FRAME_LIBRARIES = ("pandas", "polars", "pyarrow")
_END = object()


def check_format(fmt: str, uri: str | None = None) -> str:
    """Returns ``fmt`` if it is a supported format; ValueError naming it (and the URI) if not."""
    if fmt not in FORMATS:
        where = f" for '{uri}'" if uri else ""
        raise ValueError(f"unsupported dataframe format '{fmt}'{where}; use one of: {', '.join(FORMATS)}")
    return fmt


def parse_literal(literal: Any) -> tuple[str, str]:
    """The URI and format of a dataframe literal; TypeTransformerFailedError if it is none."""
    uri = literal.get("uri") if isinstance(literal, Mapping) else None
    if not isinstance(uri, str) or not uri:
        raise TypeTransformerFailedError(f"expected a dataframe literal {{'uri', 'format'}}, got {describe(literal)}")
    try:
        return uri, check_format(literal.get("format") or PARQUET, uri)
    except ValueError as e:
        raise TypeTransformerFailedError(str(e)) from None


def _is_frame(value: Any) -> bool:
    return type(value).__module__.partition(".")[0] in FRAME_LIBRARIES


def _frames() -> ModuleType:
    # By name, and only when a frame is stored or read: it imports pyarrow.
    try:
        return importlib.import_module("flyte.io._frames")
    except ModuleNotFoundError as e:
        if e.name != "pyarrow":
            raise
        raise ImportError("flyte reads and writes data frames with pyarrow: pip install pyarrow") from e


class DataFrame:
    """A table stored as parquet (or csv) under a URI, or a frame to store when it is passed on.

    Build one with :meth:`from_df` (or :meth:`wrap_df`) from a pandas, pyarrow or polars frame,
    or with :meth:`from_existing_remote` for data already stored. Read it with
    ``df.open(pd.DataFrame).all()``; in async code, ``await`` it. Tasks may also take and
    return plain frames (``-> pd.DataFrame``); flyte stores them the same way.
    """

    __slots__ = ("_type", "_val", "format", "hash", "uri")

    def __init__(self, uri: str | None = None, format: str | None = PARQUET, hash: str | None = None) -> None:
        #: Where the table is stored: a local path or a store URI; None for a frame not yet stored.
        self.uri: str | None = uri
        #: ``"parquet"`` or ``"csv"``; an empty or None format (the SDK's "generic") is parquet.
        self.format: str = check_format(format or PARQUET, uri)
        #: A digest of the stored frame when flyte stored it; cache keys use it instead of the URI.
        self.hash: str | None = hash
        self._val: Any = None
        self._type: type[Any] | None = None

    @classmethod
    def wrap_df(cls, val: Any, uri: str | None = None, format: str | None = PARQUET) -> DataFrame:
        """A DataFrame of the frame ``val``, stored when the task passes it on or returns it.

        ``uri`` says where to store it: a store URI, an absolute path, or a path relative to the
        run's raw-data prefix; by default a new object under that prefix.
        """
        if not _is_frame(val) or _frames().kind_of(val) is None:
            raise TypeError(f"DataFrame.wrap_df expects a pandas, pyarrow or polars frame, got {describe(val)}")
        df = cls(uri, format)
        df._val = val
        return df

    @classmethod
    def from_df(cls, val: Any, uri: str | None = None, format: str | None = PARQUET) -> DataFrame:
        """The same as :meth:`wrap_df`."""
        return cls.wrap_df(val, uri, format)

    @classmethod
    def from_existing_remote(cls, remote_path: str, format: str | None = PARQUET) -> DataFrame:
        """A DataFrame of a table already stored at ``remote_path`` (an object or a folder of parts)."""
        if not isinstance(remote_path, str) or not remote_path:
            raise TypeError(f"DataFrame.from_existing_remote expects a URI, got {describe(remote_path)}")
        return cls(remote_path, format)

    @property
    def val(self) -> Any:
        """The wrapped frame, or None for a stored table."""
        return self._val

    def open(self, dataframe_type: type[Any]) -> DataFrame:
        """Chooses the frame type :meth:`all` and :meth:`iter` give (``pd.DataFrame``,
        ``pa.Table``, ``pl.DataFrame``) and returns this DataFrame."""
        _frames().kind_of_type(dataframe_type)
        self._type = dataframe_type
        return self

    @dual
    def all(self) -> Any:
        """The whole table as the type given to :meth:`open`; awaitable in async code."""
        frames = _frames()
        kind = frames.kind_of_type(self._opened())
        if self._val is not None:
            source = frames.kind_of(self._val)
            if source is kind:
                return self._val
            return kind.from_arrow(source.table(self._val, PARQUET))
        return frames.load_frame(self._stored_uri(), self.format, kind)

    all_sync = all.blocking

    def iter(self, batch_size: int | None = None) -> FrameBatches:
        """The table in batches of at most ``batch_size`` rows (65536 by default), as the type
        given to :meth:`open`, read one at a time: ``for b in df.iter()`` or ``async for``."""
        frames = _frames()
        kind = frames.kind_of_type(self._opened())
        size = batch_size or DEFAULT_BATCH_ROWS
        if self._val is not None:
            table = frames.kind_of(self._val).table(self._val, PARQUET)
            return FrameBatches(lambda: (kind.from_arrow(t) for t in _slices(table, size)))
        uri = self._stored_uri()
        return FrameBatches(lambda: frames.iter_frames(uri, self.format, kind, size))

    def to_literal(self) -> dict[str, Any]:
        """``{"uri", "format", "hash"}``, storing the wrapped frame first if there is one.

        For a cache key, a frame not stored yet or a table with a known hash gives
        ``{"hash", "format"}``: equal data from another run is the same input.
        """
        if self._val is not None:
            frames = _frames()
            kind = frames.kind_of(self._val)
            if in_cache_form() and self.uri is None:
                digest_form: dict[str, Any] = frames.cache_form(self._val, kind, self.format)
                return digest_form
            literal: dict[str, Any] = frames.store_frame(self._val, kind, self.format, self.uri)
            return literal
        if in_cache_form() and self.hash is not None:
            return {"hash": self.hash, "format": self.format}
        return {"uri": self._stored_uri(), "format": self.format, "hash": self.hash}

    @classmethod
    def from_literal(cls, literal: Any) -> DataFrame:
        """The DataFrame a literal made by :meth:`to_literal` refers to."""
        uri, fmt = parse_literal(literal)
        digest = literal.get("hash")
        return cls(uri, fmt, digest if isinstance(digest, str) else None)

    def _opened(self) -> type[Any]:
        if self._type is None:
            raise ValueError("choose the frame type to read first: df.open(pd.DataFrame).all()")
        return self._type

    def _stored_uri(self) -> str:
        if self.uri is None:
            raise ValueError("this DataFrame has neither a URI nor a frame")
        return self.uri

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, DataFrame):
            return NotImplemented
        return (self.uri, self.format) == (other.uri, other.format) and self._val is other._val

    def __hash__(self) -> int:
        return hash((self.uri, self.format, id(self._val)))

    def __repr__(self) -> str:
        frame = f", val={type(self._val).__qualname__}" if self._val is not None else ""
        return f"DataFrame(uri={self.uri!r}, format={self.format!r}{frame})"

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        """Lets pydantic models have DataFrame fields, validated from a DataFrame or its
        literal and dumped as the literal. Only called once pydantic is in use."""
        from pydantic_core import core_schema

        def validate(value: Any) -> DataFrame:
            return value if isinstance(value, DataFrame) else cls.from_literal(value)

        return core_schema.no_info_plain_validator_function(
            validate,
            serialization=core_schema.plain_serializer_function_ser_schema(lambda df: df.to_literal()),
        )


class FrameBatches:
    """Batches of a table, read as they are asked for: iterate with ``for`` or ``async for``.

    ``await df.iter()`` gives the same object, as the Flyte SDK's async ``iter`` does.
    """

    def __init__(self, make: Callable[[], Iterator[Any]]) -> None:
        self._make = make
        self._batches: Iterator[Any] | None = None

    def _iterator(self) -> Iterator[Any]:
        if self._batches is None:
            self._batches = self._make()
        return self._batches

    def __iter__(self) -> Iterator[Any]:
        return self

    def __next__(self) -> Any:
        return next(self._iterator())

    def __aiter__(self) -> FrameBatches:
        return self

    async def __anext__(self) -> Any:
        # Reading a batch blocks; a worker thread keeps the event loop free meanwhile.
        batch = await asyncio.to_thread(next, self._iterator(), _END)
        if batch is _END:
            raise StopAsyncIteration
        return batch

    def __await__(self) -> Generator[Any, None, FrameBatches]:
        return self._itself().__await__()

    async def _itself(self) -> FrameBatches:
        return self

    def close(self) -> None:
        """Stops reading and releases the open file, if any."""
        batches = self._batches
        if inspect.isgenerator(batches):
            batches.close()


def _slices(table: Any, size: int) -> Iterator[Any]:
    for start in range(0, table.num_rows, size):
        yield table.slice(start, size)


class DataFrameTransformer(TypeTransformer[DataFrame]):
    """flyte.io.DataFrame in the type engine: the literal is ``{"uri", "format", "hash"}``.

    A plain frame given where a DataFrame is expected is stored as parquet.
    """

    def __init__(self) -> None:
        super().__init__("DataFrame", DataFrame)

    def to_literal(self, value: DataFrame) -> Any:
        """The DataFrame's literal, storing its frame first if it wraps one."""
        if isinstance(value, DataFrame):
            return value.to_literal()
        if _is_frame(value):
            return DataFrame.wrap_df(value).to_literal()
        if inspect.iscoroutine(value):
            value.close()  # it will never run; closing it silences the "never awaited" warning
            raise TypeTransformerFailedError("expected DataFrame, got an un-awaited coroutine: await the call")
        raise mismatch("DataFrame", value)

    def to_python_value(self, literal: Any) -> DataFrame:
        """A DataFrame referring to the stored table; nothing is read."""
        return DataFrame.from_literal(literal)


TypeEngine.register(DataFrameTransformer())
