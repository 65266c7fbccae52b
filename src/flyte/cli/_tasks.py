"""``flyte get task [NAME] [VERSION]``: the tasks deployed on the server, listed or one shown."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING

import click

from flyte.cli._output import chosen_format, output_format_option, render
from flyte.cli.main import current_config

if TYPE_CHECKING:
    from flyte.remote import Task

__all__ = ["connect_remote", "get_task"]


def connect_remote(project: str | None, domain: str | None) -> None:
    """Points the SDK at the configured server, in ``project`` and ``domain`` when given.

    Raises:
        click.ClickException: no server is configured.
    """
    import flyte

    config = current_config()
    if not config.is_remote:
        raise click.ClickException(
            "this command needs a server: configure one (admin.endpoint, FLYTE_ADMIN_ENDPOINT or --endpoint)"
        )
    flyte.init_from_config(config, project=project, domain=domain)


def _when(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def _show_one(task: Task) -> None:
    info = task.info
    click.echo(f"Task:        {task.name}")
    click.echo(f"Version:     {task.version}")
    click.echo(f"Environment: {task.environment}")
    click.echo(f"Project:     {task.project}/{task.domain}")
    click.echo(f"Deployed:    {_when(info.created_at)} UTC")
    click.echo("Inputs:" + ("" if info.interface.inputs else " none"))
    for spec in info.interface.inputs:
        click.echo(f"  {spec.name}: {spec.type}{'  (has a default)' if spec.has_default else ''}")
    click.echo(f"Output:      {'none' if info.interface.returns_none else info.interface.output}")
    if info.triggers:
        click.echo(f"Triggers:    {', '.join(t.name for t in info.triggers)}")


@click.command("task", short_help="List deployed tasks, or show one.")
@click.argument("name", required=False)
@click.argument("version", required=False)
@click.option(
    "--limit", type=click.IntRange(min=1, max=1000), default=100, show_default=True, help="List at most this many."
)
@click.option("--entrypoint", is_flag=True, help="Only tasks that can be run on their own (every deployed task).")
@click.option("-p", "--project", help="Project the tasks are deployed in.")
@click.option("-d", "--domain", help="Domain the tasks are deployed in.")
@output_format_option
def get_task(
    name: str | None,
    version: str | None,
    limit: int,
    entrypoint: bool,
    project: str | None,
    domain: str | None,
    output_format: str | None,
) -> None:
    """List the versions of deployed tasks, newest first (of task NAME when given), or show
    version VERSION of task NAME (`flyte get task NAME latest`: its newest)."""
    from flyte.remote import Task

    del entrypoint
    connect_remote(project, domain)
    chosen = chosen_format(output_format)
    if name is not None and version is not None:
        task = Task.get(name, version=None if version == "latest" else version, auto_version="latest")
        if chosen != "table":
            click.echo(render(task.to_dict(), chosen))
        else:
            _show_one(task)
        return
    tasks = Task.listall(by_task_name=name, limit=limit)
    if chosen != "table":
        click.echo(render([task.to_dict() for task in tasks], chosen))
        return
    if not tasks:
        click.echo("No deployed tasks." if name is None else f"No deployed task named {name}.")
        return
    rows = [("NAME", "VERSION", "ENVIRONMENT", "TRIGGERS", "DEPLOYED (UTC)")]
    rows += [
        (
            t.name,
            t.version,
            t.environment,
            ", ".join(tr.name for tr in t.info.triggers) or "-",
            _when(t.info.created_at),
        )
        for t in tasks
    ]
    widths = [max(len(row[col]) for row in rows) for col in range(len(rows[0]) - 1)]
    for row in rows:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)) + "  " + row[-1])
