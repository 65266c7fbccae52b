"""The live progress line of ``flyte run`` on a terminal.

While a run executes in the main thread, a helper thread waits; if the run is still going after
:data:`SHOW_AFTER` seconds it draws one line (actions done, running, failed, cached, elapsed
time) with rich, redrawn :data:`REFRESH_EVERY` seconds, and when the run ends the line is
replaced by a one-line summary. Quick runs show nothing, and so does output that is not a
terminal: logs and pipes get only the final result. rich is imported by the helper thread, and
only once the line is due, so ``flyte run`` starts as fast without it.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from collections.abc import Iterator
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flyte._internal.model.progress import RunProgress

__all__ = ["REFRESH_EVERY", "SHOW_AFTER", "ProgressLine", "progress_line"]

SHOW_AFTER = 0.5
"""Seconds a run must last before its progress line appears."""
REFRESH_EVERY = 0.25
"""Seconds between redraws: a few times a second, so that drawing costs the run nothing."""


class ProgressLine:
    """The live line of one run, drawn on ``out`` by a daemon thread between :meth:`start`
    and :meth:`stop`."""

    def __init__(self, run_name: str, out: IO[str]) -> None:
        self.run_name = run_name
        self._out = out
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._draw, name="flyte-progress", daemon=True)
        self._started = 0.0
        self._counts: RunProgress | None = None
        self._console: Any = None

    def start(self) -> None:
        """Starts the clock and the drawing thread."""
        self._started = time.monotonic()
        self._thread.start()

    def stop(self, succeeded: bool) -> None:
        """Removes the line and, if it was shown, prints the summary of the run's outcome."""
        self._stopping.set()
        self._thread.join()
        if self._console is not None:
            self._console.print(self.summary(succeeded), highlight=False, markup=False, soft_wrap=True)

    @property
    def shown(self) -> bool:
        """Whether the line was drawn (the run outlasted :data:`SHOW_AFTER`)."""
        return self._console is not None

    def _find_counts(self) -> RunProgress | None:
        # The engine drops a run's counters when it ends; the object keeps the final counts.
        if self._counts is None:
            from flyte._internal.model import progress

            self._counts = next((p for p in progress.active() if p.run_name == self.run_name), None)
        return self._counts

    def _elapsed(self) -> str:
        return f"{time.monotonic() - self._started:.1f}s"

    def status(self) -> str:
        """The text of the live line: ``Running r12 (1.5s): 3 done, 2 running, 0 failed, 1 cached``."""
        counts = self._find_counts()
        head = f"Running {self.run_name} ({self._elapsed()})"
        if counts is None:
            return f"{head}: starting"
        return f"{head}: {counts.done} done, {counts.running} running, {_failed_cached(counts)}"

    def summary(self, succeeded: bool) -> str:
        """The line left behind: ``Run r12 succeeded in 3.2s: 6 done, 0 failed, 1 cached``."""
        counts = self._find_counts()
        outcome = "succeeded in" if succeeded else "failed after"
        actions = "" if counts is None else f": {counts.done} done, {counts.failed} failed, {counts.cached} cached"
        return f"Run {self.run_name} {outcome} {self._elapsed()}{actions}"

    def _draw(self) -> None:
        if self._stopping.wait(SHOW_AFTER):
            return
        from rich.console import Console
        from rich.live import Live
        from rich.text import Text

        def line() -> Text:
            # One terminal row whatever its width: a wrapped line would not be erased cleanly.
            return Text(self.status(), no_wrap=True, overflow="ellipsis")

        console = Console(file=self._out)
        with Live(line(), console=console, auto_refresh=False, transient=True) as live:
            self._console = console
            while not self._stopping.wait(REFRESH_EVERY):
                live.update(line(), refresh=True)


def _failed_cached(counts: RunProgress) -> str:
    return f"{counts.failed} failed, {counts.cached} cached"


@contextlib.contextmanager
def progress_line(run_name: str, out: IO[str] | None = None, enabled: bool = True) -> Iterator[ProgressLine | None]:
    """Shows the progress line of run ``run_name`` on ``out`` (stdout) while the block runs,
    if ``enabled`` (``flyte --no-progress`` turns it off) and ``out`` is a terminal; yields the
    line, or ``None`` when nothing is drawn."""
    stream = out if out is not None else sys.stdout
    if not (enabled and stream.isatty()):
        yield None
        return
    line = ProgressLine(run_name, stream)
    line.start()
    succeeded = False
    try:
        yield line
        succeeded = True
    finally:
        line.stop(succeeded)
