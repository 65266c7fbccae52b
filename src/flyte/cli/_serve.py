"""``flyte serve``: serve an app environment defined in a Python file until Ctrl-C.

Apps are served locally (``--local``, or when no endpoint is configured); this server does
not host apps yet, so serving to a configured endpoint is refused with a one-line error.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

import click

from flyte.cli._loader import load_file
from flyte.cli._run import _parse_env
from flyte.cli.main import current_config

if TYPE_CHECKING:
    from flyte.app import AppEnvironment

# How often the command checks that the app still runs while it waits for Ctrl-C.
_WATCH_INTERVAL = 0.5


def find_app_env(module: ModuleType, file: str, name: str) -> AppEnvironment:
    """The app environment ``name`` of ``module``: the variable of that name, else the app with
    that name.

    Raises:
        click.ClickException: none found; the message lists the apps the file defines.
    """
    from flyte.app import AppEnvironment

    found = getattr(module, name, None)
    if isinstance(found, AppEnvironment):
        return found
    apps = {var: value for var, value in vars(module).items() if isinstance(value, AppEnvironment)}
    for value in apps.values():
        if value.name == name:
            return value
    listed = ", ".join(sorted(apps)) or "none"
    raise click.ClickException(f"{file} has no app environment '{name}' (it has: {listed})")


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


@contextmanager
def _sigterm_stops() -> Iterator[None]:
    """Inside, SIGTERM interrupts like Ctrl-C, so a terminated ``flyte serve`` still stops its app."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@click.command("serve")
@click.option("--local", is_flag=True, help="Serve on this machine (the default without an endpoint).")
@click.option("-p", "--project", help="Project the app is served for (what flyte.app.ctx() tells it).")
@click.option("-d", "--domain", help="Domain the app is served for (what flyte.app.ctx() tells it).")
@click.option("--root-dir", type=click.Path(file_okay=False, path_type=Path), help="Root source directory.")
@click.option(
    "-e",
    "--env-var",
    "env_vars",
    multiple=True,
    callback=_parse_env,
    metavar="KEY=VALUE",
    help="Environment variable for the app; repeat for several.",
)
@click.argument("file", type=click.Path(dir_okay=False))
@click.argument("app_env_name")
def serve(
    local: bool,
    project: str | None,
    domain: str | None,
    root_dir: Path | None,
    env_vars: dict[str, str],
    file: str,
    app_env_name: str,
) -> None:
    """Serve the app environment APP_ENV_NAME (a variable of FILE, or an app's name) until Ctrl-C.

    \b
        flyte serve --local examples/apps/basic_app.py app_env
    """
    import flyte
    from flyte._serve import remote_serving_unsupported

    config = current_config()
    module = load_file(file)
    app_env = find_app_env(module, file, app_env_name)
    if config.is_remote and not local:
        raise remote_serving_unsupported(app_env.name)
    flyte.init_from_config(config, root_dir=root_dir, project=project, domain=domain)
    handle = flyte.with_servecontext(mode="local", env_vars=env_vars, project=project, domain=domain).serve(app_env)
    with _sigterm_stops():
        try:
            handle.activate(wait=True)
            click.echo(f"Serving app '{app_env.name}' at {handle.endpoint} (Ctrl-C to stop)")
            while not handle.is_deactivated():
                time.sleep(_WATCH_INTERVAL)
        except KeyboardInterrupt:
            click.echo(f"Stopping app '{app_env.name}'")
        finally:
            handle.deactivate(wait=True)
    click.echo(f"App '{app_env.name}' stopped")
