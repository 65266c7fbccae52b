"""The ``flyte create|get|delete secret`` commands' server side: the same options as the local
store, carried out through the server's API when an endpoint is configured."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flyte._internal import wire

if TYPE_CHECKING:
    from flyte._config import Config
    from flyte._internal.client import ApiClient

__all__ = ["delete_on_server", "list_on_server", "store_on_server"]


def _client(config: Config) -> ApiClient:
    from flyte._internal.client import client_for

    assert config.admin.endpoint
    return client_for(config.admin.endpoint)


def store_on_server(config: Config, name: str, value: str, project: str | None, domain: str | None) -> wire.SecretInfo:
    """Stores the secret on the configured server."""
    write = wire.SecretWrite(name=name, value=value, project=project, domain=domain)
    return _client(config).put_secret(write)


def list_on_server(config: Config, name: str | None, project: str | None, domain: str | None) -> list[wire.SecretInfo]:
    """Names and scopes of the server's secrets matching the filters."""
    return _client(config).list_secrets(name=name, project=project, domain=domain)


def delete_on_server(config: Config, name: str, project: str | None, domain: str | None) -> None:
    """Removes the server's secret of exactly this name and scope."""
    _client(config).delete_secret(name, project=project, domain=domain)
