"""Sandboxed orchestrators made from a code string."""

from __future__ import annotations

import functools
import hashlib
import inspect
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Union

from flyte._cache import Cache, CacheRequest
from flyte._image import Image
from flyte._task import AsyncFunctionTaskTemplate, TaskTemplate

from ._config import SandboxedConfig
from ._source import code_source
from ._task import SandboxedTaskTemplate
from ._types import check_interface


def functions_by_name(tasks: Optional[List[Any]], owner: str) -> Dict[str, Any]:
    """The callables the code may use, keyed by their function name.

    Raises:
        TypeError: an item is not callable.
        ValueError: two items share a name.
    """
    found: Dict[str, Any] = {}
    for item in tasks or []:
        if isinstance(item, AsyncFunctionTaskTemplate):
            name = item.func.__name__
        elif isinstance(item, TaskTemplate):
            name = item.short_name
        elif callable(item):
            name = getattr(item, "__name__", "")
        else:
            raise TypeError(f"{owner}: tasks must be tasks or functions, got {item!r}")
        if not name:
            raise TypeError(f"{owner}: cannot tell the name of {item!r}; pass a task or a named function")
        if name in found:
            raise ValueError(f"{owner}: two of the given tasks are named '{name}'")
        found[name] = item
    return found


def _no_python_body(name: str) -> Any:
    def body(*args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(
            f"Sandboxed task '{name}' was made from a code string and has no Python function to call; "
            "run it with flyte.run() (which executes it in the sandbox)"
        )

    body.__name__ = name.replace("-", "_").replace(".", "_")
    return body


@dataclass(kw_only=True)
class CodeTaskTemplate(SandboxedTaskTemplate):
    """A sandboxed task whose body is a code string; its last expression is the output.

    Made by :func:`flyte.sandbox.orchestrator_from_str` or ``env.sandbox.orchestrator("...")``.
    """

    _user_source: str = field(default="", repr=False)
    _user_input_names: List[str] = field(default_factory=list, repr=False)
    _user_functions: Dict[str, Any] = field(default_factory=dict, repr=False)

    def _prepare(self) -> None:
        assert self.plugin_config is not None
        if self.plugin_config.type_check:
            check_interface(self.name, self.interface.inputs, self.interface.output_type)
        self._source_code = code_source(self._user_source)
        self._input_names = list(self._user_input_names)
        self._externals = dict(self._user_functions)

    @property
    def cache_version(self) -> str:
        """The cache version: the code and the names it can call decide it (the stand-in function
        is the same for every code task), unless a version is pinned with ``cache_version``."""
        if self._cache_version is None:
            assert isinstance(self.cache, Cache)
            if self.cache.version_override is not None:
                self._cache_version = self.cache.version_override
            else:
                shape = "\0".join([self._source_code, *sorted(self._externals)])
                self._cache_version = hashlib.sha256(shape.encode()).hexdigest()
        return self._cache_version

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """Not available: the task has no Python function, only code for the sandbox."""
        return self.func(*args, **kwargs)


def make_code_task(
    source: str,
    *,
    inputs: Dict[str, type],
    output: Any,
    tasks: Optional[List[Any]],
    name: str,
    config: SandboxedConfig,
    cache: CacheRequest,
    retries: int,
    image: Union[str, Image, None],
    module: str,
) -> CodeTaskTemplate:
    """A :class:`CodeTaskTemplate` from its parts (shared by the public entry points)."""
    from flyte._internal.serde import NativeInterface

    if not isinstance(source, str):
        raise TypeError(f"Sandboxed task '{name}': source must be a code string, got {type(source).__name__}")
    if not isinstance(inputs, dict):
        raise TypeError(f"Sandboxed task '{name}': inputs must map input names to types, got {inputs!r}")
    returns = None if output is None or output is type(None) else output
    interface = NativeInterface({k: (tp, inspect.Parameter.empty) for k, tp in inputs.items()}, returns, task_name=name)
    body = _no_python_body(name)
    body.__module__ = module
    return CodeTaskTemplate(
        func=body,
        name=name,
        interface=interface,
        plugin_config=config,
        image=image,
        cache=cache,
        retries=retries,
        _user_source=source,
        _user_input_names=list(inputs),
        _user_functions=functions_by_name(tasks, f"Sandboxed task '{name}'"),
    )


@functools.cache
def default_image() -> Image:
    """The image of a sandboxed task made without one: Debian with flyte and the Monty interpreter.

    One shared object, so that such tasks can be grouped with ``TaskEnvironment.from_task``.
    """
    return Image.from_debian_base().with_pip_packages("pydantic-monty")
