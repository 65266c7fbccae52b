"""Tasks: functions bound to an environment, whose calls inside a run become actions."""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import inspect
import logging
import sys
import weakref
from dataclasses import dataclass
from typing import (
    TYPE_CHECKING,
    Any,
    Callable,
    ClassVar,
    Coroutine,
    Dict,
    Generic,
    List,
    Optional,
    ParamSpec,
    Tuple,
    TypeVar,
    Union,
)

from flyte._cache import Cache, CacheRequest, resolve_cache
from flyte._context import current_action, task_data
from flyte._doc import Documentation
from flyte._image import Image
from flyte._link import Link
from flyte._pod import PodTemplate
from flyte._resources import Resources
from flyte._retry import RetryStrategy
from flyte._reusable import ReusePolicy
from flyte._secret import Secret, SecretRequest, secrets_from_request
from flyte._timeout import TimeoutType, max_runtime_seconds
from flyte._trigger import Trigger
from flyte.errors import TraceDoesNotAllowNestedTasksError

if TYPE_CHECKING:
    from flyte._environment import TaskEnvironment
    from flyte._internal.engine.run_state import RunState
    from flyte._internal.serde import NativeInterface
    from flyte.models import SerializationContext

P = ParamSpec("P")
R = TypeVar("R")
F = TypeVar("F", bound=Callable[..., Any])

logger = logging.getLogger("flyte")

DEFAULT_MAX_INLINE_IO_BYTES = 10 * 1024 * 1024


@dataclass(kw_only=True)
class TaskTemplate(Generic[P, R, F]):
    """A task's definition: its name, interface and the settings it runs with."""

    name: str
    interface: NativeInterface
    short_name: str = ""
    task_type: str = "python"
    task_type_version: int = 0
    image: Union[str, Image, None] = "auto"
    resources: Optional[Resources] = None
    cache: CacheRequest = "disable"
    interruptible: bool = False
    retries: Union[int, RetryStrategy] = 0
    reusable: Optional[ReusePolicy] = None
    docs: Optional[Documentation] = None
    env_vars: Optional[Dict[str, str]] = None
    secrets: Optional[SecretRequest] = None
    service_account: Optional[str] = None
    timeout: Optional[TimeoutType] = None
    pod_template: Optional[Union[str, PodTemplate]] = None
    report: bool = False
    queue: Optional[str] = None
    debuggable: bool = False
    entrypoint: bool = False
    produces_artifacts: bool = False
    parent_env: Optional[weakref.ReferenceType[TaskEnvironment]] = None
    parent_env_name: Optional[str] = None
    max_inline_io_bytes: int = DEFAULT_MAX_INLINE_IO_BYTES
    triggers: Tuple[Trigger, ...] = ()
    links: Tuple[Link, ...] = ()

    def __post_init__(self) -> None:
        if not self.short_name:
            self.short_name = self.name.rsplit(".", 1)[-1]
        if isinstance(self.retries, int):
            if self.retries < 0:
                raise ValueError(f"Task '{self.name}': retries must be >= 0, got {self.retries}")
            self.retries = RetryStrategy(count=self.retries)
        self.cache = resolve_cache(self.cache)
        self.timeout_seconds: float | None = max_runtime_seconds(self.timeout)
        self.max_attempts: int = self.retries.count + 1
        self._secret_list: list[Secret] = secrets_from_request(self.secrets)
        self.has_overlay: bool = bool(self.env_vars or self._secret_list)
        self._cache_version: str | None = None

    @property
    def cache_enabled(self) -> bool:
        """Whether results of this task are looked up in and stored to the cache."""
        assert isinstance(self.cache, Cache)
        return self.cache.behavior != "disable"

    def retry_delay(self, attempt: int) -> float:
        """Seconds to wait after failed attempt ``attempt`` (1-based) before the next one."""
        assert isinstance(self.retries, RetryStrategy)
        return self.retries.delay_seconds(attempt)

    def environment_overlay(self, run: RunState) -> dict[str, str]:
        """The environment variables this task sees: run, environment and secret variables."""
        from flyte._internal.engine.secrets import resolve_secrets

        merged = dict(run.options.env_vars)
        merged.update(self.env_vars or {})
        # A local process pulls no image, so the image's registry credential may be absent. Any
        # other missing secret is a warning, as in the flyte SDK's local mode: code that never
        # reads it locally runs, and the warning names the secret should the task then fail.
        pull = self.image._image_registry_secret if isinstance(self.image, Image) else None
        optional = (pull.key,) if pull is not None else ()
        merged.update(
            resolve_secrets(
                self.name, self._secret_list, run.project, run.domain, may_be_missing=optional, warn_if_missing=True
            )
        )
        return merged

    def __getstate__(self) -> dict[str, Any]:
        # Tasks travel as values (a task handed to another task, the UDF pattern): a weak
        # reference cannot be pickled, so the copy keeps only its environment's name.
        state = dict(self.__dict__)
        state["parent_env"] = None
        return state

    #: Whether this is a reference to a task defined elsewhere (never, for tasks defined here).
    ref: ClassVar[bool] = False

    @property
    def native_interface(self) -> NativeInterface:
        """The task's typed inputs and outputs."""
        return self.interface

    @property
    def json_schema(self) -> dict[str, Any]:
        """A JSON schema of the task's inputs (an ``object`` with one property per input)."""
        return self.interface.json_schema

    @property
    def source_file(self) -> Optional[str]:
        """The file the task is defined in, when it comes from a Python function."""
        return None

    # -- extension points of task plugins (flyte.extend) ---------------------------------------

    async def pre(self, *args: Any, **kwargs: Any) -> Dict[str, Any]:
        """Runs before the task body; what it returns is the body's ``flyte.ctx().data``."""
        return {}

    async def execute(self, *args: Any, **kwargs: Any) -> Any:
        """Runs the task's body with its inputs and returns its output."""
        raise NotImplementedError(f"Task '{self.name}' ({type(self).__name__}) does not define execute()")

    async def post(self, return_vals: Any) -> Any:
        """Runs after the task body with its output (a plugin may clean up here)."""
        return return_vals

    def config(self, sctx: SerializationContext) -> Dict[str, str]:
        """Plugin settings recorded with the task's definition as text pairs."""
        return {}

    def custom_config(self, sctx: SerializationContext) -> Dict[str, Any]:
        """Plugin settings recorded with the task's definition (for a backend plugin to read)."""
        return {}

    def container_args(self, sctx: SerializationContext) -> List[str]:
        """Extra command-line arguments of the task's container; none for Python tasks."""
        return []

    def data_loading_config(self, sctx: SerializationContext) -> Optional[Any]:
        """How a container task's inputs are given to it; None for Python tasks."""
        return None

    def sql(self, sctx: SerializationContext) -> Optional[str]:
        """The query of a SQL task; None for other tasks."""
        return None

    def override(self, **kwargs: Any) -> TaskTemplate[P, R, F]:
        """A copy of this task with some settings replaced, e.g. ``resources=`` or ``retries=``.

        Raises:
            TypeError: a setting tasks do not have.
        """
        known = {f.name for f in dataclasses.fields(self)}
        unknown = sorted(set(kwargs) - known)
        if unknown:
            raise TypeError(f"Task '{self.name}': override() got unknown settings {unknown}")
        return dataclasses.replace(self, **kwargs)

    def forward(self, *args: P.args, **kwargs: P.kwargs) -> Any:
        """Calls the task's body directly, without making an action."""
        raise NotImplementedError(f"Task '{self.name}' ({type(self).__name__}) has no Python body to forward to")

    def aio(self, *args: P.args, **kwargs: P.kwargs) -> Coroutine[Any, Any, R]:
        """Calls the task from async code; always returns an awaitable."""
        return self.execute(*args, **kwargs)


@dataclass(kw_only=True)
class AsyncFunctionTaskTemplate(TaskTemplate[P, R, F]):
    """A task made from a Python function (sync or async) with ``@env.task``."""

    func: F
    plugin_config: Optional[Any] = None
    task_resolver: Optional[Any] = None

    def __post_init__(self) -> None:
        super().__post_init__()
        self.is_async: bool = inspect.iscoroutinefunction(self.func)
        #: A plugin class changing pre/execute/post runs through execute(); plain tasks call
        #: their function directly, which keeps the engine's hot path free of that detour.
        self.runs_via_execute: bool = any(
            getattr(type(self), hook) is not getattr(AsyncFunctionTaskTemplate, hook) for hook in _HOOKS
        )
        self._warned_missing_annotation = False
        functools.update_wrapper(self, self.func)
        if self.env_vars or self.secrets:
            # Reading os.environ for every task would cost the hot path; only tasks that declare
            # variables pay for the overlay.
            from flyte._internal.engine import env_overlay

            env_overlay.install()

    @property
    def cache_version(self) -> str:
        """The version part of this task's cache key (computed once, on first use)."""
        if self._cache_version is None:
            assert isinstance(self.cache, Cache)
            self._cache_version = self.cache.get_version(self.func)
        return self._cache_version

    def cache_key(self, inputs_hash: str, values: dict[str, Any]) -> str:
        """The cache key of a call: inputs, task name, interface and cache version."""
        from flyte._internal.serde import TypeEngine, hash_bytes, pack
        from flyte._internal.serde._cache_form import cache_form

        assert isinstance(self.cache, Cache)
        ignored = self.cache.ignored_inputs
        if "flyte.io" in sys.modules and not ignored:
            # Files and folders may have a cache form (their content hash) unlike their literal.
            with cache_form():
                inputs_hash = hash_bytes(self.interface.encode_inputs(values))
        if ignored:
            with cache_form():
                kept = [
                    (name, TypeEngine.to_literal(values[name], tp))
                    for name, (tp, _) in self.interface.inputs.items()
                    if name not in ignored
                ]
            inputs_hash = hash_bytes(pack(kept))
        key = f"{inputs_hash}|{self.name}|{self.interface.interface_hash}|{self.cache_version}"
        return hash_bytes(key.encode())

    @property
    def source_file(self) -> Optional[str]:
        """The file the task's function is defined in."""
        try:
            return inspect.getsourcefile(self.func)
        except TypeError:
            return None

    def forward(self, *args: P.args, **kwargs: P.kwargs) -> Any:
        """Calls the task's function directly, without making an action: a value for a sync
        task, a coroutine for an async one."""
        return self.func(*args, **kwargs)

    async def execute(self, *args: Any, **kwargs: Any) -> Any:
        """Runs :meth:`pre`, the function (with ``pre``'s result as ``flyte.ctx().data``), then
        :meth:`post`, and returns the function's result. A sync function runs in a thread."""
        return await self._call_with_hooks(self.is_async, *args, **kwargs)

    async def _call_with_hooks(self, func_is_async: bool, *args: Any, **kwargs: Any) -> Any:
        data = await self.pre(*args, **kwargs)
        token = task_data.set(data)
        try:
            if func_is_async:
                value = await self.func(*args, **kwargs)
            else:
                value = await asyncio.to_thread(self.func, *args, **kwargs)
            await self.post(value)
        finally:
            task_data.reset(token)
        return value

    def warn_missing_return_annotation(self) -> None:
        """Says once per task that a value was returned without a return annotation."""
        if not self._warned_missing_annotation:
            self._warned_missing_annotation = True
            logger.warning(
                "Task '%s' returned a value but has no return annotation; add one (-> T) so the "
                "value is type-checked and stored in its own form.",
                self.name,
            )

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> Any:
        parent = current_action.get()
        if parent is None:
            return self.func(*args, **kwargs)
        if parent.in_trace:
            raise TraceDoesNotAllowNestedTasksError(
                f"Task '{self.name}' was called inside a @flyte.trace function; traces cannot call tasks"
            )
        controller = parent.run.controller
        if parent.run.on_loop_thread():
            return controller.submit(self, parent, next(parent.counter), args, kwargs)
        return controller.call_from_thread(self, parent, args, kwargs)

    def aio(self, *args: P.args, **kwargs: P.kwargs) -> Coroutine[Any, Any, R]:
        """Calls the task from async code; always returns an awaitable, sync task or not."""
        parent = current_action.get()
        if parent is not None and parent.run.on_loop_thread():
            return self(*args, **kwargs)  # type: ignore[no-any-return]
        if self.is_async:
            return self(*args, **kwargs)  # type: ignore[no-any-return]
        return _as_coroutine(self, args, kwargs)

    def override(self, **kwargs: Any) -> AsyncFunctionTaskTemplate[P, R, F]:
        """A copy of this task with some settings replaced, e.g. ``resources=`` or ``retries=``.

        A task of a reusable environment runs on warm workers made with the environment's
        resources, variables and secrets: those can be overridden only together with
        ``reusable="off"``, which runs the call on a worker of its own.

        Raises:
            ValueError: ``resources``, ``env_vars`` or ``secrets`` of a reusable task without
                ``reusable="off"``.
            TypeError: a setting tasks do not have.
        """
        if kwargs.get("reusable") == "off":
            kwargs["reusable"] = None
        elif self.reusable is not None:
            fixed = sorted(name for name in ("resources", "env_vars", "secrets") if name in kwargs)
            if fixed and "reusable" not in kwargs:
                raise ValueError(
                    f"Task '{self.name}' runs in a reusable environment: its {', '.join(fixed)} cannot be "
                    f'overridden alone; pass reusable="off" in the same override() call to run it on a worker '
                    "of its own"
                )
        cache_version = kwargs.pop("cache_version", None)
        if cache_version is not None:
            kwargs["cache"] = resolve_cache(kwargs.get("cache", self.cache), cache_version)
        return super().override(**kwargs)  # type: ignore[return-value]

    def __repr__(self) -> str:
        return f"Task({self.name})"

    def __hash__(self) -> int:
        return id(self)

    def __eq__(self, other: object) -> bool:
        return self is other


_HOOKS = ("pre", "execute", "post")


async def _as_coroutine(task: AsyncFunctionTaskTemplate[Any, Any, Any], args: Any, kwargs: Any) -> Any:
    return task(*args, **kwargs)
