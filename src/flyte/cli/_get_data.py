"""``flyte get io`` and ``flyte get logs``: what an action was given, returned and printed.

Both read the configured server, else the local runs database (which keeps inputs and outputs
but no logs). With ``json`` output, logs are JSON lines (one object per log line) and with
``yaml`` a YAML list, written as the lines come.
"""

from __future__ import annotations

import collections
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from flyte._internal.model.naming import ROOT_ACTION
from flyte.cli._get_runs import run_source
from flyte.cli._output import chosen_format, output_format_option, render
from flyte.cli._run_scope import run_in_scope
from flyte.cli._show import error_line, jsonable, readable, timestamp

if TYPE_CHECKING:
    from flyte._internal import wire

__all__ = ["get_io", "get_logs"]


@click.command("io", short_help="Show the inputs and outputs of an action.")
@click.argument("run")
@click.argument("action", default=ROOT_ACTION)
@click.option("-i", "--inputs-only", is_flag=True, help="Show only the inputs.")
@click.option("-o", "--outputs-only", is_flag=True, help="Show only the outputs (or the error).")
@output_format_option
@run_in_scope("run")
def get_io(run: str, action: str, inputs_only: bool, outputs_only: bool, output_format: str | None) -> None:
    """Show the inputs and outputs of ACTION (the root action, a0, by default) of RUN.

    Values are decoded without the task's code: plain values read as they were, records as
    dicts of their fields, and pickled values are shown as placeholders, never unpickled.
    """
    from flyte._internal.wire import TERMINAL_PHASES
    from flyte.remote._values import decode_inputs, decode_outputs

    if inputs_only and outputs_only:
        raise click.UsageError("--inputs-only and --outputs-only exclude each other")
    show_inputs, show_outputs = not outputs_only, not inputs_only
    detail = run_source().get_action(run, action)
    inputs = decode_inputs(detail.inputs, unpickle=False) if show_inputs else {}
    ended_well = detail.phase in TERMINAL_PHASES and detail.error is None
    outputs = decode_outputs(detail.outputs, unpickle=False).named_outputs if ended_well and show_outputs else None
    chosen = chosen_format(output_format)
    if chosen != "table":
        body: dict[str, Any] = {"run": run, "action": action, "phase": detail.phase}
        if show_inputs:
            body["inputs"] = inputs
        if show_outputs:
            body["outputs"] = outputs
            body["error"] = detail.error.model_dump(mode="json") if detail.error is not None else None
        plain = jsonable(body)
        click.echo(json.dumps(plain, indent=2, ensure_ascii=False) if chosen == "json" else render(plain, chosen))
        return
    click.echo(f"Action:  {run}/{action} {detail.task_name} ({detail.phase})")
    if detail.waiting_reason:
        click.echo(f"Waiting: {detail.waiting_reason}")
    if show_inputs:
        _show_values("Inputs:", inputs)
    if not show_outputs:
        return
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


def _printer(output_format: str, show_ts: bool) -> Callable[[wire.StoredLogLine], str]:
    if output_format == "json":
        return lambda line: line.model_dump_json()
    if output_format == "yaml":
        return lambda line: render([line], "yaml")
    if show_ts:
        return lambda line: f"{timestamp(line.ts)}  {line.text}"
    return lambda line: line.text


@click.command("logs", short_help="Show the logs of an action.")
@click.argument("run")
@click.argument("action", default=ROOT_ACTION)
@click.option("-f", "--follow", is_flag=True, help="Keep printing new lines until the action ends.")
@click.option(
    "-l", "--lines", type=click.IntRange(min=1), help="Start with only the last this many lines written so far."
)
@click.option("--show-ts", is_flag=True, help="Start each line with the time it was written.")
@click.option(
    "-a", "--attempt", type=click.IntRange(min=1), help="Only lines of this attempt (1 is the first); default: all."
)
@output_format_option
@run_in_scope("run")
def get_logs(
    run: str,
    action: str,
    follow: bool,
    lines: int | None,
    show_ts: bool,
    attempt: int | None,
    output_format: str | None,
) -> None:
    """Show what ACTION (the root action, a0, by default) of RUN printed and logged.

    \b
        flyte get logs my-run
        flyte get logs my-run a3 --attempt 2 --show-ts
        flyte get logs my-run --lines 20 --follow

    Only server runs keep logs; a local run's output went to the terminal that ran it.
    With json or yaml output every line carries its time, sequence number and attempt.
    """
    from flyte.cli._follow import stream_logs

    chosen = chosen_format(output_format)
    line_text = _printer(chosen, show_ts)
    shown = 0

    def wanted(line: wire.StoredLogLine) -> bool:
        return attempt is None or line.attempt == attempt

    def emit(line: wire.StoredLogLine) -> None:
        nonlocal shown
        if wanted(line):
            shown += 1
            click.echo(line_text(line))

    source = run_source()
    if lines is None:
        stream_logs(source, run, action, emit, follow=follow)
    else:
        tail: collections.deque[wire.StoredLogLine] = collections.deque(maxlen=lines)
        after = stream_logs(source, run, action, lambda line: tail.append(line) if wanted(line) else None, follow=False)
        for line in tail:
            emit(line)
        if follow:
            stream_logs(source, run, action, emit, follow=True, after=after)
    if not shown and chosen == "table":
        which = f" (attempt {attempt})" if attempt is not None else ""
        click.echo(f"No logs from {run}/{action}{which}.", err=True)
