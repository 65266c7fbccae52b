"""Fixtures of the Ray tests: one Ray cluster (a head and a second node) for the module, inside a
private network namespace, and servers that run their attempts on it, on SQLite and PostgreSQL.

The tests of a file run on one pytest worker, one after the other (``--dist loadfile``): a Ray
cluster is heavy on a two-core machine, and the namespace belongs to the worker's main thread.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fixtures.netns import POSTGRES_SOCKET_ADMIN_URL, private_network
from tests.fixtures.ray_cluster import RayCluster
from tests.fixtures.server import ServerHandle


@pytest.fixture(scope="package")
def ray_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RayCluster]:
    """A running two-node Ray cluster, in this thread's private network namespace."""
    with private_network():
        cluster = RayCluster(tmp_path_factory.mktemp("ray-cluster"))
        try:
            cluster.start()
            yield cluster
        finally:
            cluster.stop()


@pytest.fixture
def socket_postgres_url(ray_cluster: RayCluster) -> Iterator[str]:
    """A fresh PostgreSQL database reached through the Unix socket, dropped at the end."""
    import psycopg

    name = f"flyte_ray_{secrets.token_hex(6)}"
    with psycopg.connect(POSTGRES_SOCKET_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield POSTGRES_SOCKET_ADMIN_URL.replace("/postgres?", f"/{name}?")
    finally:
        with psycopg.connect(POSTGRES_SOCKET_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgres"])
def ray_db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database URL for a server on Ray: SQLite in the test folder, or PostgreSQL."""
    if request.param == "postgres":
        url: str = request.getfixturevalue("socket_postgres_url")
        return url
    return f"sqlite:///{tmp_path / 'server.db'}"


@pytest.fixture
def ray_server(ray_cluster: RayCluster, ray_db: str, tmp_path: Path) -> Iterator[ServerHandle]:
    """A server whose attempts run on the Ray cluster, stopped at the end of the test."""
    home = tmp_path / "server-home"
    home.mkdir()
    handle = ServerHandle(
        ray_db,
        home,
        args=("--executor", ray_cluster.client_address),
        env=ray_cluster.client_env,
    )
    handle.start(timeout=120)
    try:
        yield handle
    finally:
        handle.stop()
