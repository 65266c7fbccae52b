"""``flyte start server``: serve the API, the UI and the scheduler from this machine."""

from __future__ import annotations

from pathlib import Path

import click

__all__ = ["start", "start_server"]

# What the server needs beyond flyte's own dependencies; missing, it is a setup step, not a bug.
_SERVER_PACKAGES = frozenset({"fastapi", "uvicorn", "sqlalchemy", "alembic", "psycopg", "starlette"})


@click.group()
def start() -> None:
    """Start a flyte service."""


@start.command("server", short_help="Serve the flyte API and run workflows.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=8080, show_default=True, help="Port to listen on.")
@click.option("--db", "db_url", metavar="URL", help="Database URL (default: SQLite in the server's home).")
@click.option("--store", metavar="URI", help="Where run data goes: a folder or s3://bucket/prefix.")
@click.option(
    "--home",
    type=click.Path(file_okay=False, path_type=Path),
    help="The server's folder (database, data, logs); default: under the flyte home.",
)
@click.option("--max-workers", type=click.IntRange(1), help="Most attempts running at once (default: 12 per CPU).")
@click.option("--max-request-bytes", type=click.IntRange(1024), help="Largest request body accepted (default 256 MiB).")
def start_server(
    host: str,
    port: int,
    db_url: str | None,
    store: str | None,
    home: Path | None,
    max_workers: int | None,
    max_request_bytes: int | None,
) -> None:
    """Serve the flyte API and the scheduler on HOST:PORT until interrupted.

    Point clients at it with admin.endpoint in the config (or FLYTE_ADMIN_ENDPOINT); then
    `flyte run FILE TASK` runs on this server.
    """
    try:
        from flyte.server.app import serve
    except ModuleNotFoundError as e:
        if e.name not in _SERVER_PACKAGES:
            raise
        raise click.ClickException(
            f"the flyte server needs {e.name}, which is not installed: reinstall openflyte"
        ) from e
    shown_host = f"[{host}]" if ":" in host else host
    click.echo(f"Flyte server: http://{shown_host}:{port} (set admin.endpoint to use it)")
    serve(
        host=host,
        port=port,
        db_url=db_url,
        store=store,
        home=home,
        max_workers=max_workers,
        max_request_bytes=max_request_bytes,
    )
