"""Registered dataframe handlers at work: encoding and decoding frames with them, and
:class:`DataFrameTransformerEngine`, the type-engine face of the handler registry.

A frame type with registered handlers becomes a task input and output type like pandas frames:
its literal is the same ``{"uri", "format", "hash"}``, so a ``flyte.io.DataFrame`` can carry it
and ``df.open(MyFrame).all()`` reads it back.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from typing import Any, ClassVar

from flyte._internal.data import new_data_uri
from flyte._internal.serde import TypeEngine, TypeTransformer, TypeTransformerFailedError
from flyte._internal.serde._base import mismatch, type_text
from flyte._syncify import run_sync
from flyte.io import _frame_handlers as handlers
from flyte.io._dataframe import FRAME_LIBRARIES, PARQUET, DataFrame
from flyte.io._frame_handlers import (
    DataFrameDecoder,
    DataFrameEncoder,
    StructuredDataset,
    StructuredDatasetMetadata,
    StructuredDatasetType,
)


def _metadata_of(df: DataFrame, fmt: str) -> StructuredDatasetMetadata:
    known = df.metadata
    columns = list(known.structured_dataset_type.columns) if known is not None else []
    return StructuredDatasetMetadata(StructuredDatasetType(columns=columns, format=fmt))


def encode(df: DataFrame) -> dict[str, Any]:
    """Stores the frame ``df`` wraps with its registered encoder; returns the literal."""
    value = df.val
    tp = type(value)
    target = df.uri
    if target is None:
        target = new_data_uri()
    else:
        from flyte.io._frames import resolve_uri

        target = resolve_uri(target)
    fmt = df.format
    encoder = handlers.find(handlers.ENCODERS, tp, handlers.protocol_of(target), fmt)
    if encoder is None:
        raise TypeTransformerFailedError(
            f"no DataFrameEncoder is registered for {type_text(tp)} (format '{fmt}', "
            f"protocol '{handlers.protocol_of(target)}')"
        )
    fmt = encoder.supported_format or fmt
    wrapper = DataFrame(target, fmt, df.hash)
    wrapper._val = value
    sdt = _metadata_of(df, fmt).structured_dataset_type
    stored = run_sync(_call(encoder.encode(wrapper, sdt)))
    if not isinstance(stored, StructuredDataset):
        raise TypeTransformerFailedError(
            f"{type(encoder).__name__}.encode must return a StructuredDataset, got {type(stored).__name__}"
        )
    written = stored.metadata.structured_dataset_type.format or fmt
    return {"uri": stored.uri, "format": written, "hash": df.hash}


def decode(df: DataFrame, tp: Any) -> Any:
    """The table ``df`` refers to, read as ``tp`` by its registered decoder.

    A decoder giving batches (an async iterator) has them joined into one frame for pandas,
    pyarrow and polars; for other types the list of batches is returned.
    """
    result = _decoded(df, tp)
    if not (inspect.isasyncgen(result) or hasattr(result, "__anext__")):
        return result
    batches = run_sync(_collect(result))
    if (getattr(tp, "__module__", None) or "").partition(".")[0] not in FRAME_LIBRARIES:
        return batches
    from flyte.io import _frames

    kind = _frames.kind_of_type(tp)
    return kind.from_arrow(_frames.concat([kind.table(b, PARQUET) for b in batches]))


def decode_batches(df: DataFrame, tp: Any) -> Iterator[Any]:
    """The table as ``tp`` frames: the decoder's batches, or its one frame."""
    result = _decoded(df, tp)
    if inspect.isasyncgen(result) or hasattr(result, "__anext__"):
        yield from run_sync(_collect(result))
    else:
        yield result


def _decoded(df: DataFrame, tp: Any) -> Any:
    uri = df.uri
    if uri is None:
        raise ValueError("this DataFrame has neither a URI nor a frame")
    decoder = handlers.find(handlers.DECODERS, tp, handlers.protocol_of(uri), df.format)
    if decoder is None:
        raise TypeError(
            f"no DataFrameDecoder is registered for {type_text(tp)} (format '{df.format}', "
            f"protocol '{handlers.protocol_of(uri)}')"
        )
    metadata = _metadata_of(df, df.format)
    return run_sync(_call(decoder.decode(StructuredDataset(uri, metadata), metadata)))


async def _call(result: Any) -> Any:
    return (await result) if inspect.isawaitable(result) else result


async def _collect(batches: Any) -> list[Any]:
    return [b async for b in batches]


class DataFrameTransformerEngine(TypeTransformer[Any]):
    """The type-engine transformer of frame types with registered handlers, and the registry's door.

    Register handlers with :meth:`register`; the frame type then works as a task input and
    output, and with ``flyte.io.DataFrame`` (``DataFrame.wrap_df(frame)``,
    ``df.open(FrameType).all()``).
    """

    ENCODERS: ClassVar[handlers.HandlerTable] = handlers.ENCODERS
    DECODERS: ClassVar[handlers.HandlerTable] = handlers.DECODERS
    DEFAULT_FORMATS: ClassVar[dict[Any, str]] = handlers.DEFAULT_FORMATS
    DEFAULT_PROTOCOLS: ClassVar[dict[Any, str]] = handlers.DEFAULT_PROTOCOLS
    Renderers: ClassVar[dict[Any, Any]] = handlers.RENDERERS

    def __init__(self, python_type: Any = None) -> None:
        tp = DataFrame if python_type is None else python_type
        super().__init__(type_text(tp), tp)

    @classmethod
    def register(
        cls,
        h: handlers.Handler,
        default_for_type: bool = False,
        override: bool = False,
        default_format_for_type: bool = False,
        default_storage_for_type: bool = False,
    ) -> None:
        """Registers an encoder or decoder, for its protocol and additional protocols (or for any).

        ``default_for_type`` makes its format and protocol the type's defaults;
        ``default_format_for_type`` / ``default_storage_for_type`` just one of them; ``override``
        replaces a handler registered for the same type, protocol and format (otherwise
        :class:`~flyte.io.extend.DuplicateHandlerError`).
        """
        if not isinstance(h, (DataFrameEncoder, DataFrameDecoder)):
            raise TypeError(f"expected a DataFrameEncoder or DataFrameDecoder, got {type(h).__name__}")
        if h.protocol is None:
            if default_for_type:
                raise ValueError(f"{type(h).__name__} handles every protocol: it cannot be the default for its type")
            protocols = [handlers.ANY_PROTOCOL]
        else:
            protocols = [h.protocol, *h.additional_protocols]
        for protocol in protocols:
            cls.register_for_protocol(
                h, protocol, default_for_type, override, default_format_for_type, default_storage_for_type
            )

    @classmethod
    def register_for_protocol(
        cls,
        h: handlers.Handler,
        protocol: str,
        default_for_type: bool,
        override: bool,
        default_format_for_type: bool,
        default_storage_for_type: bool,
    ) -> None:
        """Registers ``h`` for one protocol; see :meth:`register`."""
        handlers.add(
            h,
            protocol,
            default_for_type=default_for_type,
            override=override,
            default_format_for_type=default_format_for_type,
            default_storage_for_type=default_storage_for_type,
        )

    @classmethod
    def register_renderer(cls, python_type: Any, renderer: Any) -> None:
        """Keeps ``renderer`` for reports showing frames of ``python_type``."""
        handlers.RENDERERS[python_type] = renderer

    @classmethod
    def get_encoder(cls, df_type: Any, protocol: str, format: str) -> DataFrameEncoder[Any]:
        """The encoder for the type, protocol and format; ValueError when there is none."""
        found = handlers.find(handlers.ENCODERS, df_type, protocol.replace("://", ""), format)
        if found is None:
            raise ValueError(f"no encoder for {type_text(df_type)}, protocol [{protocol}], format ['{format}']")
        return found  # type: ignore[no-any-return]

    @classmethod
    def get_decoder(cls, df_type: Any, protocol: str, format: str) -> DataFrameDecoder[Any]:
        """The decoder for the type, protocol and format; ValueError when there is none."""
        found = handlers.find(handlers.DECODERS, df_type, protocol.replace("://", ""), format)
        if found is None:
            raise ValueError(f"no decoder for {type_text(df_type)}, protocol [{protocol}], format ['{format}']")
        return found  # type: ignore[no-any-return]

    # -- the type engine --------------------------------------------------------------------------

    def to_literal(self, value: Any) -> Any:
        """Stores a frame of this type with its encoder (a DataFrame gives its own literal)."""
        if isinstance(value, DataFrame):
            return value.to_literal()
        if self.python_type is not DataFrame and isinstance(value, self.python_type):
            fmt = handlers.DEFAULT_FORMATS.get(self.python_type)
            return DataFrame.wrap_df(value, format=fmt or None).to_literal()
        raise mismatch(self.name, value)

    def to_python_value(self, literal: Any) -> Any:
        """The stored table, read with this type's decoder (or a DataFrame, for DataFrame)."""
        df = DataFrame.from_literal(literal)
        if self.python_type is DataFrame:
            return df
        return df.open(self.python_type).all.sync()

    def schema(self) -> str:
        """``frame:<type>``: like the built-in frame types."""
        return f"frame:{self.name}"


def _register_type(tp: Any) -> None:
    library = (getattr(tp, "__module__", None) or "").partition(".")[0]
    if library not in FRAME_LIBRARIES:  # flyte's own transformers serve those
        TypeEngine.register(DataFrameTransformerEngine(tp))


handlers.on_new_type.append(_register_type)
