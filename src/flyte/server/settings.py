"""How a server is set up: where it listens, keeps its metadata and its data, and its limits."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flyte._home import flyte_home
from flyte._internal.bundle import BundleLimits


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
    max_bundle_unpacked_bytes: int = 512 * 1024 * 1024
    """A code bundle whose files add up to more than this is refused at upload (400)."""
    max_bundle_files: int = 20_000
    """A code bundle with more members than this is refused at upload (400)."""
    allow_installed_modules: bool = False
    """Whether a task may name a module installed on the server instead of a file of its bundle."""
    worker_env: tuple[str, ...] = ()
    """Names of the server's environment variables passed to workers, beyond the standard few."""
    allow_apt: bool = False
    """Whether building an image may install the system packages it asks for (with apt)."""
    zygote_idle_s: float = 300.0
    """A warm worker zygote (one per bundle and image) idle this long is stopped."""
    max_zygotes: int = 16
    """At most this many warm zygotes: the least recently used idle ones are stopped beyond it."""
    max_images: int = 32
    """At most this many built image environments: the least recently used unused ones are removed."""
    auth: bool = False
    """Whether every request needs an API key (see :mod:`flyte.server.auth.guard`)."""
    executor: str = "process"
    """Where attempts run: ``process`` (this machine), ``ray`` (a Ray cluster of this machine, started
    with the server) or ``ray://HOST:PORT`` (a running Ray cluster, joined through its client port)."""

    @property
    def bundle_limits(self) -> BundleLimits:
        """What a code bundle may unpack to."""
        return BundleLimits(self.max_bundle_unpacked_bytes, self.max_bundle_files)

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
