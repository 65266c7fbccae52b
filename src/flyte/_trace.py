"""``@flyte.trace``: record a helper function's calls (inputs, output, timing) as trace actions."""

from __future__ import annotations

import dataclasses
import functools
import inspect
import time
from typing import Any, AsyncIterator, Callable, Iterator, TypeVar, cast

from flyte._context import ActionContext, current_action

T = TypeVar("T")


class _TraceCall:
    """One traced call inside a task: names it, and records how it ended."""

    def __init__(self, func: Callable[..., Any], parent: ActionContext, args: tuple[Any, ...], kwargs: dict[str, Any]):
        from flyte._internal.model.naming import action_name
        from flyte._internal.serde import hash_bytes

        self.parent = parent
        self.func_name = getattr(func, "__qualname__", getattr(func, "__name__", "trace"))
        self.inputs = _encode_any({"args": list(args), "kwargs": kwargs})
        inputs_hash = hash_bytes(self.inputs or b"")
        seq = next(parent.counter)
        self.name = action_name(parent.action_name, inputs_hash, self.func_name, seq, parent.group)
        self.started_at = time.time()
        self.context = dataclasses.replace(parent, in_trace=True)

    def record(self, phase: str, outputs: bytes | None = None, error: str | None = None) -> None:
        run = self.parent.run
        run.store.record_action(
            (
                run.name,
                self.name,
                self.parent.action_name,
                self.func_name,
                "trace",
                self.parent.group,
                phase,
                1,
                None,
                self.started_at,
                time.time() if phase != "RUNNING" else None,
                self.inputs,
                outputs,
                error,
                None,
            )
        )

    def replayed(self) -> tuple[bool, Any]:
        """(True, value) when this call ended in an earlier execution of the parent."""
        recorded = self.parent.run.recorded_traces.get(self.name)
        if recorded is None:
            return False, None
        from flyte._internal.serde import TypeEngine, unpack

        return True, TypeEngine.to_python_value(unpack(recorded), Any)

    def succeeded(self, value: Any) -> None:
        self.record("SUCCEEDED", outputs=_encode_any(value))

    def failed(self, exc: BaseException) -> None:
        from flyte._internal.model.errors import error_record, to_flyte_error

        self.record("FAILED", error=error_record(to_flyte_error(exc, self.func_name)))


def _encode_any(value: Any) -> bytes | None:
    from flyte._internal.serde import TypeEngine, pack

    try:
        return pack(TypeEngine.to_literal(value, Any))
    except Exception:
        # A trace's inputs or outputs need not be serialisable (clients, connections); the call is
        # still recorded, without them.
        return None


def trace(func: Callable[..., T]) -> Callable[..., T]:
    """Records each call of ``func`` made inside a task as a trace action.

    Works on sync and async functions and on sync and async generators (the yielded items are
    recorded as a list). Outside a task the function runs untouched.
    """
    if inspect.isasyncgenfunction(func):
        return cast(Callable[..., T], _trace_async_gen(func))
    if inspect.isgeneratorfunction(func):
        return cast(Callable[..., T], _trace_gen(func))
    if inspect.iscoroutinefunction(func):

        @functools.wraps(func)
        async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
            parent = current_action.get()
            if parent is None or parent.in_trace:
                return await func(*args, **kwargs)
            call = _TraceCall(func, parent, args, kwargs)
            replayed, value = call.replayed()
            if replayed:
                return value
            token = current_action.set(call.context)
            try:
                value = await func(*args, **kwargs)
            except BaseException as e:
                call.failed(e)
                raise
            finally:
                current_action.reset(token)
            call.succeeded(value)
            return value

        return cast(Callable[..., T], async_wrapper)

    @functools.wraps(func)
    def sync_wrapper(*args: Any, **kwargs: Any) -> Any:
        parent = current_action.get()
        if parent is None or parent.in_trace:
            return func(*args, **kwargs)
        call = _TraceCall(func, parent, args, kwargs)
        replayed, value = call.replayed()
        if replayed:
            return value
        token = current_action.set(call.context)
        try:
            value = func(*args, **kwargs)
        except BaseException as e:
            call.failed(e)
            raise
        finally:
            current_action.reset(token)
        call.succeeded(value)
        return value

    return sync_wrapper


def _trace_async_gen(func: Callable[..., AsyncIterator[Any]]) -> Callable[..., AsyncIterator[Any]]:
    @functools.wraps(func)
    async def wrapper(*args: Any, **kwargs: Any) -> AsyncIterator[Any]:
        parent = current_action.get()
        if parent is None or parent.in_trace:
            async for item in func(*args, **kwargs):
                yield item
            return
        call = _TraceCall(func, parent, args, kwargs)
        items: list[Any] = []
        try:
            async for item in func(*args, **kwargs):
                items.append(item)
                yield item
        except BaseException as e:
            call.failed(e)
            raise
        call.succeeded(items)

    return wrapper


def _trace_gen(func: Callable[..., Iterator[Any]]) -> Callable[..., Iterator[Any]]:
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Iterator[Any]:
        parent = current_action.get()
        if parent is None or parent.in_trace:
            yield from func(*args, **kwargs)
            return
        call = _TraceCall(func, parent, args, kwargs)
        items: list[Any] = []
        try:
            for item in func(*args, **kwargs):
                items.append(item)
                yield item
        except BaseException as e:
            call.failed(e)
            raise
        call.succeeded(items)

    return wrapper
