"""flyte.io.DataFrame: a table passed between tasks by reference, stored as parquet (or csv).

A DataFrame is a URI and a format, or a frame not yet stored (:meth:`DataFrame.wrap_df`). Its
literal is ``{"uri", "format", "hash"}``; a task that takes one reads nothing until it asks, with
``df.open(pd.DataFrame).all()`` for the whole table or ``df.open(pd.DataFrame).iter()`` for
batches. pandas, pyarrow and polars frames are read and written; pyarrow does the I/O.

Importing this module loads none of those libraries: they load when a frame is first stored or
read (by then the user's code has imported its library).
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable, Coroutine, Mapping
from types import ModuleType
from typing import Any

from flyte._internal.serde import TypeEngine, TypeTransformer, TypeTransformerFailedError
from flyte._internal.serde._base import describe, mismatch
from flyte._internal.serde._cache_form import in_cache_form
from flyte._syncify import run_sync
from flyte.io import _frame_handlers as handlers
from flyte.io._dual import dual, dual_classmethod
from flyte.io._frame_batches import FrameBatches, slices
from flyte.io._frame_handlers import DatasetColumn, StructuredDataset, StructuredDatasetMetadata, StructuredDatasetType
from flyte.io._hashing import HashSpec, resolve
from flyte.io._model_api import Field, ModelAPI, _class_or_instance

PARQUET = "parquet"
CSV = "csv"
#: The formats a DataFrame can be stored in.
FORMATS = (PARQUET, CSV)
#: Rows per batch of :meth:`DataFrame.iter` unless asked otherwise: pyarrow's own default.
DEFAULT_BATCH_ROWS = 65536
#: The libraries whose frames a DataFrame holds, by top-level module name.
FRAME_LIBRARIES = ("pandas", "polars", "pyarrow")


def check_format(fmt: str, uri: str | None = None) -> str:
    """Returns ``fmt`` if it is a supported format (built in, or a registered handler's);
    ValueError naming it (and the URI) if not."""
    if fmt not in FORMATS and fmt not in handlers.registered_formats():
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
    return _is_frame_type(type(value))


def _is_frame_type(tp: Any) -> bool:
    return (getattr(tp, "__module__", None) or "").partition(".")[0] in FRAME_LIBRARIES


def _frames() -> ModuleType:
    # By name, and only when a frame is stored or read: it imports pyarrow.
    try:
        return importlib.import_module("flyte.io._frames")
    except ModuleNotFoundError as e:
        if e.name != "pyarrow":
            raise
        raise ImportError("flyte reads and writes data frames with pyarrow: pip install pyarrow") from e


class DataFrame(ModelAPI):
    """A table stored as parquet (or csv) under a URI, or a frame to store when it is passed on.

    Build one with :meth:`wrap_df` (or :meth:`from_local`) from a pandas, pyarrow or polars
    frame, or from any frame type with registered handlers (:mod:`flyte.io.extend`); or with
    :meth:`from_existing_remote` for data already stored. Read it with
    ``df.open(pd.DataFrame).all()``; in async code, ``await`` it. Tasks may also take and
    return plain frames (``-> pd.DataFrame``); flyte stores them the same way.
    """

    __slots__ = ("_lazy_uploader", "_literal", "_metadata", "_type", "_val", "format", "hash", "uri")

    model_field_table = (Field("uri", "string"), Field("format", "string", default=PARQUET), Field("hash", "string"))
    model_schema_extra = {
        "description": "A tabular data reference backed by a remote file.",
        "x-flyte-type": "dataframe",
    }

    def __init__(self, uri: str | None = None, format: str | None = PARQUET, hash: str | None = None) -> None:
        #: Where the table is stored: a local path or a store URI; None for a frame not yet stored.
        self.uri: str | None = uri
        #: ``"parquet"`` or ``"csv"`` (or a registered handler's format); empty or None is parquet.
        self.format: str = check_format(format or PARQUET, uri)
        #: A digest of the stored frame (or the hash given to :meth:`from_local`); cache keys use
        #: it instead of the URI.
        self.hash: str | None = hash
        self._val: Any = None
        self._type: type[Any] | None = None
        self._metadata: StructuredDatasetMetadata | None = None
        self._literal: StructuredDataset | None = None
        self._lazy_uploader: Callable[[], Coroutine[Any, Any, Any]] | None = None

    @classmethod
    def wrap_df(cls, val: Any, uri: str | None = None, format: str | None = PARQUET) -> DataFrame:
        """A DataFrame of the frame ``val``, stored when the task passes it on or returns it.

        ``uri`` says where to store it: a store URI, an absolute path, or a path relative to the
        run's raw-data prefix; by default a new object under that prefix.
        """
        builtin = _is_frame(val) and _frames().kind_of(val) is not None
        if not builtin and not handlers.handles(type(val)):
            raise TypeError(f"DataFrame.wrap_df expects a pandas, pyarrow or polars frame, got {describe(val)}")
        df = cls(uri, format)
        df._val = val
        return df

    @classmethod
    def from_df(cls, val: Any, uri: str | None = None, format: str | None = PARQUET) -> DataFrame:
        """The same as :meth:`wrap_df`."""
        return cls.wrap_df(val, uri, format)

    @dual_classmethod
    def from_local(
        cls: type[DataFrame],
        df: Any,
        columns: Mapping[str, type[Any]] | None = None,
        remote_destination: str | None = None,
        hash_method: HashSpec = None,
    ) -> DataFrame:
        """A DataFrame of the local frame ``df``, stored when passed on (as :meth:`wrap_df`).

        ``columns`` (name -> type) is kept as :attr:`metadata` and given by :meth:`columns`;
        ``remote_destination`` is where to store it. ``hash_method`` is the hash itself (a str)
        or a method run over the frame (``HashFunction.from_fn(fn)`` calls ``fn(df)``); cache
        keys then use that hash instead of the stored data.
        """
        precomputed, method = resolve(hash_method)
        if method is not None:
            method.update(df)
            precomputed = method.result()
        fdf = cls.wrap_df(df, uri=remote_destination)
        fdf.hash = precomputed
        cols = [DatasetColumn(name, tp) for name, tp in (columns or {}).items()]
        fdf._metadata = StructuredDatasetMetadata(StructuredDatasetType(cols, fdf.format))
        return fdf

    from_local_sync = from_local.blocking

    @classmethod
    def from_existing_remote(cls, remote_path: str, format: str | None = PARQUET, **kwargs: Any) -> DataFrame:
        """A DataFrame of a table already stored at ``remote_path`` (an object or a folder of parts);
        ``hash=`` may be given as a keyword."""
        if not isinstance(remote_path, str) or not remote_path:
            raise TypeError(f"DataFrame.from_existing_remote expects a URI, got {describe(remote_path)}")
        return cls(remote_path, format, kwargs.get("hash"))

    @property
    def val(self) -> Any:
        """The wrapped frame, or None for a stored table."""
        return self._val

    @property
    def metadata(self) -> StructuredDatasetMetadata | None:
        """The format and declared columns, when known (from :meth:`from_local` or storing)."""
        return self._metadata

    @property
    def literal(self) -> StructuredDataset | None:
        """Where the table is stored and its metadata, once :meth:`set_literal` has stored it."""
        return self._literal

    @property
    def lazy_uploader(self) -> Callable[[], Coroutine[Any, Any, Any]] | None:
        """A coroutine function run when the DataFrame is first passed to a task: it returns the
        DataFrame (or frame) to store in its place. None unless set."""
        return self._lazy_uploader

    @lazy_uploader.setter
    def lazy_uploader(self, uploader: Callable[[], Coroutine[Any, Any, Any]] | None) -> None:
        self._lazy_uploader = uploader

    @_class_or_instance
    def columns(target: DataFrame | type[DataFrame]) -> dict[str, type[Any]]:
        """The declared columns, name -> type: on a DataFrame those given to :meth:`from_local`,
        on the class (as in the Flyte SDK) none."""
        return _declared_columns(target)

    @_class_or_instance
    def column_names(target: DataFrame | type[DataFrame]) -> list[str]:
        """The names of the declared columns."""
        return list(_declared_columns(target))

    @dual
    def set_literal(self, expected: Any = None) -> None:
        """Stores the wrapped frame now (if any) and records :attr:`literal`; ``expected`` is ignored."""
        lit = self.to_literal()
        meta = self._metadata or StructuredDatasetMetadata(StructuredDatasetType(format=lit["format"]))
        self._metadata = meta
        self._literal = StructuredDataset(lit["uri"], meta)

    def open(self, dataframe_type: type[Any]) -> DataFrame:
        """Chooses the frame type :meth:`all` and :meth:`iter` give (``pd.DataFrame``,
        ``pa.Table``, ``pl.DataFrame``, or a type with registered handlers) and returns this DataFrame."""
        if not handlers.handles(dataframe_type):
            _frames().kind_of_type(dataframe_type)
        self._type = dataframe_type
        return self

    def _by_handler(self, tp: type[Any]) -> bool:
        # flyte reads its own frame types in its own formats, unless a handler names that format.
        if self.format not in FORMATS or not _is_frame_type(tp):
            return True
        uri = self._stored_uri()
        return handlers.find(handlers.DECODERS, tp, handlers.protocol_of(uri), self.format, strict=True) is not None

    @dual
    def all(self) -> Any:
        """The whole table as the type given to :meth:`open`; awaitable in async code."""
        tp = self._opened()
        if self._val is not None and isinstance(self._val, tp):
            return self._val
        if self._val is None and self._by_handler(tp):
            return _ext().decode(self, tp)
        frames = _frames()
        kind = frames.kind_of_type(tp)
        if self._val is not None:
            source = frames.kind_of(self._val)
            if source is None:
                raise TypeError(f"cannot convert the wrapped {describe(self._val)} to {tp.__qualname__}")
            return kind.from_arrow(source.table(self._val, PARQUET))
        return frames.load_frame(self._stored_uri(), self.format, kind)

    all_sync = all.blocking

    def iter(self, batch_size: int | None = None) -> FrameBatches:
        """The table in batches of at most ``batch_size`` rows (65536 by default), as the type
        given to :meth:`open`, read one at a time: ``for b in df.iter()`` or ``async for``."""
        tp = self._opened()
        if self._val is None and self._by_handler(tp):
            return FrameBatches(lambda: _ext().decode_batches(self, tp))
        frames = _frames()
        kind = frames.kind_of_type(tp)
        size = batch_size or DEFAULT_BATCH_ROWS
        if self._val is not None:
            table = frames.kind_of(self._val).table(self._val, PARQUET)
            return FrameBatches(lambda: (kind.from_arrow(t) for t in slices(table, size)))
        uri = self._stored_uri()
        return FrameBatches(lambda: frames.iter_frames(uri, self.format, kind, size))

    def to_literal(self) -> dict[str, Any]:
        """``{"uri", "format", "hash"}``, storing the wrapped frame first if there is one.

        For a cache key, a frame not stored yet or a table with a known hash gives
        ``{"hash", "format"}``: equal data from another run is the same input.
        """
        if in_cache_form() and self.hash is not None:
            return {"hash": self.hash, "format": self.format}
        if self._lazy_uploader is not None and not in_cache_form():
            replacement = run_sync(self._lazy_uploader())
            if not isinstance(replacement, DataFrame):
                replacement = DataFrame.wrap_df(replacement, self.uri, self.format)
            if replacement is not self:
                replacement.hash = self.hash or replacement.hash
                return replacement.to_literal()
        if self._val is not None:
            kind = _frames().kind_of(self._val) if _is_frame(self._val) else None
            if kind is None or self.format not in FORMATS:
                encoded: dict[str, Any] = _ext().encode(self)
                return encoded
            frames = _frames()
            if in_cache_form() and self.uri is None:
                digest_form: dict[str, Any] = frames.cache_form(self._val, kind, self.format)
                return digest_form
            literal: dict[str, Any] = frames.store_frame(self._val, kind, self.format, self.uri)
            if self.hash is not None:
                literal["hash"] = self.hash
            return literal
        return {"uri": self._stored_uri(), "format": self.format, "hash": self.hash}

    @classmethod
    def from_literal(cls, literal: Any) -> DataFrame:
        """The DataFrame a literal made by :meth:`to_literal` refers to."""
        uri, fmt = parse_literal(literal)
        digest = literal.get("hash")
        return cls(uri, fmt, digest if isinstance(digest, str) else None)

    # -- the pydantic model API (see flyte.io._model_api) -------------------------------------------

    def _model_dict(self) -> dict[str, Any]:
        lit = self.to_literal()
        return {"uri": lit["uri"], "format": lit["format"], "hash": lit.get("hash")}

    @classmethod
    def _from_model_dict(cls, data: Mapping[str, Any]) -> DataFrame:
        return cls(data.get("uri"), data.get("format"), data.get("hash"))

    def serialize_dataframe(self) -> dict[str, str | None]:
        """``{"uri", "format"}``, storing the wrapped frame first (the Flyte SDK's serializer)."""
        lit = self.to_literal()
        return {"uri": lit["uri"], "format": lit["format"]}

    def deserialize_dataframe(self, info: Any = None) -> DataFrame:
        """This DataFrame (the Flyte SDK's validator hook: references are read only when opened)."""
        return self

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


def _declared_columns(target: DataFrame | type[DataFrame]) -> dict[str, type[Any]]:
    meta = None if isinstance(target, type) else target._metadata
    if meta is None:
        return {}
    return {c.name: c.python_type for c in meta.structured_dataset_type.columns}


def _ext() -> ModuleType:
    return importlib.import_module("flyte.io._frame_ext")


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
        if _is_frame(value) or handlers.handles(type(value)):
            return DataFrame.wrap_df(value).to_literal()
        if inspect.iscoroutine(value):
            value.close()  # it will never run; closing it silences the "never awaited" warning
            raise TypeTransformerFailedError("expected DataFrame, got an un-awaited coroutine: await the call")
        raise mismatch("DataFrame", value)

    def to_python_value(self, literal: Any) -> DataFrame:
        """A DataFrame referring to the stored table; nothing is read."""
        return DataFrame.from_literal(literal)


TypeEngine.register(DataFrameTransformer())
