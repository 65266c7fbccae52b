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
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from obstore.store import ObjectStore, S3Credential

    from flyte._config import StorageConfig

_DEFAULT_REGION = "us-east-1"


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


def load_s3_settings() -> S3Settings:
    """The settings from the current configuration (:func:`flyte._config.load_config`)."""
    from flyte._config import load_config

    return S3Settings.resolve(load_config().storage)


def make_s3_store(bucket: str, settings: S3Settings) -> ObjectStore:
    """An obstore ``S3Store`` for ``bucket`` with ``settings``.

    Raises:
        ValueError: only one half of the key pair is set.
    """
    from obstore.store import S3Store

    options: dict[str, Any] = {
        "region": settings.region or _DEFAULT_REGION,
        "virtual_hosted_style_request": settings.virtual_hosted,
    }
    if settings.endpoint:
        options["endpoint"] = settings.endpoint
    provider = None
    key_id, secret = settings.access_key_id, settings.secret_access_key
    if settings.anonymous:
        options["skip_signature"] = True
    elif key_id and secret:
        provider = _StaticCredentials(key_id, secret, settings.session_token)
    elif key_id or secret:
        raise ValueError(
            "storage.access_key_id and storage.secret_access_key must be set together "
            "(or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)"
        )
    return S3Store(
        bucket,
        client_options={"allow_http": settings.allow_http},
        credential_provider=provider,
        **options,
    )


def make_cloud_store(scheme: str, bucket: str) -> ObjectStore:
    """An obstore store for a ``gs://`` bucket or an Azure container, configured from its environment."""
    from obstore.store import AzureStore, GCSStore

    store: ObjectStore = (
        GCSStore.from_url(f"gs://{bucket}") if scheme == "gs" else AzureStore.from_url(f"{scheme}://{bucket}")
    )
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
