"""Following a server run from the terminal: its logs as they come, and how its actions stand.

:func:`stream_logs` prints an action's log lines, long-polling the server for new ones.
:func:`follow_run` does that for every task action of the run (the root's lines as they are,
each child's prefixed with its name) while a status line counts the run's actions by phase
(refreshed from the action listing): on a terminal the line is redrawn in place with
rich, elsewhere a line is printed whenever the counts change.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO, TYPE_CHECKING, Any

import click

from flyte._internal.model.naming import ROOT_ACTION
from flyte._internal.wire import TERMINAL_PHASES
from flyte.cli._show import duration, phase_counts

if TYPE_CHECKING:
    from flyte._internal import wire
    from flyte._internal.client import ApiClient
    from flyte.cli._sources import RunSource

__all__ = ["REFRESH_EVERY", "follow_run", "stream_logs"]

REFRESH_EVERY = 1.0
"""Seconds a log poll may wait for new lines, and so between refreshes of the status line."""
_LONG_POLL = 30.0


def stream_logs(
    source: RunSource,
    run: str,
    action: str,
    emit: Callable[[wire.StoredLogLine], None],
    *,
    follow: bool,
    poll: float = _LONG_POLL,
    after: int | None = None,
) -> int | None:
    """Hands every log line of the action after position ``after`` (from the start when
    ``None``) to ``emit``: those written so far, and with ``follow`` those to come, until the
    action has ended and its last line is out. Returns the position reached."""
    while True:
        chunk = source.action_logs(run, action, after=after, wait=poll if follow else 0.0)
        for line in chunk.lines:
            emit(line)
        after = chunk.next_seq
        if chunk.done or (not follow and not chunk.lines):
            return after


class _StatusLine:
    """The line saying how the run's actions stand, and where log lines are written above it."""

    def __init__(self, run: str, out: IO[str], live: bool = True) -> None:
        self.run = run
        self._out = out
        self._live_wanted = live
        self._started = time.monotonic()
        self._last = ""
        self._live: Any = None

    def text(self, counts: str) -> str:
        elapsed = duration(0.0, time.monotonic() - self._started)
        return f"Run {self.run} ({elapsed}): {counts}"

    @contextmanager
    def shown(self) -> Iterator[_StatusLine]:
        if not (self._live_wanted and self._out.isatty()):
            yield self
            return
        from rich.console import Console
        from rich.live import Live

        with Live("", console=Console(file=self._out), auto_refresh=False, transient=True) as live:
            self._live = live
            try:
                yield self
            finally:
                self._live = None

    def log(self, text: str) -> None:
        if self._live is not None:
            self._live.console.print(text, markup=False, highlight=False, soft_wrap=True)
        else:
            click.echo(text, file=self._out)

    def update(self, counts: str) -> None:
        if self._live is not None:
            from rich.text import Text

            # One row whatever the width: a wrapped line would not be erased cleanly.
            self._live.update(Text(self.text(counts), no_wrap=True, overflow="ellipsis"), refresh=True)
        elif counts != self._last:
            click.echo(f"Actions: {counts}", file=self._out)
        self._last = counts


class _ChildLogs:
    """Where each child action's log stream stands: read up to ``after``, and whether it is done."""

    def __init__(self) -> None:
        self.after: dict[str, int | None] = {}
        self.done: set[str] = set()

    def track(self, actions: list[wire.ActionInfo]) -> None:
        """Starts following the task actions that have started since last time (traces log in
        their parent; an action still queued has nothing to say yet)."""
        for action in actions:
            started = action.started_at is not None or action.phase in TERMINAL_PHASES
            if action.name != ROOT_ACTION and action.kind == "task" and started and action.name not in self.after:
                self.after[action.name] = None

    def poll(self, client: ApiClient, run: str, status: _StatusLine) -> bool:
        """Prints the new lines of every unfinished child, prefixed with its name; returns whether
        any line was printed."""
        printed = False
        for name, after in list(self.after.items()):
            if name in self.done:
                continue
            chunk = client.action_logs(run, name, after=after, wait=0.0)
            for line in chunk.lines:
                status.log(f"[{name}] {line.text}")
                printed = True
            self.after[name] = chunk.next_seq
            if chunk.done:
                self.done.add(name)
        return printed

    def drain(self, client: ApiClient, run: str, status: _StatusLine, actions: list[wire.ActionInfo]) -> None:
        """Prints what the children logged last: each one's lines until it is done, or (for an
        action that never ended, as in an aborted run) until no new line comes."""
        self.track(actions)
        ended = {a.name for a in actions if a.phase in TERMINAL_PHASES}
        while self.poll(client, run, status):
            pass
        for name in [n for n in self.after if n not in self.done and n in ended]:
            # An ended action's stream says done once its last line is out.
            while name not in self.done:
                chunk = client.action_logs(run, name, after=self.after[name], wait=REFRESH_EVERY)
                for line in chunk.lines:
                    status.log(f"[{name}] {line.text}")
                self.after[name] = chunk.next_seq
                if chunk.done or not chunk.lines:
                    self.done.add(name)


def follow_run(client: ApiClient, run: str, out: IO[str] | None = None, live: bool = True) -> wire.RunInfo:
    """Streams the logs of the run's actions and the action counts until the run ends; returns
    the run.

    The root action's lines are printed as they are; a child action's lines are prefixed with
    its name in brackets (``[a1b2c3] text``). On a terminal the counts are a line redrawn in
    place, unless ``live`` is false (``flyte --no-progress``): then, as off a terminal, a line is
    printed whenever the counts change."""
    status = _StatusLine(run, out if out is not None else sys.stdout, live)
    after: int | None = None
    children = _ChildLogs()
    with status.shown():
        while True:
            chunk = client.action_logs(run, ROOT_ACTION, after=after, wait=REFRESH_EVERY)
            for line in chunk.lines:
                status.log(line.text)
            after = chunk.next_seq
            actions = client.list_actions(run)
            children.track(actions)
            children.poll(client, run, status)
            status.update(phase_counts(actions))
            root_ended = any(a.name == ROOT_ACTION and a.phase in TERMINAL_PHASES for a in actions)
            if chunk.done or (root_ended and not chunk.lines):
                break
        children.drain(client, run, status, client.list_actions(run))
    info = client.get_run(run)
    while info.phase not in TERMINAL_PHASES:
        info = client.wait_run(run, timeout=_LONG_POLL)
    return info
