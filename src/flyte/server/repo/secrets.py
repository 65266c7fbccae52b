"""Secrets in the database: one row per name and scope, the value encrypted (see
:mod:`flyte.server.secrets.cipher`). A scope field is stored as ``''`` for "any", so that the
unique constraint on (name, org, project, domain) holds for unscoped secrets too."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import Engine, and_, select
from sqlalchemy.exc import IntegrityError

from flyte._internal import wire
from flyte.server.db.schema import secrets
from flyte.server.secrets.scope import Scope, Scoped, narrowest

__all__ = ["delete_secret", "get_secret", "list_secrets", "lookup", "put_secret", "secret_info"]


def _stored(value: str | None) -> str:
    return value or ""


def _scope_of(row: Any) -> Scope:
    return Scope(org=row.org or None, project=row.project or None, domain=row.domain or None)


def _exactly(name: str, scope: Scope) -> Any:
    return and_(
        secrets.c.name == name,
        secrets.c.org == _stored(scope.org),
        secrets.c.project == _stored(scope.project),
        secrets.c.domain == _stored(scope.domain),
    )


def secret_info(row: Any) -> wire.SecretInfo:
    """The metadata of a stored secret (never its value)."""
    scope = _scope_of(row)
    return wire.SecretInfo(
        name=row.name,
        org=scope.org,
        project=scope.project,
        domain=scope.domain,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def put_secret(engine: Engine, name: str, scope: Scope, encrypted: bytes) -> tuple[Any, bool]:
    """Stores an encrypted value under ``name`` and ``scope``, replacing the one there.

    Returns the row and whether it is new.
    """
    now = time.time()
    for _ in range(3):  # another writer may insert the same name and scope between the two steps
        with engine.begin() as conn:
            updated = conn.execute(
                secrets.update().where(_exactly(name, scope)).values(value=encrypted, updated_at=now)
            ).rowcount
            created = not updated
            if created:
                try:
                    with conn.begin_nested():
                        conn.execute(
                            secrets.insert().values(
                                name=name,
                                org=_stored(scope.org),
                                project=_stored(scope.project),
                                domain=_stored(scope.domain),
                                value=encrypted,
                                created_at=now,
                                updated_at=now,
                            )
                        )
                except IntegrityError:
                    continue
            row = conn.execute(select(secrets).where(_exactly(name, scope))).one()
            return row, created
    raise RuntimeError(f"cannot store the secret '{name}': it keeps changing")


def get_secret(engine: Engine, name: str, scope: Scope) -> Any | None:
    """The row of the secret of exactly this name and scope, or None."""
    with engine.connect() as conn:
        return conn.execute(select(secrets).where(_exactly(name, scope))).first()


def list_secrets(
    engine: Engine,
    name: str | None = None,
    org: str | None = None,
    project: str | None = None,
    domain: str | None = None,
) -> list[Any]:
    """Rows of the secrets matching every filter given (a scope filter matches that scope
    exactly), by name then scope."""
    query = select(secrets)
    for column, value in ((secrets.c.name, name), (secrets.c.org, org), (secrets.c.project, project)):
        if value is not None:
            query = query.where(column == value)
    if domain is not None:
        query = query.where(secrets.c.domain == domain)
    query = query.order_by(secrets.c.name, secrets.c.org, secrets.c.project, secrets.c.domain)
    with engine.connect() as conn:
        return list(conn.execute(query))


def delete_secret(engine: Engine, name: str, scope: Scope) -> bool:
    """Removes the secret of exactly this name and scope; whether there was one."""
    with engine.begin() as conn:
        return bool(conn.execute(secrets.delete().where(_exactly(name, scope))).rowcount)


def lookup(engine: Engine, name: str, org: str | None, project: str | None, domain: str | None) -> bytes | None:
    """The encrypted value of the narrowest secret ``name`` that applies to a run of this org,
    project and domain (see :mod:`flyte.server.secrets.scope`), or None."""
    with engine.connect() as conn:
        rows = conn.execute(select(secrets).where(secrets.c.name == name)).all()
    found = narrowest((Scoped(_scope_of(row), bytes(row.value)) for row in rows), org, project, domain)
    return found
