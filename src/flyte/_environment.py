"""Environments: the shared settings (image, resources, secrets, ...) of a group of tasks."""

from __future__ import annotations

import inspect
import re
import sys
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional, Tuple, TypeVar, Union, overload

from flyte._cache import CacheRequest, resolve_cache
from flyte._doc import Documentation
from flyte._image import Image
from flyte._link import Link
from flyte._pod import PodTemplate
from flyte._resources import Resources
from flyte._retry import RetryStrategy
from flyte._reusable import ReusePolicy
from flyte._secret import SecretRequest
from flyte._task import DEFAULT_MAX_INLINE_IO_BYTES, AsyncFunctionTaskTemplate
from flyte._timeout import TimeoutType
from flyte._trigger import Trigger

if TYPE_CHECKING:
    from flyte.sandbox._namespace import SandboxNamespace

F = TypeVar("F", bound=Callable[..., Any])

_NAME_PATTERN = re.compile(r"^[a-z0-9]([a-z0-9_-]*[a-z0-9])?$", re.IGNORECASE)
_unnamed_counts: dict[str, int] = {}
_TASK_OPTIONS = frozenset(
    {
        "short_name",
        "cache",
        "cache_version",
        "retries",
        "timeout",
        "docs",
        "pod_template",
        "report",
        "interruptible",
        "max_inline_io_bytes",
        "queue",
        "service_account",
        "triggers",
        "links",
        "task_resolver",
        "entrypoint",
        "produces_artifacts",
    }
)


def _is_flyte_module(module: str) -> bool:
    return module == "flyte" or module.startswith("flyte.")


def _default_name() -> str:
    """A stable name for an environment created without one: from the module that creates it."""
    frame = sys._getframe(1)
    while frame.f_back is not None and _is_flyte_module(str(frame.f_globals.get("__name__", ""))):
        frame = frame.f_back
    module = frame.f_globals.get("__name__", "env")
    if module == "__main__":
        module = Path(frame.f_globals.get("__file__") or "main").stem
    base = re.sub(r"[^a-z0-9_]+", "_", module.rsplit(".", 1)[-1].lower()).strip("_") or "env"
    count = _unnamed_counts.get(base, 0) + 1
    _unnamed_counts[base] = count
    return f"{base}_env" if count == 1 else f"{base}_env_{count}"


@dataclass(init=True, repr=True, eq=False)
class Environment:
    """Settings shared by everything deployed together: image, resources, secrets, variables."""

    name: str = ""
    depends_on: List[Environment] = field(default_factory=list)
    pod_template: Optional[Union[str, PodTemplate]] = None
    description: Optional[str] = None
    secrets: Optional[SecretRequest] = None
    env_vars: Optional[Dict[str, str]] = None
    resources: Optional[Resources] = None
    interruptible: bool = False
    image: Union[str, Image, None] = "auto"
    include: Tuple[str, ...] = ()
    service_account: Optional[str] = None

    def __post_init__(self) -> None:
        if not self.name:
            self.name = _default_name()
        if not _NAME_PATTERN.match(self.name):
            raise ValueError(
                f"Environment name '{self.name}' is invalid: use letters, digits, '-' and '_', "
                "starting and ending with a letter or digit"
            )
        if self.env_vars is not None and not all(
            isinstance(k, str) and isinstance(v, str) for k, v in self.env_vars.items()
        ):
            raise TypeError(f"Environment '{self.name}': env_vars must map strings to strings")
        for dep in self.depends_on:
            if not isinstance(dep, Environment):
                raise TypeError(f"Environment '{self.name}': depends_on takes environments, got {dep!r}")

    def add_dependency(self, *env: Environment) -> None:
        """Adds environments this one depends on (their images are built with its own), as
        ``depends_on=`` does; one already there is skipped.

        Raises:
            TypeError: something that is not an environment.
            ValueError: the environment itself.
        """
        for dep in env:
            if not isinstance(dep, Environment):
                raise TypeError(f"Environment '{self.name}': add_dependency takes environments, got {dep!r}")
            if dep is self:
                raise ValueError(f"Environment '{self.name}' cannot depend on itself")
            if not any(dep is known for known in self.depends_on):
                self.depends_on.append(dep)

    def clone_with(self, name: str, **kwargs: Any) -> Environment:
        """A new environment of the same kind with this one's settings, a new name and some
        settings replaced."""
        settings = {f: getattr(self, f) for f in self.__dataclass_fields__}
        settings.update(kwargs, name=name)
        return type(self)(**settings)


@dataclass(init=True, repr=True, eq=False)
class TaskEnvironment(Environment):
    """An environment whose functions become tasks with ``@env.task``.

    ``name`` may be left out: the environment is then named after the module that creates it.
    """

    cache: CacheRequest = "disable"
    reusable: Optional[ReusePolicy] = None
    plugin_config: Optional[Any] = None
    queue: Optional[str] = None

    def __post_init__(self) -> None:
        super().__post_init__()
        resolve_cache(self.cache)
        self._tasks: Dict[str, AsyncFunctionTaskTemplate[Any, Any, Any]] = {}
        if self.plugin_config is not None and self.reusable is not None:
            raise ValueError(
                f"Environment '{self.name}': a plugin_config ({type(self.plugin_config).__name__}) decides how "
                "its tasks run, so the environment cannot also be reusable"
            )

    def _task_class(self) -> type[AsyncFunctionTaskTemplate[Any, Any, Any]]:
        """The class of this environment's tasks: the plugin registered for its ``plugin_config``."""
        if self.plugin_config is None:
            return AsyncFunctionTaskTemplate
        from flyte._plugins import TaskPluginRegistry

        plugin = TaskPluginRegistry.find(type(self.plugin_config))
        if plugin is None:
            raise ValueError(
                f"Environment '{self.name}': no task plugin is registered for plugin_config type "
                f"{type(self.plugin_config).__qualname__}; import the plugin's package, or register one with "
                "flyte.extend.TaskPluginRegistry.register(config_type, task_class)"
            )
        return plugin

    @property
    def sandbox(self) -> SandboxNamespace:
        """Sandboxed orchestrators of this environment: ``@env.sandbox.orchestrator``."""
        from flyte.sandbox._namespace import SandboxNamespace

        return SandboxNamespace(self)

    @property
    def tasks(self) -> Dict[str, AsyncFunctionTaskTemplate[Any, Any, Any]]:
        """The tasks of this environment by full name."""
        return dict(self._tasks)

    @classmethod
    def from_task(
        cls, name: str, *tasks: AsyncFunctionTaskTemplate[Any, Any, Any], depends_on: Optional[List[Environment]] = None
    ) -> TaskEnvironment:
        """An environment holding ``tasks``, made without one (a plugin's tasks, say); they must
        share one image (the same object), which becomes the environment's.

        Raises:
            ValueError: a task belongs to an environment already, or the images differ.
        """
        owned = sorted(t.name for t in tasks if t.parent_env is not None and t.parent_env() is not None)
        if owned:
            raise ValueError(f"TaskEnvironment.from_task: {', '.join(owned)} belong to an environment already")
        images = {id(t.image): t.image for t in tasks}
        if len(images) > 1:
            raise ValueError(f"TaskEnvironment.from_task: the tasks of '{name}' must share one image")
        image = next(iter(images.values())) if images else "auto"
        env = cls(name=name, image=image, depends_on=list(depends_on or []))
        for task in tasks:
            task.parent_env = weakref.ref(env)
            task.parent_env_name = name
            env._tasks[task.name] = task
        return env

    def clone_with(self, name: str, **kwargs: Any) -> TaskEnvironment:
        """A new environment with this one's settings, a new name and some settings replaced."""
        clone = super().clone_with(name, **kwargs)
        assert isinstance(clone, TaskEnvironment)
        return clone

    @overload
    def task(self, _func: F) -> AsyncFunctionTaskTemplate[Any, Any, F]: ...

    @overload
    def task(
        self,
        _func: None = None,
        *,
        short_name: Optional[str] = None,
        cache: Optional[CacheRequest] = None,
        cache_version: Optional[str] = None,
        retries: Union[int, RetryStrategy] = 0,
        timeout: TimeoutType = 0,
        docs: Optional[Documentation] = None,
        pod_template: Optional[Union[str, PodTemplate]] = None,
        report: bool = False,
        interruptible: Optional[bool] = None,
        max_inline_io_bytes: int = DEFAULT_MAX_INLINE_IO_BYTES,
        queue: Optional[str] = None,
        service_account: Optional[str] = None,
        triggers: Union[Tuple[Trigger, ...], Trigger] = (),
        links: Union[Tuple[Link, ...], Link] = (),
        task_resolver: Optional[Any] = None,
        entrypoint: bool = False,
        produces_artifacts: bool = False,
    ) -> Callable[[F], AsyncFunctionTaskTemplate[Any, Any, F]]: ...

    def task(self, _func: Optional[F] = None, **options: Any) -> Any:
        """Makes a function a task of this environment; usable bare or with settings."""
        if _func is None:
            return lambda func: self._make_task(func, options)
        return self._make_task(_func, options)

    def _make_task(self, func: F, options: Dict[str, Any]) -> AsyncFunctionTaskTemplate[Any, Any, F]:
        from flyte._internal.serde import NativeInterface

        if isinstance(func, AsyncFunctionTaskTemplate):
            raise TypeError(f"'{func.name}' is already a task; apply @env.task once")
        if not callable(func) or not (inspect.isfunction(func) or inspect.ismethod(func)):
            raise TypeError(f"@env.task expects a function, got {func!r}")
        if inspect.isasyncgenfunction(func) or inspect.isgeneratorfunction(func):
            raise TypeError(f"Task '{func.__name__}' is a generator; tasks must return their result")
        name = f"{self.name}.{func.__name__}"
        unknown = sorted(set(options) - _TASK_OPTIONS)
        if unknown:
            hint = " (resources are set on the TaskEnvironment, or with task.override(resources=...))"
            raise TypeError(
                f"@env.task for '{name}' got unknown option(s) {', '.join(unknown)}"
                + (hint if "resources" in unknown else "")
            )
        cache = options.pop("cache", None)
        cache_version = options.pop("cache_version", None)
        triggers = options.pop("triggers", ())
        links = options.pop("links", ())
        interruptible = options.pop("interruptible", None)
        timeout = options.pop("timeout", 0)
        task: AsyncFunctionTaskTemplate[Any, Any, F] = self._task_class()(
            name=name,
            func=func,
            interface=NativeInterface.from_function(func, name),
            image=self.image,
            resources=self.resources,
            cache=resolve_cache(cache if cache is not None else self.cache, cache_version),
            interruptible=self.interruptible if interruptible is None else interruptible,
            reusable=self.reusable,
            env_vars=self.env_vars,
            secrets=self.secrets,
            service_account=options.pop("service_account", None) or self.service_account,
            timeout=timeout or None,
            queue=options.pop("queue", None) or self.queue,
            pod_template=options.pop("pod_template", None) or self.pod_template,
            parent_env=weakref.ref(self),
            parent_env_name=self.name,
            triggers=triggers if isinstance(triggers, tuple) else (triggers,),
            links=links if isinstance(links, tuple) else (links,),
            plugin_config=self.plugin_config,
            **{k: v for k, v in options.items() if v is not None},
        )
        self._tasks[name] = task
        return task
