"""How ``s3://`` URIs reach their store: the ``storage`` config section, then the AWS variables.

Each flyte setting (``storage.endpoint`` in the config file, or ``FLYTE_STORAGE_ENDPOINT``)
wins; an unset one falls back to the standard AWS variable:

==================  ===============================================
flyte setting       AWS fallback
==================  ===============================================
endpoint            ``AWS_ENDPOINT_URL_S3``, ``AWS_ENDPOINT_URL``
region              ``AWS_REGION``, ``AWS_DEFAULT_REGION``
access_key_id and   ``AWS_ACCESS_KEY_ID`` and ``AWS_SECRET_ACCESS_KEY``
secret_access_key   (with ``AWS_SESSION_TOKEN``), taken as a pair
==================  ===============================================

With no key pair from either, obstore's own chain applies (web identity, container and
instance credentials). The key pair is pinned through a credential provider, so that a session
token in the environment is never mixed with flyte's keys.

Settings given in code (``flyte.init(storage=...)``, ``flyte.init_from_config``) arrive as
:class:`StoreOverrides` and win over all of the above.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from obstore.store import ObjectStore, RetryConfig, S3Credential

    from flyte._config import StorageConfig

_DEFAULT_REGION = "us-east-1"
_MAX_BACKOFF = timedelta(seconds=16)
_RETRY_TIMEOUT = timedelta(minutes=3)


@dataclass(frozen=True)
class RetryPolicy:
    """How a cloud store retries a failed request.

    Up to ``max_retries`` times, waiting ``init_backoff`` before the first retry and twice as
    long before each next one (16 seconds at most), and never past three minutes in all.
    """

    max_retries: int
    init_backoff: timedelta

    def obstore_config(self) -> RetryConfig:
        """The policy as obstore's ``retry_config`` option."""
        return {
            "max_retries": self.max_retries,
            "backoff": {"init_backoff": self.init_backoff, "max_backoff": _MAX_BACKOFF, "base": 2},
            "retry_timeout": _RETRY_TIMEOUT,
        }


@dataclass(frozen=True)
class StoreOverrides:
    """Store settings given in code; they win over the configuration files and variables."""

    storage: StorageConfig | None = None
    """The ``storage`` section to start from, instead of the one :func:`load_config` finds."""
    s3: Mapping[str, str] = field(default_factory=dict)
    """``storage`` keys (``endpoint``, ``region``, ...) set in code; each replaces the section's value."""
    azure: Mapping[str, str] = field(default_factory=dict)
    """Options of obstore's ``AzureStore`` (``account_name``, ``account_key``, ``client_id``, ...)."""
    retry: Mapping[str, RetryPolicy] = field(default_factory=dict)
    """The retry policy of each family of stores (``"s3"``, ``"gs"``, ``"azure"``); obstore's
    default for a family left out."""


@dataclass(frozen=True)
class S3Settings:
    """The effective settings of ``s3://`` stores; part of the cache key of :func:`get_store`."""

    endpoint: str | None = None
    region: str | None = None
    access_key_id: str | None = None
    secret_access_key: str | None = field(default=None, repr=False)
    session_token: str | None = field(default=None, repr=False)
    virtual_hosted: bool = True
    allow_http: bool = False
    anonymous: bool = False
    retry: RetryPolicy | None = None

    @classmethod
    def resolve(cls, config: StorageConfig, environ: Mapping[str, str] = os.environ) -> S3Settings:
        """Combines the ``storage`` section with the AWS variables in ``environ``."""
        endpoint = config.endpoint or _first(environ, "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL")
        region = config.region or _first(environ, "AWS_REGION", "AWS_DEFAULT_REGION")
        if config.access_key_id or config.secret_access_key:
            key_id, secret, token = config.access_key_id, config.secret_access_key, None
        else:
            key_id = environ.get("AWS_ACCESS_KEY_ID") or None
            secret = environ.get("AWS_SECRET_ACCESS_KEY") or None
            token = environ.get("AWS_SESSION_TOKEN") or None
        style = config.addressing_style or ("path" if endpoint else "virtual")
        return cls(
            endpoint=endpoint,
            region=region,
            access_key_id=key_id,
            secret_access_key=secret,
            session_token=token,
            virtual_hosted=style == "virtual",
            allow_http=config.allow_http or bool(endpoint and endpoint.lower().startswith("http://")),
            anonymous=config.anonymous,
        )


def load_s3_settings(overrides: StoreOverrides | None = None) -> S3Settings:
    """The settings from ``overrides`` over the current configuration (:func:`flyte._config.load_config`)."""
    if overrides is not None and overrides.storage is not None:
        config = overrides.storage
    else:
        from flyte._config import load_config

        config = load_config().storage
    if overrides is None:
        return S3Settings.resolve(config)
    set_in_code: dict[str, Any] = dict(overrides.s3)
    settings = S3Settings.resolve(dataclasses.replace(config, **set_in_code))
    return dataclasses.replace(settings, retry=overrides.retry.get("s3"))


def s3_store_options(settings: S3Settings) -> dict[str, Any]:
    """The keyword arguments of obstore's ``S3Store`` (after the bucket) for ``settings``.

    obstore's ``from_url`` and its fsspec ``FsspecStore`` take the same ones.

    Raises:
        ValueError: only one half of the key pair is set.
    """
    config: dict[str, Any] = {
        "region": settings.region or _DEFAULT_REGION,
        "virtual_hosted_style_request": settings.virtual_hosted,
    }
    if settings.endpoint:
        config["endpoint"] = settings.endpoint
    options: dict[str, Any] = {"config": config, "client_options": {"allow_http": settings.allow_http}}
    key_id, secret = settings.access_key_id, settings.secret_access_key
    if settings.anonymous:
        config["skip_signature"] = True
    elif key_id and secret:
        options["credential_provider"] = _StaticCredentials(key_id, secret, settings.session_token)
    elif key_id or secret:
        raise ValueError(
            "storage.access_key_id and storage.secret_access_key must be set together "
            "(or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)"
        )
    if settings.retry is not None:
        options["retry_config"] = settings.retry.obstore_config()
    return options


def make_s3_store(bucket: str, settings: S3Settings) -> ObjectStore:
    """An obstore ``S3Store`` for ``bucket`` with ``settings``.

    Raises:
        ValueError: only one half of the key pair is set.
    """
    from obstore.store import S3Store

    return S3Store(bucket, **s3_store_options(settings))


def make_cloud_store(scheme: str, bucket: str, overrides: StoreOverrides | None = None) -> ObjectStore:
    """An obstore store for a ``gs://`` bucket or an Azure container.

    It is configured from its environment, then from ``overrides`` (retries; Azure credentials).
    """
    from obstore.store import AzureStore, GCSStore

    options: dict[str, Any] = {}
    retry = overrides.retry.get("gs" if scheme == "gs" else "azure") if overrides is not None else None
    if retry is not None:
        options["retry_config"] = retry.obstore_config()
    store: ObjectStore
    if scheme == "gs":
        store = GCSStore.from_url(f"gs://{bucket}", **options)
    else:
        if overrides is not None and overrides.azure:
            options["config"] = dict(overrides.azure)
        store = AzureStore.from_url(f"{scheme}://{bucket}", **options)
    return store


class _StaticCredentials:
    """A credential provider for obstore that always returns one fixed key pair."""

    def __init__(self, key_id: str, secret: str, token: str | None) -> None:
        self._credential: S3Credential = {
            "access_key_id": key_id,
            "secret_access_key": secret,
            "token": token,
            "expires_at": None,
        }

    def __call__(self) -> S3Credential:
        return self._credential


def _first(environ: Mapping[str, str], *names: str) -> str | None:
    for name in names:
        if environ.get(name):
            return environ[name]
    return None
