"""The blob store: where files, folders, tables and large values live, addressed by URI.

``get_store(uri)`` returns the store for a URI; every store speaks :class:`BlobStore`::

    from flyte._internal.store.blob import get_store, join

    uri = join(prefix, "part-0.parquet")
    with get_store(uri).open_write(uri) as f:
        f.write(data)

Plain paths and ``file://`` URIs are served with plain Python file I/O; ``memory://`` (an
in-process store, the fake for tests), ``s3://``, ``gs://`` and ``abfs://``/``az://`` by obstore,
imported only when such a store is first used. ``s3://`` stores follow the ``storage`` section of
the configuration (see :mod:`flyte._internal.store.blob._settings`), under what
``flyte.init(storage=...)`` sets through :func:`configure_stores`.
"""

from __future__ import annotations

from flyte._internal.store.blob._protocol import BlobStore, ObjectInfo
from flyte._internal.store.blob._registry import SCHEMES, configure_stores, get_store, reset_stores, s3_settings
from flyte._internal.store.blob._settings import RetryPolicy, StoreOverrides
from flyte._internal.store.blob._uri import is_local, join, local_path, scheme

__all__ = [
    "SCHEMES",
    "BlobStore",
    "ObjectInfo",
    "RetryPolicy",
    "StoreOverrides",
    "configure_stores",
    "get_store",
    "is_local",
    "join",
    "local_path",
    "reset_stores",
    "s3_settings",
    "scheme",
]
