"""Object-store settings given in code: :class:`Storage` and its providers :class:`S3`, :class:`GCS`
and :class:`ABFS`.

``flyte.init(storage=...)`` hands one to the blob layer (see :func:`store_overrides`); each also
renders itself as the keyword arguments of obstore's fsspec filesystem (``get_fsspec_kwargs``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from flyte._internal.store.blob import RetryPolicy, StoreOverrides

if TYPE_CHECKING:
    from flyte._config import StorageConfig

_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off", ""})
_ADDRESSING_STYLES = ("path", "virtual")

# The Flyte sandbox's bundled MinIO: its well-known address and keys.
_SANDBOX_ENDPOINT = "http://localhost:4566"
_SANDBOX_ACCESS_KEY_ID = "minio"
_SANDBOX_SECRET_ACCESS_KEY = "miniostorage"


@dataclass(frozen=True)
class Storage:
    """Object-store settings that apply whatever the provider: how failed requests are retried.

    Pass one (or a provider's :class:`S3`, :class:`GCS`, :class:`ABFS`) to
    ``flyte.init(storage=...)``. A plain ``Storage`` sets the retries of every cloud store; a
    provider's sets them for that provider's stores only.

    Attributes:
        retries: How many times a failed request is retried.
        backoff: The wait before the first retry; each next wait doubles, up to 16 seconds.
        enable_debug: Kept for compatibility with the flyte SDK, which does not use it either.
        attach_execution_metadata: Kept for compatibility with the flyte SDK, which does not use
            it either.
    """

    retries: int = 3
    backoff: timedelta = timedelta(seconds=5)
    enable_debug: bool = False
    attach_execution_metadata: bool = True

    _RETRIES_ENV: ClassVar[str] = "FLYTE_STORAGE_RETRIES"
    _BACKOFF_ENV: ClassVar[str] = "FLYTE_STORAGE_BACKOFF_SECONDS"
    _DEBUG_ENV: ClassVar[str] = "FLYTE_STORAGE_DEBUG"

    def __post_init__(self) -> None:
        if isinstance(self.retries, bool) or not isinstance(self.retries, int) or self.retries < 0:
            raise ValueError(f"{type(self).__name__}: retries must be an int >= 0, got {self.retries!r}")
        if not isinstance(self.backoff, timedelta) or self.backoff < timedelta(0):
            raise ValueError(f"{type(self).__name__}: backoff must be a timedelta >= 0, got {self.backoff!r}")

    def get_fsspec_kwargs(self, anonymous: bool = False, **kwargs: Any) -> dict[str, Any]:
        """These settings as keyword arguments of obstore's fsspec filesystem (``FsspecStore``).

        Args:
            anonymous: Send unsigned requests (public buckets): sets ``config["skip_signature"]``.
            kwargs: Arguments to pass along; ``retries`` and ``backoff`` here replace this
                object's values, an explicit ``retry_config`` replaces the whole policy.

        Returns:
            ``kwargs`` with ``retry_config`` (and ``config`` when anonymous) added.
        """
        retries = kwargs.pop("retries", self.retries)
        backoff = kwargs.pop("backoff", self.backoff)
        if anonymous:
            kwargs["config"] = {**kwargs.get("config", {}), "skip_signature": True}
        kwargs.setdefault("retry_config", RetryPolicy(retries, backoff).obstore_config())
        return kwargs

    @classmethod
    def auto(cls) -> Storage:
        """The settings from the environment: ``FLYTE_STORAGE_RETRIES``,
        ``FLYTE_STORAGE_BACKOFF_SECONDS`` and ``FLYTE_STORAGE_DEBUG``; defaults for those unset.

        Raises:
            ValueError: a variable's value is malformed (the message names the variable).
        """
        return cls(**cls._common_from_env())

    @classmethod
    def _common_from_env(cls) -> dict[str, Any]:
        found: dict[str, Any] = {}
        if raw := os.environ.get(cls._RETRIES_ENV):
            try:
                found["retries"] = int(raw)
            except ValueError:
                raise ValueError(f"{cls._RETRIES_ENV} must be a whole number, got {raw!r}") from None
        if raw := os.environ.get(cls._BACKOFF_ENV):
            try:
                found["backoff"] = timedelta(seconds=float(raw))
            except (ValueError, OverflowError):
                raise ValueError(f"{cls._BACKOFF_ENV} must be a number of seconds, got {raw!r}") from None
        if raw := os.environ.get(cls._DEBUG_ENV):
            lowered = raw.strip().lower()
            if lowered not in _TRUE | _FALSE:
                raise ValueError(f"{cls._DEBUG_ENV} must be true or false, got {raw!r}")
            found["enable_debug"] = lowered in _TRUE
        return found


@dataclass(frozen=True)
class S3(Storage):
    """Settings of ``s3://`` stores (AWS S3 or any S3-compatible server).

    A field left ``None`` falls back to the configuration: the ``storage`` section of the config
    file, ``FLYTE_STORAGE_*``, then the AWS variables (``AWS_ENDPOINT_URL``, ``AWS_REGION``,
    ``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``). With no key pair from any of them, obstore's
    own chain applies (web identity, container and instance credentials); AWS profiles
    (``AWS_PROFILE``) are not read.

    Attributes:
        endpoint: The server's URL, e.g. ``http://127.0.0.1:8333``; AWS when unset.
        access_key_id: The access key; set together with ``secret_access_key``.
        secret_access_key: The secret key.
        region: The bucket's region.
        addressing_style: ``"path"`` (``endpoint/bucket/key``) or ``"virtual"``
            (``bucket.endpoint/key``).
    """

    endpoint: str | None = None
    access_key_id: str | None = None
    secret_access_key: str | None = field(default=None, repr=False)
    region: str | None = None
    addressing_style: str | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.addressing_style is not None and self.addressing_style not in _ADDRESSING_STYLES:
            raise ValueError(f"S3: addressing_style must be 'path' or 'virtual', got {self.addressing_style!r}")

    @classmethod
    def auto(cls, region: str | None = None) -> S3:
        """The settings from the environment, as the flyte SDK reads them.

        ``FLYTE_AWS_ENDPOINT``, ``FLYTE_AWS_ACCESS_KEY_ID``, ``FLYTE_AWS_SECRET_ACCESS_KEY``,
        ``FLYTE_AWS_S3_ADDRESSING_STYLE``, and the variables of :meth:`Storage.auto`. Fields
        left unset still fall back to the configuration when the object reaches ``flyte.init``.

        Args:
            region: The bucket's region (no variable is read for it).

        Raises:
            ValueError: a variable's value is malformed (the message names the variable).
        """
        found = cls._common_from_env()
        for name, var in (
            ("endpoint", "FLYTE_AWS_ENDPOINT"),
            ("access_key_id", "FLYTE_AWS_ACCESS_KEY_ID"),
            ("secret_access_key", "FLYTE_AWS_SECRET_ACCESS_KEY"),
            ("addressing_style", "FLYTE_AWS_S3_ADDRESSING_STYLE"),
        ):
            if value := os.environ.get(var):
                found[name] = value
        if region:
            found["region"] = region
        return cls(**found)

    @classmethod
    def for_sandbox(cls) -> S3:
        """The settings of the Flyte sandbox's MinIO (``http://localhost:4566``, its default keys)."""
        return cls(
            **cls._common_from_env(),
            endpoint=_SANDBOX_ENDPOINT,
            access_key_id=_SANDBOX_ACCESS_KEY_ID,
            secret_access_key=_SANDBOX_SECRET_ACCESS_KEY,
        )

    def get_fsspec_kwargs(self, anonymous: bool = False, **kwargs: Any) -> dict[str, Any]:
        """These settings as keyword arguments of obstore's fsspec ``FsspecStore("s3", ...)``.

        Only the fields that are set appear (under ``config``, ``region`` at the top level);
        ``access_key_id``, ``secret_access_key`` and ``endpoint_url`` in ``kwargs`` replace the
        fields. An ``http://`` endpoint allows plain HTTP (``client_options``).
        """
        kwargs = super().get_fsspec_kwargs(anonymous=anonymous, **kwargs)
        config: dict[str, Any] = kwargs.pop("config", {})
        for key, value in (
            ("access_key_id", kwargs.pop("access_key_id", self.access_key_id)),
            ("secret_access_key", kwargs.pop("secret_access_key", self.secret_access_key)),
            ("endpoint", kwargs.pop("endpoint_url", self.endpoint)),
        ):
            if value:
                config[key] = value
        if self.addressing_style:
            config["virtual_hosted_style_request"] = self.addressing_style == "virtual"
        if str(config.get("endpoint", "")).lower().startswith("http://"):
            kwargs.setdefault("client_options", {"allow_http": True})
        if config:
            kwargs["config"] = config
        if self.region:
            kwargs["region"] = self.region
        return kwargs


@dataclass(frozen=True)
class GCS(Storage):
    """Settings of ``gs://`` stores; credentials come from the environment
    (``GOOGLE_APPLICATION_CREDENTIALS`` or the machine's service account)."""

    @classmethod
    def auto(cls) -> GCS:
        """The settings from the variables of :meth:`Storage.auto`.

        Raises:
            ValueError: a variable's value is malformed (the message names the variable).
        """
        return cls(**cls._common_from_env())


@dataclass(frozen=True)
class ABFS(Storage):
    """Settings of Azure Blob Storage (``abfs://``, ``abfss://``, ``az://``).

    Fields left ``None`` fall back to obstore's reading of the ``AZURE_*`` variables.

    Attributes:
        account_name: The storage account.
        account_key: The account's shared key.
        tenant_id: The tenant of a service principal.
        client_id: The service principal's client id.
        client_secret: The service principal's secret.
    """

    account_name: str | None = None
    account_key: str | None = field(default=None, repr=False)
    tenant_id: str | None = None
    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)

    _AZURE_ENV: ClassVar[tuple[tuple[str, str], ...]] = (
        ("account_name", "AZURE_STORAGE_ACCOUNT_NAME"),
        ("account_key", "AZURE_STORAGE_ACCOUNT_KEY"),
        ("tenant_id", "AZURE_TENANT_ID"),
        ("client_id", "AZURE_CLIENT_ID"),
        ("client_secret", "AZURE_CLIENT_SECRET"),
    )

    @classmethod
    def auto(cls) -> ABFS:
        """The settings from ``AZURE_STORAGE_ACCOUNT_NAME``, ``AZURE_STORAGE_ACCOUNT_KEY``,
        ``AZURE_TENANT_ID``, ``AZURE_CLIENT_ID``, ``AZURE_CLIENT_SECRET`` and the variables of
        :meth:`Storage.auto`.

        Raises:
            ValueError: a variable's value is malformed (the message names the variable).
        """
        found = cls._common_from_env()
        for name, var in cls._AZURE_ENV:
            if value := os.environ.get(var):
                found[name] = value
        return cls(**found)

    def get_fsspec_kwargs(self, anonymous: bool = False, **kwargs: Any) -> dict[str, Any]:
        """These settings as keyword arguments of obstore's fsspec ``FsspecStore("abfs", ...)``.

        The fields that are set go under ``config``; the same names in ``kwargs`` replace them.
        """
        kwargs = super().get_fsspec_kwargs(anonymous=anonymous, **kwargs)
        config: dict[str, Any] = kwargs.pop("config", {})
        config.update(self._credentials(kwargs))
        if config:
            kwargs["config"] = config
        return kwargs

    def _credentials(self, given: dict[str, Any] | None = None) -> dict[str, str]:
        """The credential fields that are set, as ``AzureStore`` options; ``given`` ones win (and
        are taken out of it)."""
        found: dict[str, str] = {}
        for name, _ in self._AZURE_ENV:
            value = given.pop(name, None) if given is not None else None
            value = value or getattr(self, name)
            if value:
                found[name] = value
        return found


def store_overrides(storage: Storage, base: StorageConfig | None = None) -> StoreOverrides:
    """What ``storage`` asks of the blob layer's stores, over the ``storage`` section ``base``
    (the configuration's own when ``None``)."""
    retry = RetryPolicy(storage.retries, storage.backoff)
    if isinstance(storage, S3):
        s3_fields = ("endpoint", "access_key_id", "secret_access_key", "region", "addressing_style")
        s3 = {name: getattr(storage, name) for name in s3_fields if getattr(storage, name) is not None}
        return StoreOverrides(storage=base, s3=s3, retry={"s3": retry})
    if isinstance(storage, GCS):
        return StoreOverrides(storage=base, retry={"gs": retry})
    if isinstance(storage, ABFS):
        return StoreOverrides(storage=base, azure=storage._credentials(), retry={"azure": retry})
    return StoreOverrides(storage=base, retry=dict.fromkeys(("s3", "gs", "azure"), retry))
