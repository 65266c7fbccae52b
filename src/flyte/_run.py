"""Starting runs: ``flyte.run``, ``flyte.with_runcontext`` and the handle they return."""

from __future__ import annotations

import asyncio
import threading
import time
import typing
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Dict, Literal, Optional

from flyte._internal.model.phases import ActionPhase
from flyte._syncify import syncify
from flyte.errors import BaseRuntimeError, InitializationError, RuntimeUserError

if TYPE_CHECKING:
    from flyte._config import Config
    from flyte._task import AsyncFunctionTaskTemplate

Mode = Literal["local", "remote", "hybrid"]


class ActionOutputs(tuple):  # type: ignore[type-arg]
    """A run's outputs: a tuple (``outputs[0]``) that also names them (``named_outputs``)."""

    named_outputs: Dict[str, Any]

    def __new__(cls, values: tuple[Any, ...]) -> ActionOutputs:
        outputs = super().__new__(cls, values)
        outputs.named_outputs = {f"o{i}": v for i, v in enumerate(values)}
        return outputs

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={v!r}" for k, v in self.named_outputs.items())
        return f"ActionOutputs({inner})"


def _returns_tuple(task: AsyncFunctionTaskTemplate[Any, Any, Any]) -> bool:
    """Whether the task's result is several outputs (a tuple type, or no annotation at all)."""
    iface = task.interface
    if not iface.has_return_annotation:
        return True
    tp = iface.output_type
    return typing.get_origin(tp) is tuple or (isinstance(tp, type) and issubclass(tp, tuple))


def _as_outputs(value: Any, returns_tuple: bool) -> ActionOutputs:
    if returns_tuple and isinstance(value, tuple):
        return ActionOutputs(tuple(value))
    return ActionOutputs((value,))


class Run:
    """A handle on a run: its name, where its records are, its phase and its outputs."""

    def __init__(
        self,
        name: str,
        url: str,
        phase: ActionPhase,
        value: Any = None,
        error: BaseRuntimeError | None = None,
        returns_tuple: bool = False,
    ):
        self.name = name
        self.url = url
        self._phase = phase
        self._value = value
        self._error = error
        self._returns_tuple = returns_tuple

    @property
    def phase(self) -> str:
        """The run's phase, e.g. ``SUCCEEDED``."""
        return self._phase.value

    def done(self) -> bool:
        """Whether the run has ended."""
        return self._phase.is_terminal

    def wait(self, quiet: bool = False, wait_for: str = "terminal") -> None:
        """Waits for the run to end; a local run has already ended when its handle is returned."""

    def outputs(self) -> ActionOutputs:
        """The root task's outputs; raises the run's error if it failed."""
        if self._error is not None:
            raise self._error
        return _as_outputs(self._value, self._returns_tuple)

    def __repr__(self) -> str:
        return f"Run(name={self.name!r}, phase={self.phase}, url={self.url!r})"


class _Runner:
    """The settings of the next run; ``.run(task, ...)`` starts it."""

    def __init__(
        self,
        mode: Mode | None,
        name: str | None,
        overwrite_cache: bool,
        disable_run_cache: bool,
        env_vars: Dict[str, str] | None,
        raw_data_path: str | None,
        project: str | None,
        domain: str | None,
        custom_context: Dict[str, str] | None,
        max_action_concurrency: int | None,
    ):
        self.mode = mode
        self.name = name
        self.overwrite_cache = overwrite_cache
        self.disable_run_cache = disable_run_cache
        self.env_vars = dict(env_vars or {})
        self.raw_data_path = raw_data_path
        self.project = project
        self.domain = domain
        self.custom_context = dict(custom_context or {})
        self.max_action_concurrency = max_action_concurrency

    @syncify
    async def run(self, task: AsyncFunctionTaskTemplate[Any, Any, Any], *args: Any, **kwargs: Any) -> Run:
        """Runs ``task`` with the given inputs and returns the run's handle."""
        from flyte._initialize import get_init_state
        from flyte._task import AsyncFunctionTaskTemplate

        if not isinstance(task, AsyncFunctionTaskTemplate):
            raise TypeError(f"flyte.run expects a task (decorated with @env.task), got {task!r}")
        state = get_init_state()
        mode = self.mode or ("local" if state.is_local else "remote")
        if mode == "local":
            return await self._run_local(task, state.project, state.domain, state.org, state.config, args, kwargs)
        if mode == "hybrid" or state.endpoint is None:
            raise InitializationError(
                "RemoteUnavailable",
                "user",
                "hybrid mode is not supported: use mode='local' or 'remote'"
                if mode == "hybrid"
                else "mode='remote' needs a flyte server: call flyte.init(endpoint=...) or set "
                "admin.endpoint in the config",
            )
        from flyte._custom_context import get_custom_context
        from flyte._internal.remote_run import submit_remote_run

        # The client blocks on HTTP: a thread keeps the caller's event loop free meanwhile.
        return await asyncio.to_thread(
            submit_remote_run,
            task,
            args,
            kwargs,
            name=self.name,
            project=self.project or state.project,
            domain=self.domain or state.domain,
            env_vars=self.env_vars,
            overwrite_cache=self.overwrite_cache,
            disable_run_cache=self.disable_run_cache,
            root=state.root_dir,
            endpoint=state.endpoint,
            custom_context={**get_custom_context(), **self.custom_context},
            max_action_concurrency=self.max_action_concurrency,
        )

    async def _run_local(
        self,
        task: AsyncFunctionTaskTemplate[Any, Any, Any],
        project: str,
        domain: str,
        org: str | None,
        config: Config | None,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> Run:
        from flyte._context import ActionContext, current_action
        from flyte._custom_context import get_custom_context
        from flyte._home import flyte_home
        from flyte._internal.engine import local_controller
        from flyte._internal.engine.run_state import RunOptions, RunState
        from flyte._internal.model import progress
        from flyte._internal.model.errors import error_record
        from flyte._internal.model.naming import ROOT_ACTION, new_run_name
        from flyte._internal.store.local_db import default_store

        home = config.home() if config is not None else flyte_home()
        store = default_store(home / "local.db")
        name = self.name or new_run_name()
        if self.name and store.has_run(name):
            # Two runs under one name would mix their records (the server refuses it the same way).
            raise RuntimeUserError("Conflict", f"A run named '{name}' exists already: choose another name")
        base_dir = home / "runs" / name
        loop = asyncio.get_running_loop()
        pool = ThreadPoolExecutor(thread_name_prefix=f"flyte-{name}")
        run = RunState(
            name=name,
            project=self.project or project,
            domain=self.domain or domain,
            org=org,
            mode="local",
            store=store,
            loop=loop,
            loop_thread=threading.get_ident(),
            sync_pool=pool,
            progress=progress.start(name),
            base_dir=base_dir,
            raw_data_path=self.raw_data_path or str(base_dir / "data"),
            options=RunOptions(
                overwrite_cache=self.overwrite_cache,
                disable_run_cache=self.disable_run_cache,
                env_vars=self.env_vars,
                custom_context={**get_custom_context(), **self.custom_context},
                max_action_concurrency=self.max_action_concurrency,
            ),
            started_at=datetime.now(timezone.utc),
            controller=local_controller.LOCAL,
        )
        started = time.time()
        run_row = (name, run.project, run.domain, task.name, "local", ActionPhase.RUNNING.value, started)
        store.record_run((*run_row, None, None))
        url = f"{store.path}#run={name}"
        # The root's inputs and outputs are encoded as if inside the run, so data they write
        # (frames, offloaded values) goes under the run's raw-data path.
        token = current_action.set(ActionContext(run, ROOT_ACTION, task.name))
        try:
            call = local_controller.prepare(task, run, None, args, kwargs, name=ROOT_ACTION)
            value = await local_controller.execute(call)
        except BaseRuntimeError as err:
            phase = ActionPhase.TIMED_OUT if err.code == "TaskTimeoutError" else ActionPhase.FAILED
            store.record_run((*run_row[:5], phase.value, started, time.time(), error_record(err)))
            raise
        except BaseException:
            store.record_run((*run_row[:5], ActionPhase.ABORTED.value, started, time.time(), None))
            raise
        finally:
            current_action.reset(token)
            pool.shutdown(wait=False)
            progress.finish(name)
            store.flush()
        store.record_run((*run_row[:5], ActionPhase.SUCCEEDED.value, started, time.time(), None))
        store.flush()
        returns_tuple = _returns_tuple(task)
        return Run(name, url, ActionPhase.SUCCEEDED, value, returns_tuple=returns_tuple)


def with_runcontext(
    mode: Optional[Mode] = None,
    *,
    name: Optional[str] = None,
    overwrite_cache: bool = False,
    disable_run_cache: bool = False,
    env_vars: Optional[Dict[str, str]] = None,
    raw_data_path: Optional[str] = None,
    project: Optional[str] = None,
    domain: Optional[str] = None,
    custom_context: Optional[Dict[str, str]] = None,
    max_action_concurrency: Optional[int] = None,
    **_unused_remote_options: Any,
) -> _Runner:
    """Settings for the next run: ``flyte.with_runcontext(mode="local").run(main, ...)``."""
    if mode not in (None, "local", "remote", "hybrid"):
        raise ValueError(f"mode must be 'local' or 'remote', got {mode!r}")
    return _Runner(
        mode,
        name,
        overwrite_cache,
        disable_run_cache,
        env_vars,
        raw_data_path,
        project,
        domain,
        custom_context,
        max_action_concurrency,
    )


@syncify
async def run(task: AsyncFunctionTaskTemplate[Any, Any, Any], *args: Any, **kwargs: Any) -> Run:
    """Runs ``task`` with default settings: locally when no endpoint is configured."""
    handle: Run = await with_runcontext().run.aio(task, *args, **kwargs)
    return handle
