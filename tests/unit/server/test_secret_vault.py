"""The server's secret vault on a real (SQLite) database: encrypted rows, exact-scope metadata,
narrowest-scope lookups, and replacement in place."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from flyte._internal import wire
from flyte.server.db.database import open_database
from flyte.server.db.schema import secrets
from flyte.server.secrets.cipher import SecretCipher
from flyte.server.secrets.scope import Scope
from flyte.server.secrets.vault import SecretVault


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = open_database(f"sqlite:///{tmp_path / 'server.db'}")
    yield engine
    engine.dispose()


@pytest.fixture
def vault(engine: Engine, tmp_path: Path) -> SecretVault:
    return SecretVault(engine, SecretCipher.for_home(tmp_path / "home"))


def _write(name: str, value: str, project: str | None = None, domain: str | None = None) -> wire.SecretWrite:
    return wire.SecretWrite(name=name, value=value, project=project, domain=domain)


def test_store_replaces_in_place_and_keeps_no_plain_text(vault: SecretVault, engine: Engine) -> None:
    first, created = vault.store(_write("k", "value-one"))
    assert created
    again, created = vault.store(_write("k", "value-two"))
    assert not created
    assert again.created_at == first.created_at and again.updated_at >= first.updated_at
    with engine.connect() as conn:
        blobs = [bytes(row.value) for row in conn.execute(select(secrets))]
    assert len(blobs) == 1 and b"value" not in blobs[0]
    assert vault.lookup("k", None, "p", "d") == "value-two"


def test_lookup_picks_the_narrowest_scope(vault: SecretVault) -> None:
    vault.store(_write("k", "global"))
    vault.store(_write("k", "domain", domain="d"))
    vault.store(_write("k", "project", project="p"))
    vault.store(_write("k", "both", project="p", domain="d"))
    vault.store(_write("only", "elsewhere", project="q"))
    assert vault.lookup("k", None, "p", "d") == "both"
    assert vault.lookup("k", None, "p", "e") == "project"
    assert vault.lookup("k", None, "x", "d") == "domain"
    assert vault.lookup("k", None, "x", "y") == "global"
    assert vault.lookup("only", None, "p", "d") is None
    assert vault.lookup("missing", None, "p", "d") is None


def test_metadata_is_by_exact_scope_and_deletes_one(vault: SecretVault) -> None:
    vault.store(_write("k", "global"))
    vault.store(_write("k", "project", project="p"))
    assert vault.info("k", Scope()) is not None
    assert vault.info("k", Scope(domain="d")) is None
    assert [(i.name, i.project) for i in vault.list(project="p")] == [("k", "p")]
    assert len(vault.list()) == 2
    assert vault.delete("k", Scope(project="p"))
    assert not vault.delete("k", Scope(project="p"))
    assert vault.lookup("k", None, "p", "d") == "global"
