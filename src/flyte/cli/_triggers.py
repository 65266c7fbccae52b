"""``flyte create|get|update|delete trigger``: the triggers of
deployed tasks on the server, as the real CLI names them (a trigger is NAME of TASK_NAME)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING

import click

from flyte.cli._output import chosen_format, output_format_option, render
from flyte.cli._tasks import connect_remote

if TYPE_CHECKING:
    from flyte.remote import Trigger

__all__ = ["create_trigger", "delete_trigger", "get_trigger", "update_trigger"]

_project = click.option("-p", "--project", help="Project the trigger's task is deployed in.")
_domain = click.option("-d", "--domain", help="Domain the trigger's task is deployed in.")


def _when(moment: datetime | None) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S") if moment is not None else "-"


def _table(triggers: list[Trigger]) -> None:
    rows = [("TASK", "NAME", "ACTIVE", "SCHEDULE", "LAST FIRED (UTC)")]
    rows += [
        (t.task_name, t.name, "yes" if t.is_active else "no", t.automation_spec, _when(t.last_fired)) for t in triggers
    ]
    widths = [max(len(row[col]) for row in rows) for col in range(len(rows[0]) - 1)]
    for row in rows:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)) + "  " + row[-1])


@click.command("trigger", short_help="List triggers, or show one.")
@click.argument("task_name", required=False)
@click.argument("name", required=False)
@click.option(
    "--limit", type=click.IntRange(min=1, max=1000), default=100, show_default=True, help="List at most this many."
)
@_project
@_domain
@output_format_option
def get_trigger(
    task_name: str | None,
    name: str | None,
    limit: int,
    project: str | None,
    domain: str | None,
    output_format: str | None,
) -> None:
    """List the triggers of the deployed tasks (of TASK_NAME when given), or show trigger NAME of TASK_NAME."""
    from flyte.remote import Trigger

    connect_remote(project, domain)
    chosen = chosen_format(output_format)
    triggers = [Trigger.get(name, task_name)] if task_name and name else Trigger.listall(task_name, limit=limit)
    if chosen != "table":
        data = [t.to_dict() for t in triggers]
        click.echo(render(data[0] if task_name and name else data, chosen))
    elif not triggers:
        click.echo("No triggers." if task_name is None else f"No triggers of task {task_name}.")
    else:
        _table(triggers)


@click.command("trigger", short_help="Activate or deactivate a trigger.")
@click.argument("name")
@click.argument("task_name")
@click.option("--activate/--deactivate", required=True, help="Activate or deactivate the trigger.")
@_project
@_domain
def update_trigger(name: str, task_name: str, activate: bool, project: str | None, domain: str | None) -> None:
    """Activate or deactivate trigger NAME of task TASK_NAME (activated, it fires from now on)."""
    from flyte.remote import Trigger

    connect_remote(project, domain)
    trigger = Trigger.update(name, task_name, activate)
    click.echo(f"Trigger {trigger.name} of {trigger.task_name} is {'active' if trigger.is_active else 'inactive'}.")


@click.command("trigger", short_help="Delete a trigger.")
@click.argument("name")
@click.argument("task_name")
@_project
@_domain
def delete_trigger(name: str, task_name: str, project: str | None, domain: str | None) -> None:
    """Delete trigger NAME of task TASK_NAME; the runs it started stay."""
    from flyte.remote import Trigger

    connect_remote(project, domain)
    Trigger.delete(name, task_name)
    click.echo(f"Deleted trigger {name} of {task_name}.")


@click.command("trigger", short_help="Add a cron trigger to a deployed task.")
@click.argument("task_name")
@click.argument("name")
@click.option("--schedule", required=True, help='Cron schedule, e.g. "0 0 * * *" (every day at midnight, UTC).')
@click.option("--description", default="", show_default=True, help="What the trigger is for.")
@click.option(
    "--auto-activate/--no-auto-activate", default=True, show_default=True, help="Whether it fires from now on."
)
@click.option(
    "--trigger-time-var",
    default="trigger_time",
    show_default=True,
    help="Input of the task that receives each firing's time (left unset when the task has no such input).",
)
@_project
@_domain
def create_trigger(
    task_name: str,
    name: str,
    schedule: str,
    description: str,
    auto_activate: bool,
    trigger_time_var: str,
    project: str | None,
    domain: str | None,
) -> None:
    """Add trigger NAME to the deployed task TASK_NAME, running its newest version on SCHEDULE.

    \b
        flyte create trigger my_env.nightly every-night --schedule "0 0 * * *"
    """
    import flyte
    from flyte.remote import Task, Trigger

    connect_remote(project, domain)
    task = Task.get(task_name, auto_version="latest")
    inputs = {trigger_time_var: flyte.TriggerTime} if trigger_time_var in task.interface.inputs else None
    cron = flyte.Cron(schedule)
    spec = flyte.Trigger(name, cron, description=description, auto_activate=auto_activate, inputs=inputs)
    created = Trigger.create(spec, task_name)
    state = "active" if created.is_active else "inactive"
    click.echo(f"Created trigger {created.name} of {created.task_name} ({created.automation_spec}, {state}).")
