"""``flyte create project`` and ``flyte get project``: the projects of a server.

Runs, secrets and API keys name a project by its id. A project nobody created is recorded the
first time a run names it, so a fresh server takes the configuration's default project as it is.
"""

from __future__ import annotations

import time

import click
from pydantic import ValidationError

from flyte._internal import wire
from flyte.cli._abort import server_client
from flyte.cli._output import chosen_format, output_format_option, render

__all__ = ["create_project", "get_project"]


def _labels(given: tuple[str, ...]) -> dict[str, str]:
    labels = {}
    for entry in given:
        key, sep, value = entry.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"labels are written key=value, got {entry!r}", param_hint="'-l' / '--label'")
        labels[key.strip()] = value.strip()
    return labels


@click.command("project", short_help="Create a project on the server.")
@click.option("--id", "project_id", required=True, help="Unique identifier of the project (immutable).")
@click.option("--name", required=True, help="Display name of the project.")
@click.option("--description", default="", help="Description of the project.")
@click.option("-l", "--label", "labels", multiple=True, metavar="KEY=VALUE", help="A label (repeatable).")
def create_project(project_id: str, name: str, description: str, labels: tuple[str, ...]) -> None:
    """Create a project on the configured server.

    \b
        flyte create project --id ml --name "Machine learning" -l team=ml
    """
    try:
        request = wire.ProjectCreate(id=project_id, name=name, description=description, labels=_labels(labels))
    except ValidationError as e:
        problems = "; ".join(f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in e.errors())
        raise click.ClickException(f"invalid project: {problems}") from None
    created = server_client().create_project(request)
    click.echo(f"Created project {created.id} ({created.name})")


@click.command("project", short_help="List the server's projects, or show one.")
@click.argument("name", required=False)
@output_format_option
def get_project(name: str | None, output_format: str | None) -> None:
    """List the projects of the configured server, or show the one whose id is NAME."""
    client = server_client()
    projects = [client.get_project(name)] if name is not None else client.list_projects()
    chosen = chosen_format(output_format)
    if chosen != "table":
        value = [p.model_dump(mode="json") for p in projects]
        click.echo(render(value[0] if name is not None else value, chosen))
        return
    if not projects:
        click.echo("No projects.")
        return
    rows = [("ID", "NAME", "CREATED", "LABELS")]
    for p in projects:
        labels = ",".join(f"{k}={v}" for k, v in sorted(p.labels.items())) or "-"
        rows.append((p.id, p.name, time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(p.created_at)), labels))
    widths = [max(len(row[col]) for row in rows) for col in range(3)]
    for row in rows:
        click.echo(f"{row[0]:<{widths[0]}}  {row[1]:<{widths[1]}}  {row[2]:<{widths[2]}}  {row[3]}")
    if name is not None and projects[0].description:
        click.echo(f"\n{projects[0].description}")
