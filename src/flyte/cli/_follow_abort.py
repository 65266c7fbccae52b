"""Ctrl-C while ``flyte run --follow`` follows a server run.

The run is on the server: stopping to follow it does not stop it. On a terminal the user is
asked whether to abort it; otherwise (a script, CI) it is left running and one line says how to
abort it. Either way the command then exits with code 130, as for an interrupted program.
"""

from __future__ import annotations

import sys
from typing import IO, TYPE_CHECKING

import click

from flyte.cli._follow import follow_run

if TYPE_CHECKING:
    from flyte._internal import wire
    from flyte._internal.client import ApiClient

__all__ = ["FOLLOW_REASON", "INTERRUPTED", "follow_or_abort", "offer_abort"]

INTERRUPTED = 130
"""The exit code after Ctrl-C (128 + SIGINT)."""
FOLLOW_REASON = "Aborted with Ctrl-C in flyte run --follow"
"""The reason recorded when the user aborts the run at the prompt."""


def follow_or_abort(client: ApiClient, run: str, live: bool = True) -> wire.RunInfo:
    """:func:`~flyte.cli._follow.follow_run`; on Ctrl-C, :func:`offer_abort` and exit 130."""
    try:
        return follow_run(client, run, live=live)
    except KeyboardInterrupt:
        click.echo("", err=True)
        offer_abort(client, run)
        raise click.exceptions.Exit(INTERRUPTED) from None


def offer_abort(client: ApiClient, run: str, stdin: IO[str] | None = None) -> bool:
    """Asks whether to abort ``run`` when ``stdin`` (the process's by default) is a terminal, and
    aborts it if so; otherwise, or when the answer is no, says how to abort it later. Returns
    whether the run was aborted."""
    stdin = sys.stdin if stdin is None else stdin
    if stdin is not None and stdin.isatty():
        try:
            wanted = click.confirm(f"Abort run {run} on the server?", default=False, err=True)
        except click.Abort:  # Ctrl-C or end of input at the prompt: leave the run alone
            click.echo("", err=True)
            wanted = False
        if wanted:
            client.abort_run(run, FOLLOW_REASON)
            click.echo(f"Run {run} aborted.", err=True)
            return True
    click.echo(f"Run {run} keeps running on the server; to abort it: flyte abort run {run}", err=True)
    return False
