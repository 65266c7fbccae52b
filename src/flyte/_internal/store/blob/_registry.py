"""Which store serves a URI: one instance per scheme, bucket and settings, made on first use.

obstore is imported only here, when the first non-local store is made, so that local runs never
load it. The ``storage`` settings are read from the configuration once, at that moment, and kept
until :func:`reset_stores`; settings given in code (:func:`configure_stores`) win over them.
"""

from __future__ import annotations

import threading

from flyte._internal.store.blob._local import LocalBlobStore
from flyte._internal.store.blob._protocol import BlobStore
from flyte._internal.store.blob._settings import S3Settings, StoreOverrides, load_s3_settings
from flyte._internal.store.blob._uri import scheme, split

SCHEMES = ("file", "memory", "s3", "gs", "az", "abfs", "abfss")
"""The URI schemes :func:`get_store` serves; a plain path counts as ``file``."""

_LOCAL = LocalBlobStore()
_lock = threading.Lock()
_stores: dict[tuple[str, str, S3Settings | None], BlobStore] = {}
_s3_settings: S3Settings | None = None
_overrides: StoreOverrides | None = None


def get_store(uri: str) -> BlobStore:
    """The store that serves ``uri``.

    Plain paths and ``file://`` URIs share one local-folder store; ``memory://bucket`` is an
    in-process store shared by everything in the process; ``s3://``, ``gs://`` and
    ``abfs://``/``az://`` buckets are served by obstore.

    Raises:
        ValueError: the scheme is not supported, the URI names no bucket, or it has a ``..``
            segment.
    """
    kind = scheme(uri)
    if kind == "file":
        return _LOCAL
    if kind not in SCHEMES:
        raise ValueError(f"'{uri}': unsupported scheme '{kind}' (supported: {', '.join(SCHEMES)})")
    _, bucket, _ = split(uri)
    with _lock:
        settings = _current_s3_settings() if kind == "s3" else None
        key = (kind, bucket, settings)
        store = _stores.get(key)
        if store is None:
            store = _stores[key] = _make_store(kind, bucket, settings)
        return store


def reset_stores() -> None:
    """Forgets every store made so far and the settings read for them.

    The next :func:`get_store` reads the configuration again; ``memory://`` contents are lost.
    """
    global _s3_settings
    with _lock:
        _stores.clear()
        _s3_settings = None


def configure_stores(overrides: StoreOverrides | None) -> None:
    """Makes ``s3://``, ``gs://`` and Azure stores follow ``overrides`` from now on.

    ``None`` goes back to the configuration alone. Cloud stores made under other settings are
    forgotten; ``memory://`` stores, which no setting affects, keep their contents. The
    overrides last until the next call, :func:`reset_stores` keeps them.
    """
    global _overrides, _s3_settings
    with _lock:
        if overrides == _overrides:
            return
        _overrides = overrides
        _s3_settings = None
        for key in [key for key in _stores if key[0] != "memory"]:
            del _stores[key]


def s3_settings() -> S3Settings:
    """The settings ``s3://`` stores are made with now (read on first use, as by :func:`get_store`).

    Raises:
        flyte.errors.ConfigError: the configuration cannot be read.
    """
    with _lock:
        return _current_s3_settings()


def _current_s3_settings() -> S3Settings:
    global _s3_settings
    if _s3_settings is None:
        _s3_settings = load_s3_settings(_overrides)
    return _s3_settings


def _make_store(kind: str, bucket: str, settings: S3Settings | None) -> BlobStore:
    from flyte._internal.store.blob import _settings
    from flyte._internal.store.blob._obstore import ObstoreBlobStore

    if kind == "memory":
        from obstore.store import MemoryStore

        return ObstoreBlobStore(kind, bucket, MemoryStore())
    if settings is not None:
        return ObstoreBlobStore(kind, bucket, _settings.make_s3_store(bucket, settings))
    return ObstoreBlobStore(kind, bucket, _settings.make_cloud_store(kind, bucket, _overrides))
