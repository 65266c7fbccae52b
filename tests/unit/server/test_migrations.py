"""The Alembic migrations create exactly the schema the server's code uses, on both databases."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from flyte.server.db.database import normalise_url, open_database
from flyte.server.db.schema import metadata


def _diff(url: str) -> list[object]:
    engine = open_database(url)
    try:
        with engine.connect() as conn:
            return list(compare_metadata(MigrationContext.configure(conn), metadata))
    finally:
        engine.dispose()


def test_sqlite_schema_matches_after_migrations(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'server.db'}"
    assert _diff(url) == []
    # Opening again applies nothing and keeps the data.
    assert _diff(url) == []


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_every_table_is_created(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    url = request.getfixturevalue("postgres_url") if backend == "postgres" else f"sqlite:///{tmp_path / 's.db'}"
    engine = open_database(url)
    try:
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert set(metadata.tables) <= tables
    assert "alembic_version" in tables


def test_postgres_schema_matches_after_migrations(postgres_url: str) -> None:
    assert _diff(postgres_url) == []


def test_postgres_urls_use_the_psycopg_driver() -> None:
    assert normalise_url("postgresql://u@h/db").startswith("postgresql+psycopg://")
    assert normalise_url("sqlite:///x.db") == "sqlite:///x.db"
