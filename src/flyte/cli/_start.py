"""``flyte start server``: serve the API, the UI and the scheduler from this machine."""

from __future__ import annotations

from pathlib import Path

import click
from click.core import ParameterSource

from flyte.cli._start_ui import start_ui

__all__ = ["start", "start_server"]

# What the server needs beyond flyte's own dependencies; missing, it is a setup step, not a bug.
_SERVER_PACKAGES = frozenset({"fastapi", "uvicorn", "sqlalchemy", "alembic", "psycopg", "starlette"})


@click.group()
def start() -> None:
    """Start a flyte service."""


start.add_command(start_ui)


@start.command("server", short_help="Serve the flyte API and run workflows.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=8080, show_default=True, help="Port to listen on.")
@click.option(
    "--db",
    "db_url",
    metavar="URL",
    envvar="FLYTE_SERVER_DB",
    help="Database URL (default: SQLite in the server's home); also read from FLYTE_SERVER_DB, which keeps a "
    "password out of the process list.",
)
@click.option(
    "--db-password-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A file whose first line is the database password.",
)
@click.option("--store", metavar="URI", help="Where run data goes: a folder or s3://bucket/prefix.")
@click.option(
    "--home",
    type=click.Path(file_okay=False, path_type=Path),
    help="The server's folder (database, data, logs); default: under the flyte home.",
)
@click.option("--max-workers", type=click.IntRange(1), help="Most attempts running at once (default: 12 per CPU).")
@click.option("--max-request-bytes", type=click.IntRange(1024), help="Largest request body accepted (default 256 MiB).")
@click.option(
    "--max-bundle-unpacked-bytes",
    type=click.IntRange(1024),
    help="Largest unpacked size of a code bundle (default 512 MiB).",
)
@click.option(
    "--zygote-idle-seconds",
    "zygote_idle_s",
    type=click.FloatRange(0),
    help="Stop a warm worker process (one per code bundle and image) idle this long (default 300).",
)
@click.option("--max-zygotes", type=click.IntRange(1), help="Most warm worker processes kept (default 16).")
@click.option("--max-images", type=click.IntRange(1), help="Most built image environments kept (default 32).")
@click.option(
    "--allow-installed-modules",
    is_flag=True,
    help="Let tasks name modules installed on the server, not only files of their run's code bundle.",
)
@click.option(
    "--allow-apt",
    is_flag=True,
    help="Let image builds install the system packages an image asks for (with apt).",
)
@click.option(
    "--worker-env",
    "worker_env",
    multiple=True,
    metavar="NAME",
    help="Pass the server's variable NAME to workers (repeatable); they get only a short allow-list otherwise.",
)
@click.option(
    "--auth",
    is_flag=True,
    help="Require an API key on every request (the first one is written to the server home); needed to listen "
    "on an address other than loopback.",
)
@click.option(
    "--executor",
    metavar="process|ray|ray://HOST:PORT",
    help="Where attempts run: this machine's processes (default), a Ray cluster started with the server "
    "(ray), or a running Ray cluster joined through its client port (ray://HOST:PORT).",
)
def start_server(
    host: str,
    port: int,
    db_url: str | None,
    db_password_file: Path | None,
    store: str | None,
    home: Path | None,
    max_workers: int | None,
    max_request_bytes: int | None,
    max_bundle_unpacked_bytes: int | None,
    zygote_idle_s: float | None,
    max_zygotes: int | None,
    max_images: int | None,
    allow_installed_modules: bool,
    allow_apt: bool,
    worker_env: tuple[str, ...],
    auth: bool,
    executor: str | None,
) -> None:
    """Serve the flyte API and the scheduler on HOST:PORT until interrupted.

    Point clients at it with admin.endpoint in the config (or FLYTE_ADMIN_ENDPOINT); then
    `flyte run FILE TASK` runs on this server.
    """
    try:
        from flyte.server.app import serve
        from flyte.server.auth.binding import check_binding
        from flyte.server.executors.ray_cluster import check_executor
        from flyte.server.options import database_url, has_password, settings_from_options
    except ModuleNotFoundError as e:
        if e.name not in _SERVER_PACKAGES:
            raise
        raise click.ClickException(
            f"the flyte server needs {e.name}, which is not installed: reinstall openflyte"
        ) from e
    check_binding(host, auth)
    context = click.get_current_context()
    if db_url and has_password(db_url) and context.get_parameter_source("db_url") == ParameterSource.COMMANDLINE:
        click.echo(
            "Warning: the --db URL holds a password, which every user of this machine can see in the process "
            "list; set FLYTE_SERVER_DB or use --db-password-file instead.",
            err=True,
        )
    settings = settings_from_options(
        host=host,
        port=port,
        db_url=database_url(db_url, db_password_file),
        store=store,
        home=home,
        max_workers=max_workers,
        max_request_bytes=max_request_bytes,
        max_bundle_unpacked_bytes=max_bundle_unpacked_bytes,
        zygote_idle_s=zygote_idle_s,
        max_zygotes=max_zygotes,
        max_images=max_images,
        allow_installed_modules=allow_installed_modules,
        allow_apt=allow_apt,
        worker_env=worker_env,
        auth=auth,
        executor=check_executor(executor) if executor is not None else None,
    )
    shown_host = f"[{host}]" if ":" in host else host
    click.echo(f"Flyte server: http://{shown_host}:{port} (set admin.endpoint to use it)")
    serve(settings)
