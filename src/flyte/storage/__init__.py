"""flyte.storage: files and folders in object stores (S3, GCS, Azure) and on this machine.

The functions take store URIs (``s3://bucket/key``, ``gs://``, ``abfs://``, ``memory://``) and
local paths alike, and are coroutines, as in the flyte SDK::

    import flyte.storage as storage

    uri = await storage.put("model.pt")                  # under the run's raw-data prefix
    local = await storage.get(uri)                        # into a new temporary folder
    async with await storage.open(uri, "rb") as f:
        header = await f.read(16)
    async for chunk in storage.get_stream(uri):
        ...

Which server ``s3://`` reaches, with which keys, comes from ``flyte.init(storage=S3(...))``,
over the configuration's ``storage`` section (``FLYTE_STORAGE_*``) and the AWS variables.
Importing this module does not load obstore; the first use of an object store does.
"""

from flyte.storage._config import ABFS, GCS, S3, Storage
from flyte.storage._fsspec import get_configured_fsspec_kwargs, get_underlying_filesystem
from flyte.storage._storage import (
    exists,
    exists_sync,
    get,
    get_random_local_directory,
    get_random_local_path,
    get_stream,
    is_remote,
    join,
    open,
    put,
    put_stream,
)

__all__ = [
    "ABFS",
    "GCS",
    "S3",
    "Storage",
    "exists",
    "exists_sync",
    "get",
    "get_configured_fsspec_kwargs",
    "get_random_local_directory",
    "get_random_local_path",
    "get_stream",
    "get_underlying_filesystem",
    "is_remote",
    "join",
    "open",
    "put",
    "put_stream",
]
