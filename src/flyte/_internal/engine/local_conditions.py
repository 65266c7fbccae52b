"""Conditions of local runs: the value comes from ``--signal NAME=VALUE`` or from standard input.

A value given up front (``flyte run --local --signal approve=true``, or
``with_runcontext(signals=...)``) is used at once. Otherwise the prompt is shown on the terminal
(when standard input is one) and a line is read from standard input, piped or typed, until the
condition's timeout. On a terminal a value of the wrong type is asked again; piped, it fails.
"""

from __future__ import annotations

import asyncio
import queue
import sys
import threading
import time
from typing import TYPE_CHECKING, Any

from flyte._condition import coerce_value, fire_webhook
from flyte._internal.model.naming import action_name
from flyte.errors import ConditionFailedError, ConditionTimedoutError

if TYPE_CHECKING:
    from flyte._condition import _Condition
    from flyte._context import ActionContext

_POLL_S = 0.5
_EOF = ""


def condition_action_name(condition: _Condition[Any], parent: ActionContext) -> str:
    """The condition's action name: like a child call's, the same when the parent runs again."""
    return action_name(parent.action_name, "", f"condition:{condition.name}", next(parent.counter), parent.group)


async def register(condition: _Condition[Any], parent: ActionContext) -> None:
    """Names the condition and announces it to its webhook, if it has one."""
    condition.action_name = condition_action_name(condition, parent)
    if condition.webhook is not None:
        callback = f"local://conditions/{condition.name}/signal"
        await asyncio.to_thread(fire_webhook, condition.webhook.url, condition.webhook.payload, callback)


async def wait(condition: _Condition[Any], parent: ActionContext) -> Any:
    """The condition's value: given up front, else read from standard input (see the module)."""
    given = parent.run.options.signals.get(condition.name)
    if given is not None:
        return coerce_value(given, condition.type_name, condition.name)
    timeout = condition.timeout_seconds
    deadline = None if timeout is None else time.monotonic() + timeout
    interactive = _stdin_is_terminal()
    while True:
        if interactive:
            sys.stderr.write(f"Condition {condition.name!r}: {condition.prompt} [{condition.type_name}]: ")
            sys.stderr.flush()
        line = await _next_line(deadline)
        if line is None:
            raise ConditionTimedoutError(f"condition {condition.name!r} got no value within {timeout:g}s")
        if line == _EOF:
            raise ConditionFailedError(
                f"condition {condition.name!r} got no value: standard input is closed; give it with "
                f"--signal {condition.name}=VALUE (flyte run) or with_runcontext(signals=...)"
            )
        try:
            return coerce_value(line.rstrip("\r\n"), condition.type_name, condition.name)
        except ConditionFailedError as e:
            if not interactive:
                raise
            sys.stderr.write(f"{e.message}\n")


def _stdin_is_terminal() -> bool:
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except (ValueError, OSError):
        return False


class _StdinLines:
    """Lines of standard input, read by one daemon thread so that a timed-out wait leaves no
    blocked thread behind that would hold the process open."""

    def __init__(self) -> None:
        self.lines: queue.Queue[str] = queue.Queue()
        self._lock = threading.Lock()
        self._reader: threading.Thread | None = None

    def start(self) -> None:
        with self._lock:
            if self._reader is None:
                self._reader = threading.Thread(target=self._read, name="flyte-condition-stdin", daemon=True)
                self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                line = sys.stdin.readline() if sys.stdin is not None else _EOF
            except (OSError, ValueError):
                line = _EOF  # no readable standard input (closed, or replaced by a test runner)
            self.lines.put(line)
            if line == _EOF:
                return


_STDIN = _StdinLines()


async def _next_line(deadline: float | None) -> str | None:
    """The next line of standard input; ``""`` at its end; None once ``deadline`` has passed."""
    _STDIN.start()
    while True:
        remaining = _POLL_S if deadline is None else min(_POLL_S, deadline - time.monotonic())
        if remaining <= 0:
            return None
        try:
            line = await asyncio.to_thread(_STDIN.lines.get, True, remaining)
        except queue.Empty:
            continue
        if line == _EOF:
            _STDIN.lines.put(_EOF)  # every later wait sees the end too
        return line
