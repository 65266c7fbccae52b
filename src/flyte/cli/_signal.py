"""``flyte signal condition RUN ACTION [VALUE]``: give a paused condition of a server run its value.

ACTION is the condition's action name or, when no other condition of the run has it, the name
its task gave it. The value is read as the condition's type (true/false for bool, integer or
decimal literals, any text for str); without VALUE the prompt is shown and the value asked for.
Local runs take their conditions' values with ``flyte run --local --signal NAME=VALUE`` or on
the terminal.
"""

from __future__ import annotations

from typing import Any

import click

from flyte.cli._run_scope import run_in_scope
from flyte.cli.main import current_config

__all__ = ["signal"]

LOCAL_RUNS = (
    "flyte signal needs a server, and no endpoint is configured: a local run takes its conditions' "
    "values with flyte run --local --signal NAME=VALUE, or asks on its terminal"
)
"""The error without an endpoint."""

_PROMPT_TYPES: dict[str, Any] = {
    "bool": click.BOOL,
    "int": click.INT,
    "float": click.FLOAT,
    "str": click.STRING,
}


@click.group()
def signal() -> None:
    """Signal a paused condition of a server run.

    \b
        flyte signal condition r1a2b3 approve true
        flyte signal condition r1a2b3 a9f8e7d6c5b4a3f2 42
        flyte signal condition r1a2b3 approve      # shows the prompt and asks
    """


@signal.command("condition", short_help="Give a paused condition its value.")
@click.argument("run_name")
@click.argument("action_name")
@click.argument("value", required=False)
@run_in_scope("run_name")
def condition(run_name: str, action_name: str, value: str | None) -> None:
    """Give the paused condition ACTION_NAME of RUN_NAME its VALUE (asked for when left out)."""
    from flyte._condition import coerce_value

    config = current_config()
    if not config.admin.endpoint:
        raise click.ClickException(LOCAL_RUNS)
    from flyte._internal.client import client_for

    client = client_for(config.admin.endpoint)
    info = client.get_condition(run_name, action_name)
    label = f"Condition {info.name!r} ({info.action_name}) of run {run_name}"
    if info.phase != "PAUSED":
        raise click.ClickException(f"{label} has ended ({info.phase}): it takes no value now")
    if value is None:
        click.echo(info.prompt)
        typed = click.prompt(f"Value ({info.data_type})", type=_PROMPT_TYPES[info.data_type])
    else:
        typed = coerce_value(value, info.data_type, info.name)
    signalled = client.signal_condition(run_name, info.action_name, typed)
    click.echo(f"{label} signalled: {signalled.value!r}")
