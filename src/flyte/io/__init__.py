"""flyte.io: offloaded data types. Tasks pass files, folders and tables by reference.

- :class:`File`: one file, local or in an object store; ``File["csv"]`` for a typed file.
- :class:`Dir`: a folder of files.
- :class:`DataFrame`: a table.
- :class:`EmptyDir`: the Dir meaning "no folder was produced".
- :class:`HashFunction`: a content hash computed by a function of your own.

Their I/O methods work in sync code as called and in async code when awaited.
"""

from flyte.io import _serde  # noqa: F401  (importing it registers File and Dir with the type engine)
from flyte.io._dataframe import PARQUET, DataFrame
from flyte.io._dir import Dir, EmptyDir
from flyte.io._file import File
from flyte.io._hashing import HashFunction, HashMethod

__all__ = ["PARQUET", "DataFrame", "Dir", "EmptyDir", "File", "HashFunction", "HashMethod"]
