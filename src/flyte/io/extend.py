"""flyte.io.extend: teach ``flyte.io.DataFrame`` a frame type or storage format of your own.

Subclass :class:`DataFrameEncoder` (write a frame, return a :class:`StructuredDataset`) and
:class:`DataFrameDecoder` (read one back), then register both::

    DataFrameTransformerEngine.register(MyFrameEncoder())
    DataFrameTransformerEngine.register(MyFrameDecoder())

Tasks may then take and return ``MyFrame`` values, ``DataFrame.wrap_df(my_frame)`` stores one,
and ``df.open(MyFrame).all()`` reads one.
"""

from flyte.io._frame_ext import DataFrameTransformerEngine
from flyte.io._frame_handlers import (
    DataFrameDecoder,
    DataFrameEncoder,
    DatasetColumn,
    DuplicateHandlerError,
    StructuredDataset,
    StructuredDatasetMetadata,
    StructuredDatasetType,
)

__all__ = [
    "DataFrameDecoder",
    "DataFrameEncoder",
    "DataFrameTransformerEngine",
    "DatasetColumn",
    "DuplicateHandlerError",
    "StructuredDataset",
    "StructuredDatasetMetadata",
    "StructuredDatasetType",
]
