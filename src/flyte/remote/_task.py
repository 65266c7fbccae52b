"""Deployed tasks of a server, from Python: find them, list them, run them without their code.

A deployed task carries its interface as literal types, so its inputs are checked and encoded
here with types read back from them (records as classes of the same fields), exactly as the
task's own types would encode them::

    task = flyte.remote.Task.get("my_env.square", auto_version="latest")
    run = flyte.run(task, x=3)
    for task in flyte.remote.Task.listall(by_task_env="my_env"):
        print(task.name, task.version)
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import sys
from typing import TYPE_CHECKING, Any, Literal

from flyte._syncify import syncify
from flyte.remote._action import api
from flyte.remote._details import ListAll
from flyte.remote._record import ServerRecord

if TYPE_CHECKING:
    from flyte._internal import wire
    from flyte._internal.serde import NativeInterface
    from flyte.remote._run import Run

__all__ = ["AutoVersioning", "Task", "submit_deployed_run"]

AutoVersioning = Literal["latest", "current"]
"""How :meth:`Task.get` picks a version: the newest deployed (``"latest"``); ``"current"``
(the calling task's own version) is not available on this server."""


def _scope(project: str | None, domain: str | None) -> tuple[str, str]:
    from flyte._initialize import get_init_state

    state = get_init_state()
    return project or state.project, domain or state.domain


def _guess(text: str) -> Any:
    from flyte._internal.serde import TypeEngine

    try:
        return TypeEngine.guess_python_type(text)
    except ValueError:
        return Any


async def _get(
    name: str,
    project: str | None = None,
    domain: str | None = None,
    version: str | None = None,
    auto_version: AutoVersioning | None = None,
) -> Task:
    """The deployed task ``name`` (``env.function``) at ``version``, or its newest version
    with ``auto_version="latest"``; project and domain default to ``flyte.init``'s.

    Raises:
        ValueError: neither a version nor ``auto_version="latest"`` is given.
        RuntimeUserError: ``TaskNotFound``, no such task or version is deployed.
    """
    if version is None and auto_version != "latest":
        if auto_version == "current":
            raise ValueError("auto_version='current' needs a deployment context; give a version or 'latest'")
        raise ValueError(f"Task.get({name!r}): give a version, or auto_version='latest' for the newest one")
    chosen_project, chosen_domain = _scope(project, domain)
    info = await asyncio.to_thread(api().get_task, name, project=chosen_project, domain=chosen_domain, version=version)
    return Task(info)


_SORT_KEYS = ("created_at", "version", "environment")


async def _list(
    by_task_name: str | None = None,
    by_task_env: str | None = None,
    project: str | None = None,
    domain: str | None = None,
    sort_by: tuple[str, Literal["asc", "desc"]] | None = None,
    limit: int = 100,
    entrypoint: bool | None = None,
) -> list[Task]:
    """Deployed task versions, newest first (or by ``sort_by``: ``created_at``, ``version`` or
    ``environment``), filtered by task name and environment. Every deployed task can be run
    on its own, so ``entrypoint`` filters nothing out."""
    del entrypoint
    chosen_project, chosen_domain = _scope(project, domain)
    infos = await asyncio.to_thread(
        api().list_tasks,
        project=chosen_project,
        domain=chosen_domain,
        name=by_task_name,
        environment=by_task_env,
        limit=limit,
    )
    tasks = [Task(info) for info in infos]
    if sort_by is not None:
        key, order = sort_by
        if key not in _SORT_KEYS or order not in ("asc", "desc"):
            raise ValueError(f"sort_by must be (one of {', '.join(_SORT_KEYS)}, 'asc' or 'desc'), got {sort_by!r}")
        tasks.sort(key=lambda task: getattr(task.info, key), reverse=order == "desc")
    return tasks


class Task(ServerRecord["wire.TaskInfo"]):
    """A task deployed on the server, at one version; ``flyte.run(task, ...)`` runs it there."""

    def __init__(self, info: wire.TaskInfo) -> None:
        self._info = info

    @property
    def info(self) -> wire.TaskInfo:
        """The task as the server keeps it."""
        return self._info

    @property
    def name(self) -> str:
        """The task's full name, ``env.function``."""
        return self._info.task.name

    @property
    def version(self) -> str:
        """The deployed version."""
        return self._info.version

    @property
    def environment(self) -> str:
        """The name of the task's environment."""
        return self._info.environment

    @property
    def project(self) -> str:
        """The project it is deployed in."""
        return self._info.project

    @property
    def domain(self) -> str:
        """The domain it is deployed in."""
        return self._info.domain

    @property
    def url(self) -> str:
        """Where the server serves this version."""
        from flyte.remote._action import api

        return f"{api().endpoint}/api/v1/tasks/{self.name}?version={self.version}"

    @functools.cached_property
    def interface(self) -> NativeInterface:
        """The task's inputs and output with types read back from their literal types; an input
        whose default only the task's code knows has :class:`NativeInterface.has_default` as default."""
        from flyte._internal.serde import NativeInterface, unpack

        inputs: dict[str, tuple[Any, Any]] = {}
        for spec in self._info.interface.inputs:
            tp = _guess(spec.type)
            default: Any = inspect.Parameter.empty
            if spec.default is not None:
                try:
                    default = (
                        NativeInterface({"v": (tp, None)}).input_transformers["v"].to_python_value(unpack(spec.default))
                    )
                except (TypeError, ValueError):
                    default = NativeInterface.has_default
            elif spec.has_default:
                default = NativeInterface.has_default
            inputs[spec.name] = (tp, default)
        output = None if self._info.interface.returns_none else _guess(self._info.interface.output)
        return NativeInterface(inputs, output, self.name)

    def required_args(self) -> list[str]:
        """The names of the inputs without a default."""
        return [s.name for s in self._info.interface.inputs if not s.has_default]

    def fetch(self) -> Task:
        """This task (it is fetched when found): for code written against lazily fetched tasks."""
        return self

    def encode_inputs(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> bytes:
        """The packed inputs of a call with ``args`` and ``kwargs``, checked against the interface.

        Raises:
            TypeError: too many positional inputs, or one given twice.
            RuntimeDataValidationError: a value does not fit its input's type.
            RuntimeUserError: ``BadInputs``, an unknown input or a required one missing.
        """
        from flyte._internal.deployed import pack_inputs
        from flyte.errors import RuntimeDataValidationError

        interface = self.interface
        names = list(interface.inputs)
        if len(args) > len(names):
            raise TypeError(f"Task '{self.name}' takes {len(names)} input(s) but {len(args)} were given positionally")
        given = dict(zip(names, args, strict=False))
        for key, value in kwargs.items():
            if key in given:
                raise TypeError(f"Task '{self.name}' got multiple values for input '{key}'")
            given[key] = value
        literals: dict[str, Any] = {}
        for key, value in given.items():
            transformer = interface.input_transformers.get(key)
            if transformer is None:
                literals[key] = None  # pack_inputs names it as unknown
                continue
            try:
                literals[key] = transformer.to_literal(value)
            except (TypeError, ValueError, OverflowError) as e:
                raise RuntimeDataValidationError(key, e, self.name) from None
        return pack_inputs(self._info, literals)

    def __repr__(self) -> str:
        return f"Task(name={self.name!r}, version={self.version!r}, environment={self.environment!r})"

    get = syncify(_get)
    listall = ListAll(_list)


def submit_deployed_run(
    task: Task,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    *,
    name: str | None,
    env_vars: dict[str, str],
    overwrite_cache: bool,
    disable_run_cache: bool,
    custom_context: dict[str, str],
    max_action_concurrency: int | None,
) -> Run:
    """Creates a run of the deployed ``task`` with the given inputs; returns once the server has it."""
    from flyte._internal.deployed import run_request
    from flyte._internal.model.naming import new_run_name
    from flyte._internal.model.offload import offload_threshold, to_stored
    from flyte.remote._run import Run

    packed = task.encode_inputs(args, kwargs)
    client = api()
    run_name = name or new_run_name()
    stored = packed
    if len(packed) > offload_threshold():
        prefix = f"{client.info().store.rstrip('/')}/inputs/{run_name}"
        stored = to_stored(packed, prefix, task.name, "inputs", sys.maxsize)
    request = run_request(
        task.info,
        packed,
        name=run_name,
        stored_inputs=stored,
        env_vars=env_vars,
        overwrite_cache=overwrite_cache,
        disable_run_cache=disable_run_cache,
        max_action_concurrency=max_action_concurrency,
        custom_context=custom_context,
    )
    return Run(client.create_run(request), client)
