"""``flyte create|get|delete api-key``: the keys of a server started with ``--auth``.

A key is printed once, when it is created: the server keeps only its hash. Listing shows names,
project scopes and creation times. Deleting a key refuses its very next use.
"""

from __future__ import annotations

import time

import click

from flyte._internal import wire
from flyte.cli._abort import server_client
from flyte.cli._output import chosen_format, output_format_option, render

__all__ = ["create_api_key", "delete_api_key", "get_api_key"]


@click.command("api-key", short_help="Create an API key of the server.")
@click.argument("name")
@click.option("-p", "--project", help="Let the key act in this project only (default: every project).")
def create_api_key(name: str, project: str | None) -> None:
    """Create the API key NAME on the configured server and print it, once.

    Clients send it from FLYTE_API_KEY or admin.api_key in the config. Only an unscoped key
    may create keys.
    """
    created = server_client().create_api_key(name, project)
    scope = f"project {created.project}" if created.project else "every project"
    click.echo(f"Created API key {created.name} ({scope}); it is shown only now:", err=True)
    click.echo(created.key)


def _when(seconds: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(seconds))


def _rows(keys: list[wire.ApiKeyInfo]) -> list[tuple[str, str, str]]:
    return [(k.name, k.project or "*", _when(k.created_at)) for k in keys]


@click.command("api-key", short_help="List the server's API keys (never the keys).")
@click.argument("name", required=False)
@output_format_option
def get_api_key(name: str | None, output_format: str | None) -> None:
    """List the API keys of the configured server (or the one named NAME): name, project scope
    and creation time; a key itself is never shown again."""
    keys = [k for k in server_client().list_api_keys() if name is None or k.name == name]
    if name is not None and not keys:
        raise click.ClickException(f"no API key named {name!r}")
    chosen = chosen_format(output_format)
    if chosen != "table":
        click.echo(render([k.model_dump(mode="json") for k in keys], chosen))
        return
    if not keys:
        click.echo("No API keys.")
        return
    rows = [("NAME", "PROJECT", "CREATED"), *_rows(keys)]
    widths = [max(len(row[col]) for row in rows) for col in range(2)]
    for row in rows:
        click.echo(f"{row[0]:<{widths[0]}}  {row[1]:<{widths[1]}}  {row[2]}")


@click.command("api-key", short_help="Delete an API key of the server.")
@click.argument("name")
def delete_api_key(name: str) -> None:
    """Delete the API key NAME: the next request with it is refused."""
    server_client().delete_api_key(name)
    click.echo(f"Deleted API key {name}")
