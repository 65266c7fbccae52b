"""Starting runs: ``flyte.run``, ``flyte.with_runcontext`` and the handle they return."""

from __future__ import annotations

import asyncio
import sys
import threading
import time
import typing
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, Literal, Optional, Tuple

from flyte._internal.model.phases import ActionPhase
from flyte._syncify import syncify
from flyte.errors import BaseRuntimeError, ConfigError, InitializationError, RuntimeUserError

LogFormat = Literal["console", "json"]

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


@dataclass(frozen=True)
class RunSettings:
    """What ``flyte.with_runcontext`` set for the next run."""

    mode: Optional[Mode] = None
    name: Optional[str] = None
    overwrite_cache: bool = False
    disable_run_cache: bool = False
    env_vars: Dict[str, str] = field(default_factory=dict)
    raw_data_path: Optional[str] = None
    run_base_dir: Optional[str] = None
    run_start_time: Optional[datetime] = None
    project: Optional[str] = None
    domain: Optional[str] = None
    custom_context: Dict[str, str] = field(default_factory=dict)
    signals: Dict[str, str] = field(default_factory=dict)
    max_action_concurrency: Optional[int] = None
    copy_style: str = "loaded_modules"
    interactive_mode: Optional[bool] = None
    version: Optional[str] = None
    labels: Dict[str, str] = field(default_factory=dict)
    annotations: Dict[str, str] = field(default_factory=dict)
    notifications: Tuple[Any, ...] = ()
    logging: Tuple[Optional[int], Optional[LogFormat], Optional[int], bool] = (None, None, None, False)

    def check_remote(self) -> None:
        """Refuses the settings that only local runs honour, naming the first one given.

        Raises:
            ConfigError: such a setting is set.
        """
        for option, why in _LOCAL_ONLY:
            if getattr(self, option):
                raise ConfigError(f"flyte.with_runcontext: {option} applies to local runs only: {why}")


#: Settings a server run cannot honour yet, with the reason.
_LOCAL_ONLY = (
    ("labels", "the server does not record labels yet"),
    ("signals", "a server run's conditions are signalled with flyte signal condition or flyte.remote.Condition"),
    ("notifications", "the server does not send notifications yet"),
    ("annotations", "the server does not record annotations yet"),
    ("version", "the server versions a run's code by the hash of its bundle"),
    ("raw_data_path", "the server keeps a run's data in its own store"),
    ("run_base_dir", "the server keeps a run's data in its own store"),
    ("run_start_time", "the server records when a run starts"),
)


class _Runner:
    """The settings of the next run; ``.run(task, ...)`` starts it."""

    def __init__(self, settings: RunSettings):
        self.settings = settings

    @syncify
    async def run(self, task: AsyncFunctionTaskTemplate[Any, Any, Any], *args: Any, **kwargs: Any) -> Run:
        """Runs ``task`` with the given inputs and returns the run's handle."""
        from flyte._initialize import get_init_state
        from flyte._task import AsyncFunctionTaskTemplate

        # A deployed task can only come from flyte.remote, so that module is loaded if it is one.
        deployed = sys.modules.get("flyte.remote._task")
        if deployed is not None and isinstance(task, deployed.Task):
            return await self._run_deployed(task, args, kwargs)
        if not isinstance(task, AsyncFunctionTaskTemplate):
            raise TypeError(f"flyte.run expects a task (decorated with @env.task), got {task!r}")
        state = get_init_state()
        settings = self.settings
        mode = settings.mode or ("local" if state.is_local else "remote")
        if any(option is not None for option in settings.logging[:3]) or settings.logging[3]:
            from flyte._init_options import configure_logging

            configure_logging(*settings.logging)
        if mode == "local":
            return await self._run_local(task, state.project, state.domain, state.org, state.config, args, kwargs)
        settings.check_remote()
        if settings.copy_style == "none":
            raise ConfigError(
                "flyte.with_runcontext: copy_style='none' applies to local runs only: the server's workers "
                "load the run's code from the bundle it ships"
            )
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
            name=settings.name,
            project=settings.project or state.project,
            domain=settings.domain or state.domain,
            env_vars=settings.env_vars,
            overwrite_cache=settings.overwrite_cache,
            disable_run_cache=settings.disable_run_cache,
            root=state.root_dir,
            endpoint=state.endpoint,
            custom_context={**get_custom_context(), **settings.custom_context},
            max_action_concurrency=settings.max_action_concurrency,
            copy_style=settings.copy_style,
        )

    async def _run_deployed(self, task: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Run:
        """Runs a task deployed on the server (a ``flyte.remote.Task``) there."""
        from flyte._custom_context import get_custom_context
        from flyte.remote._task import submit_deployed_run

        settings = self.settings
        if settings.mode == "local":
            raise ConfigError(f"{task.name} is a deployed task: it runs on its server, not locally")
        settings.check_remote()
        if settings.copy_style != "loaded_modules":
            raise ConfigError(
                f"flyte.with_runcontext: copy_style cannot apply to {task.name}: a deployed task runs the code "
                "it was deployed with"
            )
        if settings.project not in (None, task.project) or settings.domain not in (None, task.domain):
            raise ConfigError(
                f"flyte.with_runcontext: {task.name} runs in the project and domain it is deployed in "
                f"({task.project}/{task.domain})"
            )
        return await asyncio.to_thread(
            submit_deployed_run,
            task,
            args,
            kwargs,
            name=settings.name,
            env_vars=settings.env_vars,
            overwrite_cache=settings.overwrite_cache,
            disable_run_cache=settings.disable_run_cache,
            custom_context={**get_custom_context(), **settings.custom_context},
            max_action_concurrency=settings.max_action_concurrency,
        )

    async def _notify(self, run: Any, task_name: str, phase: ActionPhase, error: str = "") -> None:
        """Sends the run's notifications that fire on ``phase`` (an aborted local run sends none:
        it is being torn down)."""
        if not self.settings.notifications:
            return
        from flyte.notify._sender import RunEnd, send

        end = RunEnd(run.name, task_name, run.project, run.domain, phase, error)
        await send(self.settings.notifications, end)

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
        from flyte._internal.store import local_ui
        from flyte._internal.store.local_db import default_store

        settings = self.settings
        home = config.home() if config is not None else flyte_home()
        store = default_store(home / "local.db")
        name = settings.name or new_run_name()
        if settings.name and store.has_run(name):
            # Two runs under one name would mix their records (the server refuses it the same way).
            raise RuntimeUserError("Conflict", f"A run named '{name}' exists already: choose another name")
        base_dir = Path(settings.run_base_dir) if settings.run_base_dir else home / "runs" / name
        loop = asyncio.get_running_loop()
        pool = ThreadPoolExecutor(thread_name_prefix=f"flyte-{name}")
        run = RunState(
            name=name,
            project=settings.project or project,
            domain=settings.domain or domain,
            org=org,
            mode="local",
            store=store,
            loop=loop,
            loop_thread=threading.get_ident(),
            sync_pool=pool,
            progress=progress.start(name),
            base_dir=base_dir,
            raw_data_path=settings.raw_data_path or str(base_dir / "data"),
            options=RunOptions(
                overwrite_cache=settings.overwrite_cache,
                disable_run_cache=settings.disable_run_cache,
                env_vars=settings.env_vars,
                custom_context={**get_custom_context(), **settings.custom_context},
                max_action_concurrency=settings.max_action_concurrency,
                interactive_mode=bool(settings.interactive_mode),
                version=settings.version,
                signals=settings.signals,
            ),
            started_at=settings.run_start_time or datetime.now(timezone.utc),
            controller=local_controller.LOCAL,
        )
        started = time.time()
        run_row = (name, run.project, run.domain, task.name, "local", ActionPhase.RUNNING.value, started)
        store.record_run((*run_row, None, None))
        store.record_tags(name, {"labels": settings.labels, "annotations": settings.annotations})
        url = local_ui.run_url(store.path, name) or f"{store.path}#run={name}"
        # The root's inputs and outputs are encoded as if inside the run, so data they write
        # (frames, offloaded values) goes under the run's raw-data path.
        token = current_action.set(ActionContext(run, ROOT_ACTION, task.name))
        try:
            call = local_controller.prepare(task, run, None, args, kwargs, name=ROOT_ACTION)
            value = await local_controller.execute(call)
        except BaseRuntimeError as err:
            phase = ActionPhase.TIMED_OUT if err.code == "TaskTimeoutError" else ActionPhase.FAILED
            store.record_run((*run_row[:5], phase.value, started, time.time(), error_record(err)))
            await self._notify(run, task.name, phase, f"{err.code}: {err.message}")
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
        await self._notify(run, task.name, ActionPhase.SUCCEEDED)
        returns_tuple = _returns_tuple(task)
        return Run(name, url, ActionPhase.SUCCEEDED, value, returns_tuple=returns_tuple)


def with_runcontext(
    mode: Optional[Mode] = None,
    *,
    name: Optional[str] = None,
    service_account: Optional[str] = None,
    version: Optional[str] = None,
    copy_style: str = "loaded_modules",
    dry_run: bool = False,
    copy_bundle_to: Optional[Path] = None,
    interactive_mode: Optional[bool] = None,
    raw_data_path: Optional[str] = None,
    run_base_dir: Optional[str] = None,
    run_start_time: Optional[datetime] = None,
    overwrite_cache: bool = False,
    project: Optional[str] = None,
    domain: Optional[str] = None,
    env_vars: Optional[Dict[str, str]] = None,
    labels: Optional[Dict[str, str]] = None,
    annotations: Optional[Dict[str, str]] = None,
    interruptible: Optional[bool] = None,
    log_level: Optional[int] = None,
    log_format: Optional[LogFormat] = None,
    user_log_level: Optional[int] = None,
    reset_root_logger: bool = False,
    disable_run_cache: bool = False,
    queue: Optional[str] = None,
    max_action_concurrency: Optional[int] = None,
    notifications: Any = None,
    custom_context: Optional[Dict[str, str]] = None,
    signals: Optional[Dict[str, str]] = None,
    cache_lookup_scope: str = "global",
    preserve_original_types: bool = False,
    debug: bool = False,
    tracked: bool = False,
    tracked_strict: bool = False,
    _tracker: Any = None,
) -> _Runner:
    """Settings for the next run: ``flyte.with_runcontext(mode="local").run(main, ...)``.

    - ``mode``: ``"local"`` (in this process) or ``"remote"`` (on the configured server); by
      default remote when an endpoint is configured.
    - ``name``: the run's name (refused when taken); ``project``, ``domain``.
    - ``env_vars``, ``custom_context``: variables and context every task of the run sees.
    - ``overwrite_cache``, ``disable_run_cache``, ``max_action_concurrency``.
    - Local runs only: ``raw_data_path``, ``run_base_dir`` (where the run's data goes),
      ``run_start_time``, ``interactive_mode`` (``flyte.ctx().interactive_mode``), ``version``
      (``flyte.ctx().version``), ``labels`` and ``annotations`` (recorded with the run and shown
      by ``flyte get run``).
    - ``copy_style``: what a remote run ships, ``"loaded_modules"`` (the modules loaded from
      under the root folder) or ``"all"`` (every file there); ``"none"`` only for local runs,
      which ship nothing.
    - ``signals``: local runs only: values of conditions (``flyte.new_condition``) by name, as
      text of the condition's type, given instead of asking on the terminal.
    - ``notifications``: :mod:`flyte.notify` objects a local run sends when it succeeds, fails
      or times out.
    - ``log_level``, ``log_format``, ``user_log_level``, ``reset_root_logger``: as for
      :func:`flyte.init`, applied when the run starts.

    The real SDK's options that cannot apply here (service accounts, queues, dry runs,
    debugging, tracking ...) raise :class:`~flyte.errors.ConfigError` naming the
    option when given a non-default value.
    """
    from flyte._init_options import COPY_STYLES, RUN_REFUSED, refuse_unsupported

    if mode not in (None, "local", "remote", "hybrid"):
        raise ValueError(f"mode must be 'local' or 'remote', got {mode!r}")
    given = dict(locals())
    given["tracked"] = tracked or tracked_strict or _tracker is not None
    # Not interruptible is what every task here is: only asking for preemption is refused.
    given["interruptible"] = interruptible or None
    refuse_unsupported("flyte.with_runcontext", given, RUN_REFUSED)
    if copy_style not in COPY_STYLES:
        raise ConfigError(
            f"flyte.with_runcontext: copy_style must be one of {', '.join(COPY_STYLES)}, got {copy_style!r}"
        )
    return _Runner(
        RunSettings(
            mode=mode,
            name=name,
            overwrite_cache=overwrite_cache,
            disable_run_cache=disable_run_cache,
            env_vars=dict(env_vars or {}),
            raw_data_path=raw_data_path,
            run_base_dir=run_base_dir,
            run_start_time=run_start_time,
            project=project,
            domain=domain,
            custom_context=dict(custom_context or {}),
            signals=dict(signals or {}),
            max_action_concurrency=max_action_concurrency,
            copy_style=copy_style,
            interactive_mode=interactive_mode,
            version=version,
            labels=_string_pairs("labels", labels),
            annotations=_string_pairs("annotations", annotations),
            notifications=_notifications(notifications),
            logging=(log_level, log_format, user_log_level, reset_root_logger),
        )
    )


def _notifications(notifications: Any) -> Tuple[Any, ...]:
    if notifications is None:
        return ()
    from flyte.notify._sender import check_local

    return check_local(notifications)


def _string_pairs(option: str, pairs: Optional[Dict[str, str]]) -> Dict[str, str]:
    if pairs is None:
        return {}
    if not isinstance(pairs, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in pairs.items()):
        raise ConfigError(f"flyte.with_runcontext: {option} must map strings to strings, got {pairs!r}")
    return dict(pairs)


@syncify
async def run(task: AsyncFunctionTaskTemplate[Any, Any, Any], *args: Any, **kwargs: Any) -> Run:
    """Runs ``task`` with default settings: locally when no endpoint is configured."""
    handle: Run = await with_runcontext().run.aio(task, *args, **kwargs)
    return handle
