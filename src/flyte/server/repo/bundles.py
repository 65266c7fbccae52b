"""Code bundles: content-addressed archives of a run's sources, kept in the blob store."""

from __future__ import annotations

import time

from sqlalchemy import Engine, select

from flyte.server.db.schema import bundles


def bundle_uri(engine: Engine, digest: str) -> str | None:
    """Where the bundle's bytes are, or None when the server does not have it."""
    with engine.connect() as conn:
        row = conn.execute(select(bundles.c.uri).where(bundles.c.hash == digest)).one_or_none()
    return None if row is None else str(row.uri)


def record_bundle(engine: Engine, digest: str, size: int, uri: str) -> None:
    """Records a stored bundle (a second upload of the same bundle changes nothing)."""
    with engine.begin() as conn:
        if conn.execute(select(bundles.c.hash).where(bundles.c.hash == digest)).one_or_none() is None:
            conn.execute(bundles.insert().values(hash=digest, size=size, uri=uri, created_at=time.time()))
