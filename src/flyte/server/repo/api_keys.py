"""API keys as stored: name, hash of the key, optional project scope. Deleting a key removes its
row, so the very next request presenting it finds nothing and is refused."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import Engine, delete, func, select
from sqlalchemy.exc import IntegrityError

from flyte._internal import wire
from flyte.server.db.schema import api_keys

__all__ = ["KeyExistsError", "count_keys", "create_key", "delete_key", "key_row", "list_keys"]


class KeyExistsError(Exception):
    """A key of that name exists already."""


def _info(row: Any) -> wire.ApiKeyInfo:
    return wire.ApiKeyInfo(name=row.name, project=row.project, created_at=row.created_at)


def create_key(engine: Engine, name: str, key_hash: str, project: str | None) -> wire.ApiKeyInfo:
    """Stores a key's hash under ``name``.

    Raises:
        KeyExistsError: the name is taken.
    """
    created_at = time.time()
    values = {"name": name, "key_hash": key_hash, "project": project, "created_at": created_at}
    try:
        with engine.begin() as conn:
            if conn.execute(select(api_keys.c.name).where(api_keys.c.name == name)).one_or_none() is not None:
                raise KeyExistsError(name)
            conn.execute(api_keys.insert().values(**values))
    except IntegrityError:
        raise KeyExistsError(name) from None
    return wire.ApiKeyInfo(name=name, project=project, created_at=created_at)


def key_row(engine: Engine, name: str) -> Any:
    """The stored key named ``name`` (hash and scope), or None."""
    with engine.connect() as conn:
        return conn.execute(select(api_keys).where(api_keys.c.name == name)).one_or_none()


def list_keys(engine: Engine) -> list[wire.ApiKeyInfo]:
    """Every key, by name (never a hash)."""
    with engine.connect() as conn:
        rows = conn.execute(select(api_keys).order_by(api_keys.c.name)).all()
    return [_info(row) for row in rows]


def count_keys(engine: Engine) -> int:
    """How many keys there are."""
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(api_keys)).scalar_one())


def delete_key(engine: Engine, name: str) -> bool:
    """Removes the key named ``name``; False when there is none."""
    with engine.begin() as conn:
        return bool(conn.execute(delete(api_keys).where(api_keys.c.name == name)).rowcount)
