"""flyte.extras.Sleep: tasks of a sleep environment wait for their duration, then run."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

import flyte
from flyte.extras import Sleep, SleepTask

env = flyte.TaskEnvironment("sleepy", plugin_config=Sleep())


@env.task
async def nap(duration: timedelta, label: str = "done") -> str:
    context = flyte.ctx()
    assert context is not None
    return f"{label} after {context.data['slept']}s"


def test_a_sleep_task_waits_for_its_duration() -> None:
    assert isinstance(nap, SleepTask)
    started = time.monotonic()
    run = flyte.with_runcontext(mode="local").run(nap, timedelta(milliseconds=300))
    assert run.outputs()[0] == "done after 0.3s"
    assert time.monotonic() - started >= 0.3


def test_a_sleep_task_needs_a_duration() -> None:
    with pytest.raises(TypeError, match="needs a timedelta input"):

        @env.task
        async def no_duration(x: int) -> int:
            return x
