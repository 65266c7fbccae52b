"""The live progress line of ``flyte run`` (``flyte.cli._progress``), on an in-memory terminal."""

from __future__ import annotations

import io
import re
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from flyte._internal.model import progress
from flyte._internal.model.progress import RunProgress
from flyte.cli import _progress
from flyte.cli._progress import progress_line


class FakeTerminal(io.StringIO):
    """Text written to a terminal, kept in memory."""

    def isatty(self) -> bool:
        return True


def _wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)


@pytest.fixture
def counts() -> Iterator[RunProgress]:
    """The engine's counters of a run named ``r-test``, as if it were executing."""
    yield progress.start("r-test")
    progress.finish("r-test")


@pytest.fixture
def fast_line(monkeypatch: pytest.MonkeyPatch) -> None:
    """Shows the line at once and redraws it often, so that tests need not wait."""
    monkeypatch.setattr(_progress, "SHOW_AFTER", 0.0)
    monkeypatch.setattr(_progress, "REFRESH_EVERY", 0.01)


@pytest.mark.usefixtures("fast_line")
def test_line_follows_the_counters_then_becomes_a_summary(counts: RunProgress) -> None:
    out = FakeTerminal()
    with progress_line("r-test", out) as line:
        assert line is not None
        counts.started()
        counts.started()
        _wait_until(lambda: "0 done, 2 running, 0 failed, 0 cached" in out.getvalue(), "two running")
        counts.ended(succeeded=True)
        counts.served_from_cache()
        _wait_until(lambda: "2 done, 1 running, 0 failed, 1 cached" in out.getvalue(), "progress")
        counts.ended(succeeded=True)
        progress.finish("r-test")  # the engine forgets the run before the command prints the summary
    assert line.shown
    text = out.getvalue()
    assert re.search(r"Running r-test \(\d+\.\ds\): 0 done, 2 running", text)
    summary = re.search(r"Run r-test succeeded in \d+\.\ds: 3 done, 0 failed, 1 cached\n$", text)
    assert summary is not None, text
    assert "Running" not in text[summary.start() :]


@pytest.mark.usefixtures("fast_line")
def test_failed_run_summary(counts: RunProgress) -> None:
    out = FakeTerminal()
    with pytest.raises(RuntimeError), progress_line("r-test", out):
        counts.started()
        _wait_until(lambda: "1 running" in out.getvalue(), "the line")
        counts.ended(succeeded=False)
        raise RuntimeError("the task failed")
    assert re.search(r"Run r-test failed after \d+\.\ds: 1 done, 1 failed, 0 cached\n$", out.getvalue())


def test_quick_run_shows_nothing(counts: RunProgress) -> None:
    out = FakeTerminal()
    with progress_line("r-test", out) as line:
        counts.started()
        counts.ended(succeeded=True)
    assert line is not None and not line.shown
    assert out.getvalue() == ""


@pytest.mark.usefixtures("fast_line")
def test_nothing_without_a_terminal(counts: RunProgress) -> None:
    out = io.StringIO()
    threads = threading.active_count()
    with progress_line("r-test", out) as line:
        assert line is None
        assert threading.active_count() == threads
        counts.started()
    assert out.getvalue() == ""


def test_refreshes_are_few_per_second() -> None:
    assert _progress.REFRESH_EVERY >= 0.2
    assert 0.3 <= _progress.SHOW_AFTER <= 1.0
