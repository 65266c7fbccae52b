"""``flyte get``: show the configuration, the local secrets (never their values) and runs.

Runs, their actions, inputs, outputs and logs come from the server when an endpoint is
configured, else from the local runs database (see :mod:`flyte.cli._sources`); those commands
live in :mod:`flyte.cli._get_runs`, :mod:`flyte.cli._get_actions` and :mod:`flyte.cli._get_data`.
"""

from __future__ import annotations

import click

from flyte._config import config_search_path
from flyte._secrets_store import SecretInfo, list_secrets
from flyte.cli._api_keys import get_api_key
from flyte.cli._conditions import get_condition
from flyte.cli._get_actions import get_action
from flyte.cli._get_data import get_io, get_logs
from flyte.cli._get_report import get_report
from flyte.cli._get_runs import get_run, get_runs
from flyte.cli._output import chosen_format, output_format_option, render
from flyte.cli._projects import get_project
from flyte.cli._tasks import get_task
from flyte.cli._triggers import get_trigger
from flyte.cli.main import current_config, current_state

__all__ = ["get", "get_action", "get_config", "get_io", "get_logs", "get_run", "get_runs", "get_secret"]


@click.group()
def get() -> None:
    """Show the configuration, the local secrets, or runs with their actions, data and logs.

    \b
        flyte get run                  # list runs
        flyte get run my-run           # one run and its actions
        flyte get action my-run a1     # one action
        flyte get io my-run            # inputs and outputs of the root action
        flyte get logs my-run -f       # logs, as they come
    """


for _command in (get_runs, get_run, get_action, get_io, get_logs):
    get.add_command(_command)
get.add_command(get_report)
get.add_command(get_api_key)
get.add_command(get_project)
get.add_command(get_task)
get.add_command(get_trigger)
get.add_command(get_condition)


@get.command("config", short_help="Print the effective configuration.")
@output_format_option
def get_config(output_format: str | None) -> None:
    """Print the effective configuration (YAML, or JSON with -of json), and where it came from:
    the file, the FLYTE_* environment variables and the root options that changed it."""
    config = current_config()
    chosen = chosen_format(output_format)
    if chosen == "json":
        click.echo(render(config.to_dict(), "json"))
        return
    if config.source is not None:
        click.echo(f"# source: {config.source}")
    else:
        searched = ", ".join(str(p) for p in config_search_path())
        click.echo(f"# no config file found, using defaults (searched: {searched})")
    if config.env_overrides:
        click.echo(f"# overridden by environment: {', '.join(config.env_overrides)}")
    options = current_state().option_overrides()
    if options:
        click.echo(f"# overridden by options: {', '.join(options)}")
    click.echo(config.to_yaml(), nl=False)


@get.command("secret", short_help="List secrets and their scopes.")
@click.argument("name", required=False)
@click.option("-p", "--project", help="Only secrets scoped to this project.")
@click.option("-d", "--domain", help="Only secrets scoped to this domain.")
@output_format_option
def get_secret(name: str | None, project: str | None, domain: str | None, output_format: str | None) -> None:
    """List secrets (all, or those named NAME) with their scopes; values are never shown.

    With a server endpoint configured these are the server's secrets, else the local store's.
    """
    config = current_config()
    if config.is_remote:
        from flyte.cli._secrets_remote import list_on_server

        found = list_on_server(config, name, project, domain)
        if name is not None and not found:
            raise click.ClickException(f"no secret named {name!r} on the server {config.admin.endpoint}")
        _show([SecretInfo(i.name, i.project, i.domain) for i in found], output_format, "No secrets on the server.")
        return
    infos = [
        info
        for info in list_secrets(home=config.home())
        if (name is None or info.name == name)
        and (project is None or info.project == project)
        and (domain is None or info.domain == domain)
    ]
    if name is not None and not infos:
        raise click.ClickException(f"no local secret named {name!r}")
    _show(infos, output_format, "No local secrets.")


def _show(infos: list[SecretInfo], output_format: str | None, empty: str) -> None:
    chosen = chosen_format(output_format)
    if chosen != "table":
        click.echo(render([{"name": i.name, "project": i.project, "domain": i.domain} for i in infos], chosen))
        return
    if not infos:
        click.echo(empty)
        return
    rows = [("NAME", "PROJECT", "DOMAIN")] + [(i.name, i.project or "-", i.domain or "-") for i in infos]
    widths = [max(len(row[col]) for row in rows) for col in range(2)]
    for row in rows:
        click.echo(f"{row[0]:<{widths[0]}}  {row[1]:<{widths[1]}}  {row[2]}")
