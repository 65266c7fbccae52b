"""``flyte whoami``: which server this machine talks to, as whom, and in which project.

The key's name and scope come from the server (``GET /api/v1/whoami``), which is also the check
that the key works; the org, project and domain are this machine's defaults (the config, with
the root options applied). Without an endpoint, everything runs locally and no server is asked.
"""

from __future__ import annotations

from typing import Any

import click

from flyte.cli._output import chosen_format, output_format_option, render
from flyte.cli.main import current_config

__all__ = ["whoami"]


@click.command("whoami", short_help="Show the server, API key and project in use.")
@output_format_option
def whoami(output_format: str | None) -> None:
    """Show the endpoint, the API key's name and scope as the server sees it, and the default
    org, project and domain."""
    config = current_config()
    info: dict[str, Any] = {
        "endpoint": config.admin.endpoint or "local",
        "auth": "local",
        "key": None,
        "key_project": None,
        "org": config.task.org,
        "project": config.task.project,
        "domain": config.task.domain,
    }
    if config.admin.endpoint:
        from flyte._internal.client import client_for

        seen = client_for(config.admin.endpoint).whoami()
        info["auth"] = "api-key" if seen.auth else "no auth"
        info["key"] = seen.key_name
        info["key_project"] = seen.key_project
    chosen = chosen_format(output_format)
    if chosen != "table":
        click.echo(render(info, chosen))
        return
    key = "-"
    if info["key"] is not None:
        key = f"{info['key']} ({'project ' + info['key_project'] if info['key_project'] else 'every project'})"
    click.echo(f"Endpoint: {info['endpoint']}")
    click.echo(f"Auth:     {info['auth']}")
    click.echo(f"API key:  {key}")
    click.echo(f"Org:      {info['org'] or '-'}")
    click.echo(f"Project:  {info['project']}")
    click.echo(f"Domain:   {info['domain']}")
