"""The in-process controller: every task call inside a local run becomes a recorded action.

A call is prepared once (bind, validate and encode the inputs, name the action, look up the
cache), then attempted until it succeeds, fails for good or runs out of retries. Async tasks run on
the run's event loop; sync tasks run on worker threads, and a sync task that calls another sync
task runs it inline on its own thread (it is blocked waiting anyway), which keeps the thread pool
free of waiting parents and so free of deadlocks.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Mapping

from flyte._context import ActionContext, current_action
from flyte._internal.engine import env_overlay, local_conditions
from flyte._internal.engine.run_state import RunState
from flyte._internal.engine.secrets import missing_secret_error
from flyte._internal.model.errors import error_record, to_flyte_error
from flyte._internal.model.naming import action_name
from flyte._internal.model.offload import from_stored, to_stored
from flyte._internal.model.phases import ActionPhase
from flyte._internal.serde import hash_bytes
from flyte.errors import (
    BaseRuntimeError,
    InlineIOMaxBytesBreached,
    NonRecoverableError,
    RuntimeDataValidationError,
    TaskTimeoutError,
)

if TYPE_CHECKING:
    from flyte._task import AsyncFunctionTaskTemplate

logger = logging.getLogger("flyte")

_SUCCEEDED = ActionPhase.SUCCEEDED.value
_RUNNING = ActionPhase.RUNNING.value
_FAILED = ActionPhase.FAILED.value
_TIMED_OUT = ActionPhase.TIMED_OUT.value
_ABORTED = ActionPhase.ABORTED.value


@dataclass
class _Call:
    """One prepared task call."""

    task: AsyncFunctionTaskTemplate[Any, Any, Any]
    run: RunState
    parent: ActionContext | None
    name: str
    values: dict[str, Any]
    inputs: bytes
    group: str | None
    started_at: float
    cache_key: str | None = None


class _Timeout(Exception):
    """An attempt ran out of time."""


def prepare(
    task: AsyncFunctionTaskTemplate[Any, Any, Any],
    run: RunState,
    parent: ActionContext | None,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    name: str | None = None,
    seq: int = 0,
) -> _Call:
    """Binds and validates a call's inputs and gives it its action name (``seq``: call number)."""
    iface = task.interface
    values = iface.bind(args, kwargs)
    blob = iface.encode_inputs(values)
    group = parent.group if parent is not None else None
    inputs_hash = hash_bytes(blob)
    if name is None:
        assert parent is not None
        name = action_name(parent.action_name, inputs_hash, task.name, seq, group)
    if not iface.inputs_passthrough:
        # Children get their own copies, as they would in another process.
        values = iface.decode_inputs(blob)
    stored = to_stored(blob, run.raw_data_path, task.name, "inputs", task.max_inline_io_bytes)
    call = _Call(task, run, parent, name, values, stored, group, time.time())
    if task.cache_enabled and not run.options.disable_run_cache:
        call.cache_key = task.cache_key(inputs_hash, values)
    return call


def _record(call: _Call, phase: str, attempts: int, cache_status: str | None, **extra: Any) -> None:
    parent_name = call.parent.action_name if call.parent is not None else None
    call.run.store.record_action(
        (
            call.run.name,
            call.name,
            parent_name,
            call.task.name,
            "task",
            call.group,
            phase,
            attempts,
            cache_status,
            call.started_at,
            extra.get("ended_at"),
            call.inputs,
            extra.get("outputs"),
            extra.get("error"),
            extra.get("report"),
        )
    )


def _cached_result(call: _Call) -> tuple[bool, Any]:
    """Returns (True, value) on a cache hit, recording the action as served from the cache."""
    if call.cache_key is None or call.run.options.overwrite_cache:
        return False, None
    stored = call.run.store.cache_get(call.cache_key)
    if stored is None:
        return False, None
    _record(call, _SUCCEEDED, 0, "CACHE_HIT", ended_at=time.time(), outputs=stored)
    call.run.progress.served_from_cache()
    return True, call.task.interface.decode_output(from_stored(stored))


def _child_context(call: _Call, attempt: int) -> ActionContext:
    custom = call.parent.custom_context if call.parent is not None else call.run.options.custom_context
    report = None
    if call.task.report:
        from flyte.report import Report

        report = Report(call.name)
    return ActionContext(call.run, call.name, call.task.name, attempt, custom_context=custom, report=report)


def _save_report(call: _Call, ctx: ActionContext) -> None:
    if ctx.report is not None:
        call.run.store.record_report(call.run.name, call.name, ctx.report.get_final_report())


def _succeed(call: _Call, attempts: int, value: Any) -> Any:
    task = call.task
    iface = task.interface
    if not iface.has_return_annotation and value is not None:
        task.warn_missing_return_annotation()
    records: list[dict[str, Any]] = []
    # Only a program that imported flyte.artifacts can return artifacts: others skip this.
    artifacts = sys.modules.get("flyte.artifacts._outputs")
    if artifacts is not None:
        custom = call.parent.custom_context if call.parent is not None else call.run.options.custom_context
        try:
            value, records = artifacts.split_outputs(value, task.produces_artifacts, custom)
        except TypeError as e:
            raise _fail(call, attempts, RuntimeDataValidationError("o0", e, task.name)) from None
    try:
        blob = iface.encode_output(value)
        stored = to_stored(blob, call.run.raw_data_path, task.name, "outputs", task.max_inline_io_bytes)
    except (RuntimeDataValidationError, InlineIOMaxBytesBreached) as e:
        raise _fail(call, attempts, e) from None
    if artifacts is not None and records:
        artifacts.store_records(call.run.store, call.run.name, call.name, records)
    cache_status = None
    if call.cache_key is not None:
        call.run.store.cache_put(call.cache_key, task.name, stored)
        cache_status = "CACHE_POPULATED"
    _record(call, _SUCCEEDED, attempts, cache_status, ended_at=time.time(), outputs=stored)
    call.run.progress.ended(succeeded=True)
    return value if iface.output_passthrough else iface.decode_output(blob)


def _fail(call: _Call, attempts: int, err: BaseRuntimeError, phase: str = _FAILED) -> BaseRuntimeError:
    _record(call, phase, attempts, None, ended_at=time.time(), error=error_record(err))
    call.run.progress.ended(succeeded=False)
    return err


def _retry_delay(call: _Call, attempt: int, exc: BaseException) -> tuple[BaseRuntimeError, float | None]:
    """The error to report and, if another attempt is due, how long to wait before it."""
    task = call.task
    if isinstance(exc, _Timeout):
        seconds = task.timeout_seconds or 0.0
        err: BaseRuntimeError = TaskTimeoutError(
            f"Task '{task.name}' exceeded its timeout of {seconds:g}s and was cancelled"
        )
    else:
        err = missing_secret_error(task.name, task._secret_list, exc) or to_flyte_error(exc, task.name)
    if isinstance(err, (NonRecoverableError, RuntimeDataValidationError, InlineIOMaxBytesBreached)) or (
        attempt >= task.max_attempts
    ):
        return err, None
    logger.info("Task '%s' attempt %d failed (%s); retrying", task.name, attempt, err.code)
    return err, task.retry_delay(attempt)


def _enter_overlay(task: AsyncFunctionTaskTemplate[Any, Any, Any], ctx: ActionContext) -> Any:
    if task.has_overlay or ctx.run.options.env_vars:
        return env_overlay.set_overlay(task.environment_overlay(ctx.run))
    return None


def _run_sync_body(
    task: AsyncFunctionTaskTemplate[Any, Any, Any], ctx: ActionContext, values: Mapping[str, Any]
) -> Any:
    token = current_action.set(ctx)
    env_token = _enter_overlay(task, ctx)
    try:
        if task.runs_via_execute:
            return asyncio.run(task.execute(**values))
        return task.func(**values)
    finally:
        if env_token is not None:
            env_overlay.reset(env_token)
        current_action.reset(token)


async def _run_async_body(
    task: AsyncFunctionTaskTemplate[Any, Any, Any], ctx: ActionContext, values: Mapping[str, Any]
) -> Any:
    token = current_action.set(ctx)
    env_token = _enter_overlay(task, ctx)
    try:
        if task.runs_via_execute:
            return await task.execute(**values)
        return await task.func(**values)
    finally:
        if env_token is not None:
            env_overlay.reset(env_token)
        current_action.reset(token)


async def _attempt_async(call: _Call, ctx: ActionContext) -> Any:
    task = call.task
    timeout = task.timeout_seconds
    if task.is_async:
        body = _run_async_body(task, ctx, call.values)
        if timeout is None:
            return await body
        try:
            return await asyncio.wait_for(body, timeout)
        except asyncio.TimeoutError:
            raise _Timeout() from None
    future = call.run.loop.run_in_executor(call.run.sync_pool, _run_sync_body, task, ctx, call.values)
    if timeout is None:
        return await future
    try:
        # A thread cannot be cancelled: the parent stops waiting and the body finishes on its own.
        return await asyncio.wait_for(future, timeout)
    except asyncio.TimeoutError:
        raise _Timeout() from None


def _start(call: _Call) -> tuple[bool, Any]:
    """Serves the call from the cache if it can; otherwise records it as running."""
    hit, value = _cached_result(call)
    if not hit:
        call.run.progress.started()
        _record(call, _RUNNING, 1, None)
    return hit, value


def _next_attempt_delay(call: _Call, attempt: int, ctx: ActionContext, exc: Exception) -> float:
    """Seconds to wait before the next attempt; raises the call's error when there is none."""
    _save_report(call, ctx)
    err, delay = _retry_delay(call, attempt, exc)
    if delay is None:
        raise _fail(call, attempt, err, _TIMED_OUT if isinstance(exc, _Timeout) else _FAILED) from None
    return delay


async def execute(call: _Call) -> Any:
    """Runs a prepared call on the event loop: cache, attempts, retries and recording."""
    hit, value = _start(call)
    if hit:
        return value
    attempt = 1
    while True:
        ctx = _child_context(call, attempt)
        try:
            result = await _attempt_async(call, ctx)
        except asyncio.CancelledError:
            aborted = to_flyte_error(asyncio.CancelledError("cancelled"), call.task.name)
            _fail(call, attempt, aborted, _ABORTED)
            raise
        except Exception as exc:
            await asyncio.sleep(_next_attempt_delay(call, attempt, ctx, exc))
            attempt += 1
            continue
        _save_report(call, ctx)
        return _succeed(call, attempt, result)


def execute_inline_sync(call: _Call) -> Any:
    """Runs a prepared call of a sync task on the calling (worker) thread."""
    hit, value = _start(call)
    if hit:
        return value
    attempt = 1
    while True:
        ctx = _child_context(call, attempt)
        try:
            result = _attempt_inline(call, ctx)
        except Exception as exc:
            time.sleep(_next_attempt_delay(call, attempt, ctx, exc))
            attempt += 1
            continue
        _save_report(call, ctx)
        return _succeed(call, attempt, result)


def _attempt_inline(call: _Call, ctx: ActionContext) -> Any:
    task = call.task
    if task.timeout_seconds is None:
        return _run_sync_body(task, ctx, call.values)
    outcome: dict[str, Any] = {}

    def body() -> None:
        try:
            outcome["value"] = _run_sync_body(task, ctx, call.values)
        except BaseException as e:
            outcome["error"] = e

    worker = threading.Thread(target=body, name=f"flyte-{task.name}", daemon=True)
    worker.start()
    worker.join(task.timeout_seconds)
    if worker.is_alive():
        raise _Timeout()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


async def submit(
    task: AsyncFunctionTaskTemplate[Any, Any, Any],
    parent: ActionContext,
    seq: int,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> Any:
    """A child call made from async code on the run's event loop.

    ``seq`` is taken when the task is called, not when the coroutine first runs, so the order in
    which a caller creates its calls names them, whatever order they are scheduled in.
    """
    return await execute(prepare(task, parent.run, parent, args, kwargs, seq=seq))


def call_from_thread(
    task: AsyncFunctionTaskTemplate[Any, Any, Any],
    parent: ActionContext,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> Any:
    """A child call made from a sync task's worker thread; blocks until the child ends."""
    run = parent.run
    seq = next(parent.counter)
    if not task.is_async:
        return execute_inline_sync(prepare(task, run, parent, args, kwargs, seq=seq))
    future = asyncio.run_coroutine_threadsafe(submit(task, parent, seq, args, kwargs), run.loop)
    return future.result()


class LocalController:
    """Runs every child call in this process (see the module docstring)."""

    submit = staticmethod(submit)
    call_from_thread = staticmethod(call_from_thread)
    register_condition = staticmethod(local_conditions.register)
    wait_for_condition = staticmethod(local_conditions.wait)


LOCAL = LocalController()
