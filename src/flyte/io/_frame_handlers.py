"""Dataframe handlers of your own: how a frame type is written to and read from storage.

flyte stores pandas, pyarrow and polars frames itself (see :mod:`flyte.io._frames`). For any
other frame type, or another storage format, subclass :class:`DataFrameEncoder` and
:class:`DataFrameDecoder` and register them with
:meth:`DataFrameTransformerEngine.register <flyte.io.extend.DataFrameTransformerEngine.register>`.
Handlers are kept here by frame type, storage protocol (``"s3"``, ``"file"``..., or any) and
format. This module imports no frame library.

The values handlers exchange mirror the Flyte SDK's: :class:`StructuredDataset` (where a table
is and its metadata), :class:`StructuredDatasetMetadata`, :class:`StructuredDatasetType` (format
and columns) and :class:`DatasetColumn`.
"""

from __future__ import annotations

import abc
import threading
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar, Union

from flyte._internal.store.blob import is_local

if TYPE_CHECKING:
    from flyte.io._dataframe import DataFrame

T = TypeVar("T")
#: The format of a handler working with any format.
GENERIC_FORMAT = ""
#: The protocol key of handlers registered for every storage protocol.
ANY_PROTOCOL = "fsspec"


@dataclass
class DatasetColumn:
    """One declared column of a table: its name and Python type."""

    name: str
    python_type: Any = None


@dataclass
class StructuredDatasetType:
    """What is known of a table's shape: its storage format and declared columns (may be none)."""

    columns: list[DatasetColumn] = field(default_factory=list)
    format: str = GENERIC_FORMAT


@dataclass
class StructuredDatasetMetadata:
    """The metadata travelling with a stored table."""

    structured_dataset_type: StructuredDatasetType = field(default_factory=StructuredDatasetType)


@dataclass
class StructuredDataset:
    """A stored table, as encoders return it and decoders receive it: its URI and metadata."""

    uri: str
    metadata: StructuredDatasetMetadata = field(default_factory=StructuredDatasetMetadata)


class DuplicateHandlerError(ValueError):
    """A handler for the same frame type, protocol and format is registered already."""


def _protocol_name(protocol: str | None) -> str | None:
    return protocol.replace("://", "") if protocol else None


class _Handler(Generic[T]):
    """What encoders and decoders share: the frame type, protocol and format they handle."""

    def __init__(
        self,
        python_type: type[T],
        protocol: str | None = None,
        supported_format: str | None = None,
        additional_protocols: list[str] | None = None,
    ) -> None:
        self._python_type = python_type
        self._protocol = _protocol_name(protocol)
        self._supported_format = supported_format or GENERIC_FORMAT
        self._additional_protocols = [p for p in map(_protocol_name, additional_protocols or []) if p]

    @property
    def python_type(self) -> type[T]:
        """The frame type handled."""
        return self._python_type

    @property
    def protocol(self) -> str | None:
        """The storage protocol handled (``"s3"``, ``"file"`` ...), or None for every protocol."""
        return self._protocol

    @property
    def supported_format(self) -> str:
        """The storage format handled; empty for any format."""
        return self._supported_format

    @property
    def additional_protocols(self) -> list[str]:
        """More protocols the handler is registered for, besides :attr:`protocol`."""
        return list(self._additional_protocols)


class DataFrameEncoder(_Handler[T], abc.ABC):
    """Writes frames of ``python_type`` to storage; implement :meth:`encode` and register it.

    ``protocol`` (``"s3"`` or ``"s3://"``) limits it to one storage protocol (None: any);
    ``supported_format`` is the format written (empty: any format asked for).
    """

    @abc.abstractmethod
    async def encode(self, dataframe: DataFrame, structured_dataset_type: StructuredDatasetType) -> StructuredDataset:
        """Stores ``dataframe.val`` and returns where it went.

        ``dataframe.uri`` is where to write (a fresh location under the run's raw-data prefix
        unless the user chose one); ``structured_dataset_type`` carries the format and columns
        asked for. Return ``StructuredDataset(uri=..., metadata=StructuredDatasetMetadata(
        structured_dataset_type))``.
        """


class DataFrameDecoder(_Handler[T], abc.ABC):
    """Reads frames of ``python_type`` from storage; implement :meth:`decode` and register it."""

    @abc.abstractmethod
    async def decode(
        self, flyte_value: StructuredDataset, current_task_metadata: StructuredDatasetMetadata
    ) -> T | AsyncIterator[T]:
        """The frame stored at ``flyte_value.uri``, or an async iterator of frames (batches).

        ``current_task_metadata`` holds the columns the reading side declared, if any: a decoder
        may read just those.
        """


Handler = Union[DataFrameEncoder[Any], DataFrameDecoder[Any]]
#: Handlers by frame type, protocol and format.
HandlerTable = dict[Any, dict[str, dict[str, Any]]]

_lock = threading.RLock()
ENCODERS: HandlerTable = {}
DECODERS: HandlerTable = {}
DEFAULT_FORMATS: dict[Any, str] = {}
DEFAULT_PROTOCOLS: dict[Any, str] = {}
RENDERERS: dict[Any, Any] = {}
#: Called with each newly registered frame type (the type engine hooks in here).
on_new_type: list[Callable[[Any], None]] = []


def protocol_of(uri: str) -> str:
    """The storage protocol of ``uri``: ``"file"`` for local paths, else its scheme."""
    return "file" if is_local(uri) else uri.partition("://")[0]


def add(
    handler: Handler,
    protocol: str,
    *,
    default_for_type: bool = False,
    override: bool = False,
    default_format_for_type: bool = False,
    default_storage_for_type: bool = False,
) -> None:
    """Registers ``handler`` under ``protocol`` (see ``DataFrameTransformerEngine.register``)."""
    if isinstance(handler, DataFrameEncoder):
        table = ENCODERS
    elif isinstance(handler, DataFrameDecoder):
        table = DECODERS
    else:
        raise TypeError(f"expected a DataFrameEncoder or DataFrameDecoder, got {type(handler).__name__}")
    protocol = "file" if protocol == "/" else protocol
    tp, fmt = handler.python_type, handler.supported_format
    with _lock:
        new_type = tp not in ENCODERS and tp not in DECODERS
        formats = table.setdefault(tp, {}).setdefault(protocol, {})
        if fmt in formats and not override:
            raise DuplicateHandlerError(f"a handler for {tp!r}, protocol '{protocol}', format '{fmt}' exists already")
        formats[fmt] = handler
        as_default = default_format_for_type or default_for_type
        if as_default and fmt != GENERIC_FORMAT and (override or tp not in DEFAULT_FORMATS):
            DEFAULT_FORMATS[tp] = fmt
        if (default_storage_for_type or default_for_type) and (override or tp not in DEFAULT_PROTOCOLS):
            DEFAULT_PROTOCOLS[tp] = protocol
    if new_type:
        for hook in on_new_type:
            hook(tp)


def registered_formats() -> set[str]:
    """Every format some registered handler reads or writes."""
    with _lock:
        return {
            fmt for table in (ENCODERS, DECODERS) for by_proto in table.values() for f in by_proto.values() for fmt in f
        }


def handles(tp: Any) -> bool:
    """Whether a handler is registered for the frame type ``tp`` (or a base class of it)."""
    return _entry(ENCODERS, tp) is not None or _entry(DECODERS, tp) is not None


def _entry(table: HandlerTable, tp: Any) -> dict[str, dict[str, Any]] | None:
    for klass in getattr(tp, "__mro__", (tp,)):
        found = table.get(klass)
        if found:
            return found
    return None


def find(table: HandlerTable, tp: Any, protocol: str, fmt: str, strict: bool = False) -> Any | None:
    """The handler for frame type ``tp``, ``protocol`` and format ``fmt``, or None.

    Tried in order: the protocol's handler of the format, one for any protocol, then a handler
    of any format (protocol first); unless ``strict``, then the type's default format, then its
    only handler.
    """
    by_proto = _entry(table, tp)
    if by_proto is None:
        return None
    for f in (fmt, GENERIC_FORMAT):
        for proto in (protocol, ANY_PROTOCOL):
            handler = by_proto.get(proto, {}).get(f)
            if handler is not None:
                return handler
    if strict:
        return None
    default = DEFAULT_FORMATS.get(tp)
    if default is not None and default != fmt:
        return find(table, tp, protocol, default)
    candidates = [h for p in (protocol, ANY_PROTOCOL) for h in by_proto.get(p, {}).values()]
    return candidates[0] if len(candidates) == 1 else None
