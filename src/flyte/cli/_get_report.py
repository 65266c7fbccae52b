"""``flyte get report RUN [ACTION]``: the HTML report of an action, printed or written to a file."""

from __future__ import annotations

from pathlib import Path

import click

from flyte._internal.model.naming import ROOT_ACTION
from flyte.cli._get_runs import run_source
from flyte.cli._run_scope import run_in_scope

__all__ = ["get_report"]


@click.command("report", short_help="Write the HTML report of an action.")
@click.argument("run")
@click.argument("action", default=ROOT_ACTION)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write the report to this file (default: print it).",
)
@run_in_scope("run")
def get_report(run: str, action: str, output: Path | None) -> None:
    """Write the latest HTML report of ACTION (the root action, a0, by default) of RUN.

    \b
        flyte get report my-run                 # the root action's report, printed
        flyte get report my-run a1 -o a1.html   # written to a file, to open in a browser
    """
    detail = run_source().get_action(run, action)
    if not detail.report:
        raise click.ClickException(f"action {action} of run {run} has no report")
    if output is None:
        click.echo(detail.report)
        return
    try:
        output.write_text(detail.report, encoding="utf-8")
    except OSError as e:
        raise click.ClickException(f"cannot write {output}: {e.strerror or e}") from e
    click.echo(f"Wrote the report of {run}/{action} to {output}")
