"""``flyte rerun``: start a server run again with its code and inputs, optionally recovering.

``flyte rerun RUN`` starts a new run of RUN's root task with RUN's exact inputs, code bundle and
options; ``--recover`` reuses RUN's actions that succeeded with the same inputs (they show as
RECOVERED and do not run again), so only what failed or never ran is executed. Reruns need a
server: a local run's code is whatever the local files hold now, nothing to replay faithfully.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from flyte.cli._run_scope import run_in_scope
from flyte.cli.main import current_config, current_state

if TYPE_CHECKING:
    from flyte._internal.client import ApiClient

__all__ = ["rerun"]

LOCAL_RUNS = (
    "flyte rerun needs a server, and no endpoint is configured: a local run's code is the local files "
    "as they are now, so run it again with flyte run"
)
"""The error without an endpoint."""


@click.command("rerun")
@click.argument("run_name")
@click.option("--name", help="Name of the new run (a random name when not given).")
@click.option("--recover", is_flag=True, help="Reuse RUN_NAME's succeeded actions; only the rest runs.")
@click.option(
    "--action-name",
    default="a0",
    show_default=True,
    help="Re-run only this action of RUN_NAME (its task with the inputs it received); not with --recover.",
)
@click.option(
    "--force-rerun-action",
    "force_rerun_actions",
    multiple=True,
    help="With --recover: an action to run again although it succeeded. Repeatable.",
)
@click.option(
    "--allow-missing-outputs",
    is_flag=True,
    help="Accepted for compatibility: the server never needs RUN_NAME's outputs to start a rerun.",
)
@click.option("--follow", "-f", is_flag=True, help="Stream the new run's logs until it ends, then print its outputs.")
@run_in_scope("run_name")
def rerun(
    run_name: str,
    name: str | None,
    recover: bool,
    action_name: str,
    force_rerun_actions: tuple[str, ...],
    allow_missing_outputs: bool,
    follow: bool,
) -> None:
    """Re-run RUN_NAME on the server with its original code and inputs.

    \b
        flyte rerun r1a2b3
        flyte rerun r1a2b3 --recover            # succeeded actions are RECOVERED, not run
        flyte rerun r1a2b3 --recover --force-rerun-action a1b2
        flyte rerun r1a2b3 --action-name a1b2   # one action's task with the inputs it got
    """
    del allow_missing_outputs
    config = current_config()
    if not config.admin.endpoint:
        raise click.ClickException(LOCAL_RUNS)
    from flyte._internal import wire
    from flyte._internal.client import client_for

    client = client_for(config.admin.endpoint)
    request = wire.RerunRequest(
        name=name, recover=recover, action_name=action_name, force_rerun_actions=list(force_rerun_actions)
    )
    info = client.rerun(run_name, request)
    how = "recovering from" if info.recover else "re-running"
    click.echo(f"Run:     {info.name} ({info.phase}, {how} {run_name})")
    click.echo(f"URL:     {info.url or client.endpoint + '/runs/' + info.name}")
    if not follow:
        return
    _follow(client, info.name)


def _follow(client: ApiClient, name: str) -> None:
    """Streams the run's logs until it ends, then prints its outputs (or fails with its error)."""
    from flyte.cli._follow_abort import follow_or_abort
    from flyte.cli._run import RunFailed, show_outputs
    from flyte.errors import BaseRuntimeError
    from flyte.remote._run import Run

    info = follow_or_abort(client, name, live=not current_state().no_progress)
    run = Run(info, client)
    try:
        outputs = run.outputs()
    except BaseRuntimeError as e:
        raise RunFailed(name, e, remote=True) from e
    click.echo(f"Run:     {name} ({run.phase})")
    show_outputs(outputs.named_outputs)
