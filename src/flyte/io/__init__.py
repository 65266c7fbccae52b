"""flyte.io: offloaded data types. Tasks pass files, folders and tables by reference.

- :class:`File`: one file, local or in an object store; ``File["csv"]`` for a typed file.
- :class:`Dir`: a folder of files.
- :class:`DataFrame`: a table.

Their I/O methods work in sync code as called and in async code when awaited.
"""

from flyte.io import _serde  # noqa: F401  (importing it registers File and Dir with the type engine)
from flyte.io._dataframe import PARQUET, DataFrame
from flyte.io._dir import Dir
from flyte.io._file import File
from flyte.io._hashing import HashMethod

__all__ = ["PARQUET", "DataFrame", "Dir", "File", "HashMethod"]
