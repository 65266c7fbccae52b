"""``flyte get action RUN [ACTION]``: the actions of a run, or one action in detail.

Reads the configured server, else the local runs database, like the other ``flyte get``
commands.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from flyte.cli._get_runs import PHASE_CHOICE, run_source
from flyte.cli._output import chosen_format, output_format_option, render
from flyte.cli._run_scope import run_in_scope
from flyte.cli._show import action_tree, duration, error_line, table, timestamp

if TYPE_CHECKING:
    from flyte._internal import wire

__all__ = ["get_action"]


@click.command("action", short_help="List the actions of a run, or show one action.")
@click.argument("run")
@click.argument("action", required=False)
@click.option("--in-phase", "phase", type=PHASE_CHOICE, help="List only the actions in this phase.")
@output_format_option
@run_in_scope("run")
def get_action(run: str, action: str | None, phase: str | None, output_format: str | None) -> None:
    """Without ACTION, list the actions of RUN (as a tree, or a flat table with --in-phase);
    with ACTION, show that action: its task, phase, attempts, cache status, times and error.

    \b
        flyte get action my-run
        flyte get action my-run --in-phase failed
        flyte get action my-run a1

    Use `flyte get io` for an action's inputs and outputs and `flyte get logs` for its logs.
    """
    chosen = chosen_format(output_format)
    source = run_source()
    if action is not None:
        if phase is not None:
            raise click.UsageError("--in-phase only applies when listing actions (without ACTION)")
        _show_action(source.get_action(run, action), chosen)
        return
    actions = source.list_actions(run)
    if phase is not None:
        actions = [a for a in actions if a.phase == phase.upper()]
    if chosen != "table":
        click.echo(render(actions, chosen))
    elif not actions:
        click.echo(f"No actions in {run}" + (f" in phase {phase.upper()}." if phase else "."))
    elif phase is None:
        for line in action_tree(actions):
            click.echo(line)
    else:
        for line in _flat_table(actions):
            click.echo(line)


def _flat_table(actions: list[wire.ActionInfo]) -> list[str]:
    rows = [
        (
            a.name,
            a.task_name,
            a.phase,
            duration(a.started_at, a.ended_at),
            str(a.attempts),
            a.cache_status or "-",
            a.parent or "-",
        )
        for a in sorted(actions, key=lambda a: (a.queued_at, a.name))
    ]
    return table(("ACTION", "TASK", "PHASE", "DURATION", "ATTEMPTS", "CACHE", "PARENT"), rows)


def _show_action(detail: wire.ActionDetail, output_format: str) -> None:
    if output_format != "table":
        click.echo(render(detail, output_format))
        return
    fields = [
        ("Action", detail.name),
        ("Task", f"{detail.task_name} ({detail.kind})"),
        ("Phase", detail.phase),
        ("Parent", detail.parent or "-"),
        ("Group", detail.group or "-"),
        ("Attempts", str(detail.attempts)),
        ("Cache", detail.cache_status or "-"),
        ("Started", timestamp(detail.started_at or detail.queued_at)),
        ("Duration", duration(detail.started_at, detail.ended_at)),
    ]
    if detail.waiting_reason:
        fields.append(("Waiting", detail.waiting_reason))
    if detail.error is not None:
        fields.append(("Error", error_line(detail.error)))
    width = max(len(name) for name, _ in fields) + 2
    for name, value in fields:
        click.echo(f"{name + ':':<{width}}{value}")
