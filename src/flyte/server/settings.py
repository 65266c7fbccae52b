"""How a server is set up: where it listens, keeps its metadata and its data."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flyte._home import flyte_home


@dataclass(frozen=True)
class ServerSettings:
    """The settings of one server process (``flyte start server`` options)."""

    host: str = "127.0.0.1"
    port: int = 8080
    db_url: str | None = None
    store: str | None = None
    home: Path | None = None
    max_request_bytes: int = 256 * 1024 * 1024
    max_workers: int | None = None

    @property
    def server_home(self) -> Path:
        """The folder of the server's own files (default database, data, bundles cache)."""
        return self.home or flyte_home() / "server"

    @property
    def database_url(self) -> str:
        """The database URL: the given one, or a SQLite file in the server home."""
        return self.db_url or f"sqlite:///{self.server_home / 'server.db'}"

    @property
    def store_prefix(self) -> str:
        """Where run data goes: the given store URI, or a folder in the server home."""
        return self.store or str(self.server_home / "data")

    @property
    def endpoint(self) -> str:
        """The URL workers and clients use to reach this server."""
        return f"http://{self.host}:{self.port}"
