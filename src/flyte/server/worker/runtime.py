"""The worker runtime: runs one attempt of one action and reports how it went.

Started (forked from a zygote) with ``FLYTE_ENDPOINT``, ``RUN_NAME``, ``ACTION_NAME``,
``FLYTE_ATTEMPT`` and the attempt's token in its environment. It fetches the attempt's spec, runs the task with the
remote controller (so child calls become actions on the server), heartbeats while it runs,
ships its output lines, and reports outputs or error. Retries, timeouts and memory limits are
the server's business: a worker runs exactly one attempt.
"""

from __future__ import annotations

import asyncio
import contextvars
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from flyte._context import ActionContext, current_action
from flyte._internal import wire
from flyte._internal.engine.run_state import RunOptions, RunState
from flyte._internal.model.errors import to_flyte_error
from flyte._internal.model.offload import from_stored, to_stored
from flyte._internal.model.progress import RunProgress
from flyte._internal.module_loader import load_ref
from flyte.errors import ModuleLoadError
from flyte.server.worker.client import AttemptOver, WorkerClient
from flyte.server.worker.logs import LogShipper
from flyte.server.worker.remote_controller import RemoteController, RemoteRecorder

HEARTBEAT_S = 2.0


def _find_task(spec: wire.TaskSpec, bundle: Path | None) -> Any:
    from flyte._task import AsyncFunctionTaskTemplate

    module = load_ref(spec.module, bundle, confine=True)
    for value in vars(module).values():
        # A decorator stacked on the task (an agent's @tool) keeps the task as __wrapped_task__.
        task = getattr(value, "__wrapped_task__", value)
        if isinstance(task, AsyncFunctionTaskTemplate) and task.name == spec.name:
            return task
    raise ModuleLoadError(f"Task '{spec.name}' is not defined in {spec.module}")


class _Heartbeat:
    """Beats every ``HEARTBEAT_S`` on a thread of its own, and at once when nudged.

    The controller nudges it when the task starts or stops waiting on children, so that the
    server hands the slot of a waiting parent to its children without waiting for the next beat.
    """

    def __init__(
        self, client: WorkerClient, controller: RemoteController, on_over: Callable[[], None] | None = None
    ) -> None:
        self._client = client
        self._controller = controller
        self._on_over = on_over
        self._wake = threading.Event()
        self._stopped = False

    def start(self) -> None:
        """Starts beating."""
        threading.Thread(target=self._beat, name="flyte-heartbeat", daemon=True).start()

    def nudge(self) -> None:
        """Beats now (from any thread)."""
        self._wake.set()

    def stop(self) -> None:
        """Stops beating."""
        self._stopped = True
        self._wake.set()

    def _beat(self) -> None:
        while True:
            self._wake.wait(HEARTBEAT_S)
            self._wake.clear()
            if self._stopped:
                return
            try:
                self._client.heartbeat(waiting=self._controller.pending_children > 0)
            except AttemptOver:
                # The server has given up on this attempt (aborted, timed out, declared lost).
                if self._on_over is None:
                    os._exit(3)
                self._on_over()
                return
            except Exception:
                continue


async def _run_body(task: Any, ctx: ActionContext, values: dict[str, Any], pool: ThreadPoolExecutor) -> Any:
    token = current_action.set(ctx)
    try:
        if task.runs_via_execute:
            return await task.execute(**values)
        if task.is_async:
            return await task.func(**values)
        # Run in a copy of this context: a replica routes the task's output and variables by it.
        context = contextvars.copy_context()
        return await asyncio.get_running_loop().run_in_executor(pool, context.run, _sync_body, task, ctx, values)
    finally:
        current_action.reset(token)


def _sync_body(task: Any, ctx: ActionContext, values: dict[str, Any]) -> Any:
    token = current_action.set(ctx)
    try:
        return task.func(**values)
    finally:
        current_action.reset(token)


async def run_attempt(
    client: WorkerClient,
    spec: wire.AttemptSpec,
    bundle: Path | None,
    on_over: Callable[[], None] | None = None,
) -> wire.CompleteAttempt:
    """Runs one attempt of the spec's task, heartbeating meanwhile; returns how it ended.

    ``on_over`` is called (from another thread) when the server says the attempt is over; by
    default the process exits, as a worker of one attempt should.
    """
    loop = asyncio.get_running_loop()
    controller = RemoteController(client, bundle)
    heartbeat = _Heartbeat(client, controller, on_over)
    controller.on_waiting_changed = heartbeat.nudge
    heartbeat.start()
    pool = ThreadPoolExecutor(thread_name_prefix="flyte-task")
    recorder = RemoteRecorder(client, controller, loop)
    report = None
    try:
        task = _find_task(spec.task, bundle)
        run = RunState(
            name=spec.run_name,
            project=spec.project,
            domain=spec.domain,
            org=None,
            mode="remote",
            store=recorder,
            loop=loop,
            loop_thread=threading.get_ident(),
            sync_pool=pool,
            progress=RunProgress(spec.run_name),
            base_dir=bundle or Path.cwd(),
            raw_data_path=spec.raw_data_path,
            # The run's variables are in this process's environment already.
            options=RunOptions(custom_context=spec.custom_context),
            started_at=datetime.now(timezone.utc),
            controller=controller,
            recorded_traces={s.name: s.outputs for s in spec.recorded if s.phase == "SUCCEEDED" and s.outputs},
        )
        if task.report:
            from flyte.report import Report

            report = Report(spec.action_name)
        ctx = ActionContext(
            run, spec.action_name, task.name, spec.attempt, custom_context=spec.custom_context, report=report
        )
        iface = task.interface
        values = iface.decode_inputs(from_stored(spec.inputs))
        value = await _run_body(task, ctx, values, pool)
        if not iface.has_return_annotation and value is not None:
            task.warn_missing_return_annotation()
        token = current_action.set(ctx)
        try:
            blob = iface.encode_output(value)
            stored = to_stored(blob, spec.raw_data_path, task.name, "outputs", task.max_inline_io_bytes)
        finally:
            current_action.reset(token)
        return wire.CompleteAttempt(outputs=stored, report=report.get_final_report() if report else None)
    except Exception as exc:
        err = to_flyte_error(exc, spec.task.name)
        info = wire.ErrorInfo(code=err.code, kind=err.kind, message=err.message, traceback=err.traceback or "")
        return wire.CompleteAttempt(error=info, report=report.get_final_report() if report else None)
    finally:
        await recorder.drain()
        heartbeat.stop()
        await controller.aclose()
        await client.aclose()
        pool.shutdown(wait=False)


def main(bundle: Path | None = None) -> int:
    """Runs the attempt named by the environment, with its task's code from the ``bundle`` folder;
    the exit code is 0 once it is reported."""

    client = WorkerClient(
        os.environ["FLYTE_ENDPOINT"],
        os.environ["RUN_NAME"],
        os.environ["ACTION_NAME"],
        int(os.environ["FLYTE_ATTEMPT"]),
        # Popped, so that the task's own code does not come across it in os.environ by chance.
        os.environ.pop(wire.ATTEMPT_TOKEN_ENV, ""),
    )
    shipper = LogShipper(client.logs)
    shipper.capture()
    try:
        spec = client.spec()
    except AttemptOver:
        return 0
    outcome = asyncio.run(run_attempt(client, spec, bundle))
    shipper.close()
    try:
        client.complete(outcome)
    except AttemptOver:
        return 0
    finally:
        client.close()
    return 0
