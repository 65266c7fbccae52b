"""Local engine: error mapping, retries with backoff, non-recoverable errors and timeouts."""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import timedelta

import pytest

import flyte
import flyte.errors
from tests.unit.engine.helpers import actions_of

env = flyte.TaskEnvironment(name="failures")


@env.task
async def raises_value_error(x: int) -> int:
    raise ValueError(f"bad value {x}")


@env.task
async def catches_child_error() -> str:
    try:
        await raises_value_error(3)
    except flyte.errors.RuntimeUserError as e:
        return f"{e.code}|{e.message}|{'raise ValueError' in (e.traceback or '')}"
    return "not raised"


def test_child_exception_reaches_parent_as_runtime_user_error_with_code() -> None:
    assert flyte.run(catches_child_error).outputs()[0] == "ValueError|bad value 3|True"


def test_failed_run_raises_and_records_the_error() -> None:
    with pytest.raises(flyte.errors.RuntimeUserError) as info:
        flyte.with_runcontext(mode="local", name="failing-run").run(raises_value_error, 1)
    assert info.value.code == "ValueError"
    [root] = actions_of("failing-run")
    assert root["phase"] == "FAILED"
    assert "bad value 1" in root["error"]


_attempts: dict[str, int] = {}
times: list[float] = []


@env.task(retries=2)
async def flaky(key: str) -> str:
    _attempts[key] = _attempts.get(key, 0) + 1
    if _attempts[key] < 3:
        raise ConnectionError("transient")
    return f"ok after {_attempts[key]}"


def test_retries_until_success_and_records_attempts() -> None:
    run = flyte.with_runcontext(mode="local").run(flaky, "a")
    assert run.outputs()[0] == "ok after 3"
    [root] = actions_of(run.name)
    assert root["attempts"] == 3
    assert root["phase"] == "SUCCEEDED"


@env.task(retries=1)
async def always_fails(key: str) -> str:
    _attempts[key] = _attempts.get(key, 0) + 1
    raise RuntimeError("always")


def test_retries_exhausted_raises_last_error() -> None:
    with pytest.raises(flyte.errors.RuntimeUserError, match="always"):
        flyte.run(always_fails, "b")
    assert _attempts["b"] == 2


@env.task(retries=5)
async def gives_up(key: str) -> str:
    _attempts[key] = _attempts.get(key, 0) + 1
    raise flyte.errors.NonRecoverableError("no point retrying")


def test_non_recoverable_error_is_not_retried() -> None:
    with pytest.raises(flyte.errors.NonRecoverableError):
        flyte.run(gives_up, "c")
    assert _attempts["c"] == 1


@env.task(retries=flyte.RetryStrategy(count=2, backoff=flyte.Backoff(base=timedelta(milliseconds=100))))
async def backs_off(key: str) -> float:
    now = time.monotonic()
    _attempts[key] = _attempts.get(key, 0) + 1
    times.append(now)
    if _attempts[key] < 3:
        raise ConnectionError("again")
    return now


def test_backoff_waits_between_attempts() -> None:
    times.clear()
    flyte.run(backs_off, "d")
    assert len(times) == 3
    assert times[1] - times[0] >= 0.09
    assert times[2] - times[1] >= 0.09


@env.task(timeout=0.2)
async def too_slow() -> int:
    await asyncio.sleep(30)
    return 1


@env.task
async def calls_too_slow() -> str:
    try:
        await too_slow()
    except flyte.errors.TaskTimeoutError as e:
        return f"timed out: {e.code}"
    return "finished"


def test_async_task_over_its_timeout_is_cancelled_and_parent_gets_timeout_error() -> None:
    started = time.monotonic()
    run = flyte.with_runcontext(mode="local").run(calls_too_slow)
    assert run.outputs()[0] == "timed out: TaskTimeoutError"
    assert time.monotonic() - started < 10
    phases = {a["task_name"]: a["phase"] for a in actions_of(run.name)}
    assert phases["failures.too_slow"] == "TIMED_OUT"


_release = threading.Event()


@env.task(timeout=flyte.Timeout(max_runtime=0.2))
def slow_sync() -> int:
    _release.wait(30)
    return 1


@env.task
async def calls_slow_sync() -> str:
    try:
        await slow_sync()
    except flyte.errors.TaskTimeoutError:
        return "timed out"
    finally:
        _release.set()
    return "finished"


def test_sync_task_over_its_timeout_gives_parent_timeout_error() -> None:
    _release.clear()
    assert flyte.run(calls_slow_sync).outputs()[0] == "timed out"


@env.task
async def oom() -> int:
    raise flyte.errors.OOMError("OOM", "out of memory")


@env.task
async def handles_oom() -> str:
    try:
        return str(await oom())
    except flyte.errors.OOMError:
        return "retry with more memory"


def test_flyte_errors_raised_by_children_keep_their_class() -> None:
    assert flyte.run(handles_oom).outputs()[0] == "retry with more memory"


@env.task
async def cleanup() -> str:
    return "cleaned"


@env.task
async def resilient_workflow() -> list[str]:
    log: list[str] = []
    try:
        await raises_value_error(1)
    except flyte.errors.RuntimeUserError:
        log.append("caught")
    finally:
        log.append(await cleanup())
    return log


def test_try_except_finally_around_task_calls() -> None:
    assert flyte.run(resilient_workflow).outputs()[0] == ["caught", "cleaned"]
