"""``flyte abort``: stop a server run, or one action of it, and everything running below it.

``flyte abort run NAME`` aborts a run; ``flyte abort action RUN ACTION`` aborts one action and
the actions below it (the parent awaiting it gets ``ActionAbortedError``). The workers of the
aborted actions are killed, queued ones never start, and ``--reason`` is recorded as their
error's message (``flyte get run`` shows it). Aborting what is already aborted says so and
succeeds; aborting what ended otherwise is an error. Runs without a server live in the process
that started them and end with it: there is nothing to abort from another command.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from flyte.cli._run_scope import run_in_scope
from flyte.cli.main import current_config

if TYPE_CHECKING:
    from flyte._internal.client import ApiClient

__all__ = ["CLI_REASON", "LOCAL_RUNS", "abort", "abort_action", "abort_run", "server_client"]

CLI_REASON = "Aborted with the flyte CLI"
"""The reason recorded when ``--reason`` is not given."""

LOCAL_RUNS = (
    "flyte abort needs a server, and no endpoint is configured: a local run lives in the process "
    "that started it and ends with it (press Ctrl-C there)"
)
"""The error without an endpoint."""

_reason = click.option(
    "--reason",
    default=CLI_REASON,
    show_default=True,
    help="Why: recorded as the aborted actions' error message, shown by flyte get run.",
)


def server_client() -> ApiClient:
    """The client of the configured server; a one-line error when there is none."""
    config = current_config()
    if not config.admin.endpoint:
        raise click.ClickException(LOCAL_RUNS)
    from flyte._internal.client import client_for

    return client_for(config.admin.endpoint)


@click.group()
def abort() -> None:
    """Abort a server run, or one action of it, with everything running below it.

    \b
        flyte abort run my-run
        flyte abort run my-run --reason "wrong inputs"
        flyte abort action my-run a1b2c3   # the parent awaiting it gets ActionAbortedError
    """


@abort.command("run", short_help="Abort a run: every action still going stops.")
@click.argument("name")
@_reason
@run_in_scope("name")
def abort_run(name: str, reason: str) -> None:
    """Abort the run NAME: the workers of its running actions are killed, queued actions never
    start, and they all end ABORTED with REASON recorded."""
    client = server_client()
    if client.get_run(name).phase == "ABORTED":
        click.echo(f"Run {name} was already aborted.")
        return
    client.abort_run(name, reason)
    click.echo(f"Run {name} aborted: {reason}")


@abort.command("action", short_help="Abort one action of a run and the actions below it.")
@click.argument("run")
@click.argument("action")
@_reason
@run_in_scope("run")
def abort_action(run: str, action: str, reason: str) -> None:
    """Abort the action ACTION of run RUN and every action below it; the parent awaiting it gets
    ActionAbortedError and goes on (aborting the root action aborts the run)."""
    client = server_client()
    if client.get_action(run, action).phase == "ABORTED":
        click.echo(f"Action {action} of run {run} was already aborted.")
        return
    client.abort_action(run, action, reason)
    click.echo(f"Action {action} of run {run} aborted: {reason}")
