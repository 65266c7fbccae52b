"""Secrets of a server, from Python: store, find, list and delete them (never read their values).

As in Flyte, a secret is scoped to the project and domain ``flyte.init`` (or the config) chose;
pass ``project=None`` and ``domain=None`` for a secret that applies to every project or domain.
Every function has an ``.aio`` form for async code::

    flyte.remote.Secret.create("api-key", "s3cr3t")
    info = flyte.remote.Secret.get("api-key")
    for secret in flyte.remote.Secret.listall():
        print(secret.name, secret.project, secret.domain)
    flyte.remote.Secret.delete("api-key")
"""

from __future__ import annotations

import asyncio
from typing import Literal

from flyte._internal import wire
from flyte._syncify import syncify
from flyte.remote._action import api
from flyte.remote._details import ListAll
from flyte.remote._record import ServerRecord

__all__ = ["Secret", "SecretTypes"]

SecretTypes = Literal["regular", "image_pull"]
"""Kinds of secrets; this server keeps ``"regular"`` ones."""


class _FromInit:
    def __repr__(self) -> str:
        return "<from flyte.init>"


FROM_INIT = _FromInit()
"""The default scope: the project (or domain) that ``flyte.init`` chose."""

ScopeArg = str | None | _FromInit


def _scope(project: ScopeArg, domain: ScopeArg) -> tuple[str | None, str | None]:
    from flyte._initialize import get_init_state

    state = get_init_state()
    chosen_project = state.project if isinstance(project, _FromInit) else project
    chosen_domain = state.domain if isinstance(domain, _FromInit) else domain
    return chosen_project, chosen_domain


def _check_options(type: str, cluster_pool: str | None) -> None:
    if type != "regular":
        raise ValueError(f"secrets of type {type!r} are not supported by this server: only 'regular' ones")
    if cluster_pool is not None:
        raise ValueError("cluster pools are not supported by this server: leave out cluster_pool")


async def _create(
    name: str,
    value: str | bytes,
    type: SecretTypes = "regular",
    cluster_pool: str | None = None,
    *,
    project: ScopeArg = FROM_INIT,
    domain: ScopeArg = FROM_INIT,
) -> None:
    """Stores a secret on the server (replacing the one of the same name and scope).

    ``value`` is text, or bytes of UTF-8 text.
    """
    _check_options(type, cluster_pool)
    if isinstance(value, bytes):
        try:
            value = value.decode("utf-8")
        except UnicodeDecodeError:
            raise ValueError("this server stores text secrets: the bytes given are not UTF-8") from None
    chosen_project, chosen_domain = _scope(project, domain)
    write = wire.SecretWrite(name=name, value=value, project=chosen_project, domain=chosen_domain)
    await asyncio.to_thread(api().put_secret, write)


async def _get(
    name: str, cluster_pool: str | None = None, *, project: ScopeArg = FROM_INIT, domain: ScopeArg = FROM_INIT
) -> Secret:
    """The secret of exactly this name and scope, without its value.

    Raises:
        RuntimeUserError: ``SecretNotFound``, there is no such secret.
    """
    _check_options("regular", cluster_pool)
    chosen_project, chosen_domain = _scope(project, domain)
    info = await asyncio.to_thread(api().get_secret, name, project=chosen_project, domain=chosen_domain)
    return Secret(info)


async def _delete(
    name: str, cluster_pool: str | None = None, *, project: ScopeArg = FROM_INIT, domain: ScopeArg = FROM_INIT
) -> None:
    """Removes the secret of exactly this name and scope.

    Raises:
        RuntimeUserError: ``SecretNotFound``, there is no such secret.
    """
    _check_options("regular", cluster_pool)
    chosen_project, chosen_domain = _scope(project, domain)
    await asyncio.to_thread(api().delete_secret, name, project=chosen_project, domain=chosen_domain)


async def _list(
    limit: int = 0,
    cluster_pool: str | None = None,
    *,
    project: ScopeArg = FROM_INIT,
    domain: ScopeArg = FROM_INIT,
) -> list[Secret]:
    """The secrets of the project and domain (``None``: of any), by name; at most ``limit``
    (0: all)."""
    _check_options("regular", cluster_pool)
    chosen_project, chosen_domain = _scope(project, domain)
    infos = await asyncio.to_thread(api().list_secrets, project=chosen_project, domain=chosen_domain)
    return [Secret(info) for info in (infos[:limit] if limit > 0 else infos)]


class Secret(ServerRecord["wire.SecretInfo"]):
    """A secret stored on the server: its name and scope, never its value (workers of tasks
    that ask for it receive that)."""

    create = syncify(_create)
    get = syncify(_get)
    delete = syncify(_delete)
    listall = ListAll(_list)

    def __init__(self, info: wire.SecretInfo) -> None:
        self._info = info

    @property
    def name(self) -> str:
        """The secret's name (``group/key`` for a secret with a group)."""
        return self._info.name

    @property
    def type(self) -> SecretTypes:
        """The kind of secret: always ``"regular"`` here."""
        return "regular"

    @property
    def project(self) -> str | None:
        """The project the secret applies to (None: any)."""
        return self._info.project

    @property
    def domain(self) -> str | None:
        """The domain the secret applies to (None: any)."""
        return self._info.domain

    @property
    def org(self) -> str | None:
        """The org the secret applies to (None: any)."""
        return self._info.org

    @property
    def created_at(self) -> float:
        """When the secret was first stored (seconds since the epoch)."""
        return self._info.created_at

    @property
    def updated_at(self) -> float:
        """When the secret's value last changed (seconds since the epoch)."""
        return self._info.updated_at

    def __repr__(self) -> str:
        return f"Secret(name={self.name!r}, project={self.project!r}, domain={self.domain!r})"
