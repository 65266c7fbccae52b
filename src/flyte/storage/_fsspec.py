"""fsspec filesystems for code that wants one (pandas, pyarrow, ...), set up like flyte's stores.

fsspec is optional: only :func:`get_underlying_filesystem` needs it. Object stores (``s3``,
``gs``, ``abfs``/``abfss``/``az``) are served by obstore's fsspec adapter, as in the flyte SDK,
so s3fs, gcsfs and adlfs are not needed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flyte._internal.store.blob import scheme
from flyte.storage._config import ABFS, GCS, Storage

if TYPE_CHECKING:
    import fsspec

_OBJECT_STORES = ("s3", "gs", "abfs", "abfss", "az")
_AZURE = ("abfs", "abfss", "az")


def get_configured_fsspec_kwargs(protocol: str | None = None, anonymous: bool = False) -> dict[str, Any]:
    """The keyword arguments that make an fsspec filesystem for ``protocol`` reach flyte's store.

    For ``"s3"``, the settings flyte's own ``s3://`` stores use: ``flyte.init(storage=S3(...))``
    over the configuration's ``storage`` section and the AWS variables. For ``"gs"`` and the
    Azure protocols, the :class:`GCS` or :class:`ABFS` given to ``flyte.init``, else the one
    from the environment (``.auto()``). Other protocols take none. Without a protocol, those of
    the ``storage`` given to ``flyte.init`` (none if it was not given).

    Args:
        protocol: ``"s3"``, ``"gs"``, ``"abfs"``, ``"file"``, ...
        anonymous: Configure unsigned requests, for public buckets.

    Raises:
        flyte.errors.InitializationError: no protocol is given and flyte is not initialised.
    """
    from flyte._initialize import get_init_state, is_initialized

    storage = get_init_state().storage if is_initialized() else None
    if protocol == "s3":
        from flyte._internal.store.blob import s3_settings
        from flyte._internal.store.blob._settings import s3_store_options

        options = s3_store_options(s3_settings())
        if anonymous:
            options["config"]["skip_signature"] = True
            options.pop("credential_provider", None)
        return options
    if protocol == "gs":
        return _provider(storage, GCS).get_fsspec_kwargs(anonymous=anonymous)
    if protocol in _AZURE:
        return _provider(storage, ABFS).get_fsspec_kwargs(anonymous=anonymous)
    if protocol is not None:
        return {}
    if not is_initialized():
        from flyte.errors import InitializationError

        raise InitializationError(
            "StorageNotInitializedError",
            "user",
            "get_configured_fsspec_kwargs() without a protocol needs flyte.init() (with storage=...) "
            "or flyte.init_from_config() first",
        )
    return storage.get_fsspec_kwargs(anonymous=anonymous) if storage is not None else {}


def get_underlying_filesystem(
    protocol: str | None = None,
    anonymous: bool = False,
    path: str | None = None,
    **kwargs: Any,
) -> fsspec.AbstractFileSystem:
    """An fsspec filesystem for ``protocol`` (or ``path``'s scheme), set up by
    :func:`get_configured_fsspec_kwargs`; ``kwargs`` are added to (and win over) those.

    Object stores get obstore's ``FsspecStore``, asynchronous as in the flyte SDK (call its
    ``_``-prefixed coroutines, or pass ``asynchronous=False`` for the blocking methods); other
    protocols get fsspec's own filesystem (``"file"``: ``LocalFileSystem``).

    Raises:
        ImportError: fsspec is not installed (``pip install fsspec``).
        ValueError: neither ``protocol`` nor ``path`` is given, or the protocol is ``memory``.
    """
    if protocol is None:
        if path is None:
            raise ValueError("get_underlying_filesystem() needs a protocol or a path")
        protocol = scheme(path)
    if protocol == "memory":
        raise ValueError(
            "memory:// is flyte's in-process store and has no fsspec filesystem: "
            "use flyte.storage's functions (open, get, put, ...) on it"
        )
    try:
        import fsspec
    except ImportError:
        raise ImportError(
            "flyte.storage.get_underlying_filesystem() needs the fsspec package: pip install fsspec"
        ) from None
    options = get_configured_fsspec_kwargs(protocol, anonymous=anonymous)
    options.update(kwargs)
    if protocol in _OBJECT_STORES:
        from obstore.fsspec import FsspecStore

        options.setdefault("asynchronous", True)
        # obstore types FsspecStore per protocol literal; the protocol here is a checked str.
        store_class: Any = FsspecStore
        filesystem: fsspec.AbstractFileSystem = store_class(protocol, **options)
        return filesystem
    return fsspec.filesystem(protocol, **options)


def _provider(storage: Storage | None, kind: type[Storage]) -> Storage:
    """``storage`` if it is of ``kind``; a plain ``Storage``'s retries as a ``kind``; else ``kind.auto()``."""
    if isinstance(storage, kind):
        return storage
    if storage is not None and type(storage) is Storage:
        return kind(retries=storage.retries, backoff=storage.backoff)
    return kind.auto()
