"""``flyte get run [NAME]`` (and its older spelling ``flyte get runs``): runs, listed or one shown.

With an endpoint configured they read the server's API; without one, the local runs database
(see :mod:`flyte.cli._sources`). Tables are for people; ``-of json`` or ``-of yaml`` (or the
command's own ``--output-format``) print the same data for programs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from flyte._internal.model.phases import ActionPhase
from flyte.cli._output import chosen_format, output_format_option, render
from flyte.cli._show import action_tree, duration, error_line, runs_table, timestamp
from flyte.cli.main import current_config

if TYPE_CHECKING:
    from flyte._internal import wire
    from flyte.cli._sources import RunSource

__all__ = ["PHASE_CHOICE", "get_run", "get_runs", "run_source"]

PHASE_CHOICE = click.Choice([phase.value.lower() for phase in ActionPhase], case_sensitive=False)
"""The phases a listing can be filtered by, in lower case (any case is accepted)."""

_DEFAULT_LIMIT = 50


def run_source() -> RunSource:
    """Where runs are read: the configured server, else the local runs database."""
    from flyte.cli._sources import source_for

    return source_for(current_config())


def _list_runs(
    phase: str | None, task: str | None, project: str | None, domain: str | None, limit: int, output_format: str
) -> None:
    runs = run_source().list_runs(
        project=project, domain=domain, phase=phase.upper() if phase else None, task=task, limit=limit
    )
    if output_format != "table":
        click.echo(render(runs, output_format))
    elif not runs:
        click.echo("No runs.")
    else:
        for line in runs_table(runs):
            click.echo(line)


_project = click.option("-p", "--project", help="Only runs of this project.")
_domain = click.option("-d", "--domain", help="Only runs of this domain.")


@click.command("run", short_help="List runs, or show one run and its actions.")
@click.argument("name", required=False)
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    default=None,
    help=f"List at most this many runs (default {_DEFAULT_LIMIT}).",
)
@click.option("--in-phase", "phase", type=PHASE_CHOICE, help="List only runs in this phase.")
@click.option("--task-name", help="List only runs of this task (full env.task name or short name).")
@_project
@_domain
@output_format_option
def get_run(
    name: str | None,
    limit: int | None,
    phase: str | None,
    task_name: str | None,
    project: str | None,
    domain: str | None,
    output_format: str | None,
) -> None:
    """Without NAME, list runs, newest first; with NAME, show that run and its actions as a
    tree (groups as folders, with phases, durations, attempts and cache status).

    \b
        flyte get run
        flyte get run --in-phase failed --limit 5
        flyte get run --task-name main
        flyte get run my-run
    """
    chosen = chosen_format(output_format)
    if name is None:
        _list_runs(phase, task_name, project, domain, limit or _DEFAULT_LIMIT, chosen)
        return
    given = {"--limit": limit, "--in-phase": phase, "--task-name": task_name, "--project": project, "--domain": domain}
    filters = [flag for flag, value in given.items() if value is not None]
    if filters:
        raise click.UsageError(f"{', '.join(filters)} only apply when listing runs (without NAME)")
    _show_run(name, chosen)


def _show_run(name: str, output_format: str) -> None:
    source = run_source()
    run = source.get_run(name)
    actions = source.list_actions(name)
    attempts = _retried_attempts(source, name, actions)
    if output_format != "table":
        body: dict[str, object] = {"run": run, "actions": actions}
        if attempts:
            body["attempts"] = attempts
        click.echo(render(body, output_format))
        return
    took = duration(run.started_at, run.ended_at)
    click.echo(f"Run:      {run.name} ({run.phase}, {took})")
    click.echo(f"Task:     {run.task_name}")
    click.echo(f"Project:  {run.project}/{run.domain}")
    if run.rerun_of:
        click.echo(f"Rerun of: {run.rerun_of}" + (" (recovering its succeeded actions)" if run.recover else ""))
    click.echo(f"Started:  {timestamp(run.started_at or run.created_at)}")
    if run.url:
        click.echo(f"URL:      {run.url}")
    for title, pairs in (("Labels:", run.labels), ("Notes:", run.annotations)):
        if pairs:
            click.echo(f"{title:<9} " + ", ".join(f"{k}={v}" for k, v in sorted(pairs.items())))
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
    failed = [(name, a, a.error) for name, tried in attempts.items() for a in tried if a.error is not None]
    if failed:
        click.echo("")
    for action_name, attempt, error in failed:
        click.echo(f"Attempt:  {action_name} #{attempt.attempt} {attempt.phase}: {error_line(error)}")


def _retried_attempts(source: RunSource, run: str, actions: list[wire.ActionInfo]) -> dict[str, list[wire.AttemptInfo]]:
    """The attempts of the actions that ran more than once, where the source keeps them (the
    server does; local runs keep only the last attempt, already shown by the action)."""
    list_attempts = getattr(source, "list_attempts", None)
    if list_attempts is None:
        return {}
    return {action.name: list_attempts(run, action.name) for action in actions if action.attempts > 1}


@click.command("runs", short_help="List runs, newest first (as `get run` without a name).")
@click.option("--phase", "--in-phase", type=PHASE_CHOICE, help="Only runs in this phase.")
@click.option("--task", "--task-name", help="Only runs of this task (full env.task name or short name).")
@_project
@_domain
@click.option(
    "--limit", type=click.IntRange(min=1), default=_DEFAULT_LIMIT, show_default=True, help="At most this many."
)
@output_format_option
def get_runs(
    phase: str | None,
    task: str | None,
    project: str | None,
    domain: str | None,
    limit: int,
    output_format: str | None,
) -> None:
    """List runs, newest first: the server's with an endpoint configured, else the local ones."""
    _list_runs(phase, task, project, domain, limit, chosen_format(output_format))
