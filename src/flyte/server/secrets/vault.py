"""The server's secrets: stored encrypted in its database, read back only for workers."""

from __future__ import annotations

from sqlalchemy import Engine

from flyte._internal import wire
from flyte.server.repo import secrets as secret_repo
from flyte.server.secrets.cipher import SecretCipher
from flyte.server.secrets.scope import Scope

__all__ = ["SecretVault"]


class SecretVault:
    """Stores, lists, deletes and looks up secrets; values leave it only through :meth:`lookup`."""

    def __init__(self, engine: Engine, cipher: SecretCipher) -> None:
        self._engine = engine
        self._cipher = cipher

    def store(self, write: wire.SecretWrite) -> tuple[wire.SecretInfo, bool]:
        """Stores (or replaces) a secret; its metadata and whether it is new."""
        scope = Scope(write.org, write.project, write.domain)
        row, created = secret_repo.put_secret(self._engine, write.name, scope, self._cipher.encrypt(write.value))
        return secret_repo.secret_info(row), created

    def info(self, name: str, scope: Scope) -> wire.SecretInfo | None:
        """The metadata of the secret of exactly this name and scope, or None."""
        row = secret_repo.get_secret(self._engine, name, scope)
        return secret_repo.secret_info(row) if row is not None else None

    def list(
        self, name: str | None = None, org: str | None = None, project: str | None = None, domain: str | None = None
    ) -> list[wire.SecretInfo]:
        """Metadata of the secrets matching every filter given."""
        rows = secret_repo.list_secrets(self._engine, name, org, project, domain)
        return [secret_repo.secret_info(row) for row in rows]

    def delete(self, name: str, scope: Scope) -> bool:
        """Removes the secret of exactly this name and scope; whether there was one."""
        return secret_repo.delete_secret(self._engine, name, scope)

    def lookup(self, name: str, org: str | None, project: str | None, domain: str | None) -> str | None:
        """The value of the narrowest secret ``name`` that applies to this org, project and
        domain, or None (for workers only: no route returns it)."""
        encrypted = secret_repo.lookup(self._engine, name, org, project, domain)
        return self._cipher.decrypt(encrypted) if encrypted is not None else None
