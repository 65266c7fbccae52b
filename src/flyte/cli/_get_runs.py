"""``flyte get runs|run|io|logs``: runs and their actions, inputs, outputs and logs.

With an endpoint configured they read the server's API; without one, the local runs database.
Each takes ``--output-format table`` (for people, the default) or ``json`` (for programs; logs
are then JSON lines, one object per log line).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import click

from flyte._internal.model.phases import ActionPhase
from flyte.cli._show import (
    action_tree,
    dump_json,
    duration,
    error_line,
    jsonable,
    readable,
    runs_table,
    timestamp,
)
from flyte.cli.main import current_config

if TYPE_CHECKING:
    from flyte._internal import wire
    from flyte.cli._sources import RunSource

__all__ = ["get_io", "get_logs", "get_run", "get_runs"]

_PHASES = tuple(phase.value for phase in ActionPhase)

output_format = click.option(
    "--output-format",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="table for people, json for programs.",
)


def _source() -> RunSource:
    from flyte.cli._sources import source_for

    return source_for(current_config())


@click.command("runs", short_help="List runs, newest first.")
@click.option("--phase", type=click.Choice(_PHASES, case_sensitive=False), help="Only runs in this phase.")
@click.option("--task", help="Only runs of this task (full env.task name or short name).")
@click.option("-p", "--project", help="Only runs of this project.")
@click.option("-d", "--domain", help="Only runs of this domain.")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True, help="At most this many.")
@output_format
def get_runs(
    phase: str | None,
    task: str | None,
    project: str | None,
    domain: str | None,
    limit: int,
    output_format: str,
) -> None:
    """List runs, newest first: the server's with an endpoint configured, else the local ones."""
    runs = _source().list_runs(
        project=project, domain=domain, phase=phase.upper() if phase else None, task=task, limit=limit
    )
    if output_format == "json":
        click.echo(dump_json(runs))
    elif not runs:
        click.echo("No runs.")
    else:
        for line in runs_table(runs):
            click.echo(line)


@click.command("run", short_help="Show a run and its tree of actions.")
@click.argument("name")
@output_format
def get_run(name: str, output_format: str) -> None:
    """Show the run NAME and its actions as a tree: groups as folders, with phases, durations,
    attempts and cache status."""
    source = _source()
    run = source.get_run(name)
    actions = source.list_actions(name)
    if output_format == "json":
        click.echo(dump_json({"run": run, "actions": actions}))
        return
    took = duration(run.started_at, run.ended_at)
    click.echo(f"Run:      {run.name} ({run.phase}, {took})")
    click.echo(f"Task:     {run.task_name}")
    click.echo(f"Project:  {run.project}/{run.domain}")
    click.echo(f"Started:  {timestamp(run.started_at or run.created_at)}")
    if run.url:
        click.echo(f"URL:      {run.url}")
    if run.error is not None:
        click.echo(f"Error:    {error_line(run.error)}")
    click.echo("")
    for line in action_tree(actions) if actions else ["No actions."]:
        click.echo(line)
    waiting = [action for action in actions if action.waiting_reason]
    if waiting:
        click.echo("")
    for action in waiting:
        click.echo(f"Waiting:  {action.name}: {action.waiting_reason}")


@click.command("io", short_help="Show the inputs and outputs of an action.")
@click.argument("run")
@click.argument("action", default="a0")
@output_format
def get_io(run: str, action: str, output_format: str) -> None:
    """Show the inputs and outputs of ACTION (the root action, a0, by default) of RUN.

    Values are decoded without the task's code: plain values read as they were, records as
    dicts of their fields, and pickled values are shown as placeholders, never unpickled.
    """
    from flyte._internal.wire import TERMINAL_PHASES
    from flyte.remote._values import decode_inputs, decode_outputs

    detail = _source().get_action(run, action)
    inputs = decode_inputs(detail.inputs, unpickle=False)
    ended_well = detail.phase in TERMINAL_PHASES and detail.error is None
    outputs = decode_outputs(detail.outputs, unpickle=False).named_outputs if ended_well else None
    if output_format == "json":
        error = detail.error.model_dump(mode="json") if detail.error is not None else None
        body = {"run": run, "action": action, "phase": detail.phase, "inputs": inputs, "outputs": outputs}
        click.echo(json.dumps(jsonable({**body, "error": error}), indent=2, ensure_ascii=False))
        return
    click.echo(f"Action:  {run}/{action} {detail.task_name} ({detail.phase})")
    if detail.waiting_reason:
        click.echo(f"Waiting: {detail.waiting_reason}")
    _show_values("Inputs:", inputs)
    if detail.error is not None:
        click.echo(f"Error:   {error_line(detail.error)}")
        if detail.error.traceback:
            click.echo(detail.error.traceback.rstrip())
    elif outputs is None:
        click.echo(f"Outputs: none yet ({detail.phase})")
    else:
        _show_values("Outputs:", outputs)


def _show_values(title: str, values: dict[str, Any]) -> None:
    click.echo(title + ("" if values else " none"))
    for key, value in values.items():
        click.echo(readable(f"  {key} = ", value))


@click.command("logs", short_help="Show the logs of an action.")
@click.argument("run")
@click.argument("action", default="a0")
@click.option("-f", "--follow", is_flag=True, help="Keep printing new lines until the action ends.")
@output_format
def get_logs(run: str, action: str, follow: bool, output_format: str) -> None:
    """Show what ACTION (the root action, a0, by default) of RUN printed and logged.

    Only server runs keep logs; a local run's output went to the terminal that ran it.
    """
    from flyte.cli._follow import stream_logs

    shown = 0

    def emit(line: wire.StoredLogLine) -> None:
        nonlocal shown
        shown += 1
        click.echo(line.model_dump_json() if output_format == "json" else line.text)

    stream_logs(_source(), run, action, emit, follow=follow)
    if not shown and output_format == "table":
        click.echo(f"No logs from {run}/{action}.", err=True)
