"""The remote controller: a worker's child calls become actions on the server.

Calls are named exactly as the local engine names them, so a parent that runs again (a retry,
a lost worker, a server restart) asks for the same children: the server returns those that
ended with their outputs and those still running are waited for, not started twice.

Creations are sent in batches and completions long-polled in batches, so a fan-out of a
thousand children costs a handful of requests rather than two thousand.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flyte._context import ActionContext
from flyte._internal import wire
from flyte._internal.engine.local_controller import prepare
from flyte._internal.model.errors import error_from_record
from flyte._internal.model.offload import from_stored
from flyte._internal.remote_run import task_spec
from flyte.server.worker import remote_conditions
from flyte.server.worker.client import WorkerClient

if TYPE_CHECKING:
    from flyte._condition import _Condition
    from flyte._task import AsyncFunctionTaskTemplate

_BATCH_WINDOW_S = 0.002
_WAIT_TIMEOUT_S = 30.0


class RemoteController:
    """Creates children on the server and waits for them (see the module docstring)."""

    def __init__(self, client: WorkerClient, bundle: Path | None = None):
        self._client = client
        self._bundle = bundle
        self._to_create: list[tuple[wire.CreateAction, asyncio.Future[wire.ActionState]]] = []
        self._flusher: asyncio.Task[None] | None = None
        self._waiting: dict[str, asyncio.Future[wire.ActionState]] = {}
        self._poller: asyncio.Task[None] | None = None
        self._poll_names: frozenset[str] = frozenset()
        self.pending_children = 0
        self.on_waiting_changed: Callable[[], None] | None = None
        """Called when :attr:`pending_children` leaves or returns to zero."""
        self._specs: dict[int, wire.TaskSpec] = {}

    def _spec(self, task: AsyncFunctionTaskTemplate[Any, Any, Any]) -> wire.TaskSpec:
        spec = self._specs.get(id(task))
        if spec is None:
            # Module references are relative to the bundle's folder (the worker may run elsewhere).
            # The run recorded the image of every environment; only a call's own image (from
            # override(image=...)) travels with it, built from files this worker has.
            spec = task_spec(task, self._bundle or Path.cwd(), with_image=_image_overridden(task))
            self._specs[id(task)] = spec
        return spec

    async def submit(
        self,
        task: AsyncFunctionTaskTemplate[Any, Any, Any],
        parent: ActionContext,
        seq: int,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> Any:
        """A child call from async code: create (or find) the child, then wait for its end."""
        call = prepare(task, parent.run, parent, args, kwargs, seq=seq)
        request = wire.CreateAction(
            name=call.name,
            parent=parent.action_name,
            task=self._spec(task),
            inputs=call.inputs,
            group=call.group,
            cache_key=call.cache_key,
        )
        self._count_pending(+1)
        try:
            state = await self._create(request)
            if state.phase not in wire.TERMINAL_PHASES:
                state = await self._wait(call.name)
        finally:
            self._count_pending(-1)
        if state.phase in ("SUCCEEDED", "RECOVERED"):
            # RECOVERED: a rerun reused the outputs the same call produced in the run it re-runs.
            assert state.outputs is not None
            return task.interface.decode_output(from_stored(state.outputs))
        error = state.error or wire.ErrorInfo(code="UnknownError", message=f"Child ended {state.phase}")
        raise error_from_record(error.code, error.kind, error.message, error.traceback)

    def _count_pending(self, change: int) -> None:
        before = self.pending_children
        self.pending_children += change
        if (before == 0) != (self.pending_children == 0) and self.on_waiting_changed is not None:
            self.on_waiting_changed()

    def call_from_thread(
        self,
        task: AsyncFunctionTaskTemplate[Any, Any, Any],
        parent: ActionContext,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> Any:
        """A child call from a sync task's thread: runs :meth:`submit` on the event loop."""
        seq = next(parent.counter)
        future = asyncio.run_coroutine_threadsafe(self.submit(task, parent, seq, args, kwargs), parent.run.loop)
        return future.result()

    async def _create(self, request: wire.CreateAction) -> wire.ActionState:
        future: asyncio.Future[wire.ActionState] = asyncio.get_running_loop().create_future()
        self._to_create.append((request, future))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush_creations())
        return await future

    async def _flush_creations(self) -> None:
        # Calls made together (a gather) arrive within the same loop iterations.
        await asyncio.sleep(_BATCH_WINDOW_S)
        while self._to_create:
            batch, self._to_create = self._to_create[:1000], self._to_create[1000:]
            try:
                states = await self._client.create_actions([request for request, _ in batch])
            except Exception as e:
                for _, future in batch:
                    if not future.done():
                        future.set_exception(e)
                continue
            for (_, future), state in zip(batch, states, strict=True):
                if not future.done():
                    future.set_result(state)

    async def _wait(self, name: str) -> wire.ActionState:
        future = self._waiting.get(name)
        if future is None:
            future = self._waiting[name] = asyncio.get_running_loop().create_future()
        if self._poller is None or self._poller.done():
            self._poller = asyncio.create_task(self._poll())
        elif name not in self._poll_names:
            # The poll in flight does not know this child: start over with every name.
            self._poller.cancel()
            self._poller = asyncio.create_task(self._poll())
        return await asyncio.shield(future)

    async def _poll(self) -> None:
        while self._waiting:
            names = list(self._waiting)
            self._poll_names = frozenset(names)
            try:
                ended = await self._client.wait_actions(names, _WAIT_TIMEOUT_S)
            except asyncio.CancelledError:
                raise
            except Exception as e:
                for future in self._waiting.values():
                    if not future.done():
                        future.set_exception(e)
                self._waiting.clear()
                return
            for state in ended:
                waiter = self._waiting.pop(state.name, None)
                if waiter is not None and not waiter.done():
                    waiter.set_result(state)

    async def register_condition(self, condition: _Condition[Any], parent: ActionContext) -> None:
        """Creates the condition on the server, a PAUSED child of ``parent`` (see :mod:`flyte._condition`)."""
        await remote_conditions.register(self._client, condition, parent)

    async def wait_for_condition(self, condition: _Condition[Any], parent: ActionContext) -> Any:
        """Waits for the condition's value; meanwhile the parent holds no slot, as when it awaits children."""
        self._count_pending(+1)
        try:
            return await remote_conditions.wait(self._client, condition)
        finally:
            self._count_pending(-1)

    async def aclose(self) -> None:
        """Stops background requests."""
        for task in (self._flusher, self._poller):
            if task is not None and not task.done():
                task.cancel()


class RemoteRecorder:
    """Sends what the engine records inside a worker to the server: traces and reports."""

    def __init__(self, client: WorkerClient, controller: RemoteController, loop: asyncio.AbstractEventLoop):
        self._client = client
        self._controller = controller
        self._loop = loop
        self._sending: set[asyncio.Future[wire.ActionState]] = set()

    def record_action(self, row: tuple[Any, ...]) -> None:
        """Records a trace once it has ended (its running state is not worth a request)."""
        (_run, name, parent, task_name, kind, group, phase, *_rest) = row
        outputs, error_json = row[12], row[13]
        if kind != "trace" or phase == "RUNNING":
            return
        error = wire.ErrorInfo.model_validate_json(error_json) if error_json else None
        request = wire.CreateAction(
            name=name,
            parent=parent,
            kind="trace",
            task=wire.TaskSpec(name=task_name, module="trace"),
            inputs=row[11] or b"",
            group=group,
            outputs=outputs if error is None else None,
            error=error,
        )
        if _on_loop(self._loop):
            self._send(request)
        else:
            # From a sync task's thread: handed to the loop before the task's own result is,
            # so that :meth:`drain` after the body sees it.
            self._loop.call_soon_threadsafe(self._send, request)

    def _send(self, request: wire.CreateAction) -> None:
        task = asyncio.ensure_future(self._controller._create(request))
        # Kept until done: the loop holds tasks weakly, and :meth:`drain` awaits them.
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)

    async def drain(self) -> None:
        """Waits until every trace recorded so far has reached the server (or failed to).

        Called before the attempt reports its outcome: a parent that runs again must find the
        traces of this attempt, and the server refuses children of an action that has ended.
        """
        while self._sending:
            await asyncio.gather(*self._sending, return_exceptions=True)

    def record_report(self, run_name: str, action_name: str, report_html: str) -> None:
        """Ships the report's latest HTML."""
        self._client.report(report_html)

    def cache_get(self, key: str) -> bytes | None:
        """The server looks the cache up when a child is created; nothing to do here."""
        return None

    def cache_put(self, key: str, task_name: str, outputs: bytes) -> None:
        """The server stores cached outputs when an attempt succeeds; nothing to do here."""


def _on_loop(loop: asyncio.AbstractEventLoop) -> bool:
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False


def _image_overridden(task: AsyncFunctionTaskTemplate[Any, Any, Any]) -> bool:
    """Whether the task's image is not its environment's (a call made with ``override(image=...)``)."""
    env = task.parent_env() if task.parent_env is not None else None
    return env is not None and task.image is not env.image
