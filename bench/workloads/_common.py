"""Helpers shared by the flyte benchmark workloads.

Every workload script prints exactly one JSON line on stdout when it finishes; anything the SDK
prints while running is redirected to stderr so the harness can always parse the last line.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator
from typing import Any


def emit(workload: str, tasks: int, seconds: float, result_ok: bool, **extra: Any) -> None:
    """Print the single JSON result line of a workload on the real stdout."""
    record = {"workload": workload, "tasks": tasks, "seconds": seconds, "result_ok": result_ok, **extra}
    sys.stdout.write(json.dumps(record) + "\n")
    sys.stdout.flush()


@contextlib.contextmanager
def stdout_to_stderr() -> Iterator[None]:
    """Send everything printed to ``sys.stdout`` to stderr while the block runs."""
    with contextlib.redirect_stdout(sys.stderr):
        yield


def init_flyte() -> None:
    """Initialise the SDK for local runs (not timed), keeping its output off stdout."""
    import flyte

    with stdout_to_stderr():
        flyte.init()


def run_local(task: Any, **kwargs: Any) -> tuple[Any, str]:
    """Run ``task`` in local mode and return its first output and a reference to the run.

    The reference (the run's ``url`` or ``name``, whichever the SDK offers) lets the harness tell
    which folders in shared locations were written by this process.
    """
    import flyte

    with stdout_to_stderr():
        run = flyte.with_runcontext(mode="local").run(task, **kwargs)
        value = run.outputs()[0]
    ref = getattr(run, "url", None) or getattr(run, "name", None) or ""
    return value, str(ref)


def sdk_version() -> str:
    """Return the version string of the imported ``flyte`` package, if it has one."""
    import flyte

    return str(getattr(flyte, "__version__", "unknown"))
