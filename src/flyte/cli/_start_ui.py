"""``flyte start ui``: browse the local runs (``flyte run --local``, ``mode="local"``) in a browser."""

from __future__ import annotations

from pathlib import Path

import click

__all__ = ["start_ui"]


@click.command("ui", short_help="Serve the web UI of the local runs (read-only).")
@click.option("--port", type=click.IntRange(1, 65535), default=8090, show_default=True, help="Port to listen on.")
@click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The local runs database (default: local.db in the flyte home).",
)
def start_ui(port: int, db_path: Path | None) -> None:
    """Serve the web UI over the local runs database on 127.0.0.1:PORT until interrupted.

    The pages are the server's; runs are read-only. While it runs, `flyte run --local` prints
    the URL of each run's page.
    """
    try:
        from flyte.server.ui.local_app import serve_local
    except ModuleNotFoundError as e:
        raise click.ClickException(f"the flyte UI needs {e.name}, which is not installed: reinstall openflyte") from e
    from flyte._internal.store.local_db import default_db_path

    path = db_path or default_db_path()
    if db_path is not None and not db_path.exists():
        raise click.ClickException(f"no local runs database at {db_path}")
    click.echo(f"Flyte UI: http://127.0.0.1:{port} (local runs in {path})")
    serve_local(path, port)
