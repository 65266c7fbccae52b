"""``flyte get condition RUN [ACTION]``: the conditions of a server run, paused or resolved."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from flyte.cli._output import chosen_format, output_format_option, render
from flyte.cli._run_scope import run_in_scope
from flyte.cli.main import current_config

if TYPE_CHECKING:
    from flyte.remote import Condition

__all__ = ["get_condition"]

_LOCAL = (
    "flyte get condition needs a server, and no endpoint is configured: a local run asks for its "
    "conditions' values on its terminal, or takes them with flyte run --local --signal NAME=VALUE"
)


def _table(conditions: list[Condition]) -> None:
    rows = [("ACTION", "NAME", "PHASE", "TYPE", "VALUE", "PROMPT")]
    rows += [
        (c.action_name, c.name, c.phase, c.info.data_type, "-" if c.value is None else repr(c.value), c.prompt)
        for c in conditions
    ]
    widths = [max(len(row[col]) for row in rows) for col in range(len(rows[0]) - 1)]
    for row in rows:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)) + "  " + row[-1])


@click.command("condition", short_help="List the conditions of a run.")
@click.argument("run_name")
@click.argument("action_name", required=False)
@run_in_scope("run_name")
@output_format_option
def get_condition(run_name: str, action_name: str | None, output_format: str | None) -> None:
    """List the conditions of RUN_NAME (those ACTION_NAME waits for, when given): what each asks,
    its type, and its value once signalled. `flyte signal condition` gives a paused one its value."""
    import flyte
    from flyte.remote import Condition

    config = current_config()
    if not config.is_remote:
        raise click.ClickException(_LOCAL)
    flyte.init_from_config(config)
    conditions = Condition.listall(run_name, action_name, limit=10_000)
    chosen = chosen_format(output_format)
    if chosen != "table":
        click.echo(render([c.to_dict() for c in conditions], chosen))
    elif not conditions:
        where = f"action {action_name} of run {run_name}" if action_name else f"run {run_name}"
        click.echo(f"No conditions in {where}.")
    else:
        _table(conditions)
