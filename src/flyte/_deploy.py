"""``flyte.deploy``: register environments' tasks on the server, to run later without their source.

Each task is registered at a version with what a run of it needs: its spec (resources, retries,
secrets, image), its interface (input names, literal types and defaults, so that clients can
encode inputs without the code), the code bundle and the images of the environments, and its
triggers. Environments an environment ``depends_on`` are deployed with it. The version, unless
given, is a digest of the bundle and the specs: deploying unchanged code again changes nothing.
"""

from __future__ import annotations

import asyncio
import inspect
import sys
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

from flyte._syncify import syncify
from flyte.errors import ConfigError

if TYPE_CHECKING:
    from flyte._environment import Environment
    from flyte._internal import wire
    from flyte._internal.serde import NativeInterface
    from flyte._task import AsyncFunctionTaskTemplate
    from flyte._trigger import Trigger

__all__ = ["DeployedEnvironment", "DeployedTask", "Deployment", "TypedTask", "deploy", "interface_spec", "trigger_spec"]

CopyFiles = Literal["loaded_modules", "all", "none", "custom"]


@dataclass(frozen=True)
class DeployedTask:
    """One task as deployed: its full name, version and the names of its triggers."""

    name: str
    version: str
    triggers: tuple[str, ...] = ()

    def summary_repr(self) -> str:
        """``name:version``."""
        return f"{self.name}:{self.version}"


@dataclass(frozen=True)
class DeployedEnvironment:
    """An environment's deployed tasks."""

    name: str
    tasks: tuple[DeployedTask, ...] = ()

    def summary_repr(self) -> str:
        """The environment with its tasks, on one line."""
        return f"{self.name}({', '.join(t.summary_repr() for t in self.tasks)})"

    def table_repr(self) -> list[tuple[str, ...]]:
        """One row per task: environment, task, version, triggers."""
        return [(self.name, t.name, t.version, ", ".join(t.triggers)) for t in self.tasks]


@dataclass(frozen=True)
class Deployment:
    """What :func:`deploy` registered, by environment name."""

    envs: dict[str, DeployedEnvironment] = field(default_factory=dict)

    def summary_repr(self) -> str:
        """The deployed environments on one line."""
        return f"Deployment(envs=[{', '.join(e.summary_repr() for e in self.envs.values())}])"

    def table_repr(self) -> list[tuple[str, ...]]:
        """One row per deployed task: environment, task, version, triggers."""
        return [row for env in self.envs.values() for row in env.table_repr()]


#: Trigger settings this server cannot honour, with the reason.
_REFUSED_TRIGGER_OPTIONS = (
    ("labels", "the server does not record labels yet"),
    ("annotations", "the server does not record annotations yet"),
    ("notifications", "the server does not send notifications yet"),
    ("queue", "the server has one queue"),
    ("interruptible", "tasks run as processes of the server's machine, never on interruptible capacity"),
)


def _with_dependencies(envs: tuple[Environment, ...]) -> list[Environment]:
    """The environments and those they depend on, each once, dependencies first."""
    ordered: list[Environment] = []

    def visit(env: Environment) -> None:
        if any(env is seen for seen in ordered):
            return
        for dependency in env.depends_on:
            visit(dependency)
        ordered.append(env)

    for env in envs:
        visit(env)
    return ordered


def interface_spec(task: AsyncFunctionTaskTemplate[Any, Any, Any]) -> wire.InterfaceSpec:
    """The task's interface as the server keeps it: literal types and encoded defaults."""
    from flyte._internal import wire
    from flyte._internal.serde import pack

    interface = task.interface
    inputs = []
    for name, (_, default) in interface.inputs.items():
        transformer = interface.input_transformers[name]
        has_default = default is not inspect.Parameter.empty
        encoded = None
        if has_default:
            try:
                encoded = pack(transformer.to_literal(default))
            except (TypeError, ValueError, OverflowError):
                encoded = None  # a default only the task's code can build: its worker fills it in
        inputs.append(wire.InputSpec(name=name, type=transformer.schema(), has_default=has_default, default=encoded))
    return wire.InterfaceSpec(
        inputs=inputs, output=interface.output_transformer.schema(), returns_none=interface.returns_none
    )


class TypedTask(Protocol):
    """A task with a typed interface: one defined here, or a deployed one (``flyte.remote.Task``)."""

    @property
    def name(self) -> str:
        """The task's full name."""
        ...

    @property
    def interface(self) -> NativeInterface:
        """Its inputs and output."""
        ...


def trigger_spec(trigger: Trigger, task: TypedTask) -> wire.TriggerSpec:
    """A trigger of ``task`` as the server keeps it, with its inputs encoded by the task's types.

    Raises:
        ConfigError: the trigger has no schedule, or names inputs the task does not have.
    """
    from flyte._artifact_triggers import OnArtifact
    from flyte._internal import wire
    from flyte._internal.serde import pack
    from flyte._trigger import Cron, FixedRate, TriggerTime

    where = f"trigger {trigger.name!r} of task {task.name}"
    for option, why in _REFUSED_TRIGGER_OPTIONS:
        if getattr(trigger, option):
            raise ConfigError(f"{where}: {option} cannot apply: {why}")
    interface = task.interface
    literals: dict[str, Any] = {}
    kickoff = None
    for name, value in (trigger.inputs or {}).items():
        if name not in interface.inputs:
            raise ConfigError(f"{where}: the task has no input {name!r}; its inputs: {', '.join(interface.inputs)}")
        if value is TriggerTime:
            kickoff = name
            continue
        try:
            literals[name] = interface.input_transformers[name].to_literal(value)
        except (TypeError, ValueError) as e:
            raise ConfigError(f"{where}: input {name!r}: {e}") from None
    automation = trigger.automation
    common: dict[str, Any] = {
        "name": trigger.name,
        "inputs": pack(literals),
        "kickoff_input": kickoff,
        "active": trigger.auto_activate,
        "description": trigger.description,
        "env_vars": dict(trigger.env_vars or {}),
        "overwrite_cache": trigger.overwrite_cache,
        "max_action_concurrency": trigger.max_action_concurrency,
        "missed": trigger.missed,
        "custom_context": dict(trigger.custom_context or {}),
    }
    if isinstance(automation, Cron):
        return wire.TriggerSpec(kind="cron", cron=automation.expression, timezone=automation.timezone, **common)
    if isinstance(automation, FixedRate):
        start = automation.start_time
        if start is not None and start.tzinfo is None:
            start = start.replace(tzinfo=timezone.utc)
        return wire.TriggerSpec(
            kind="fixed_rate",
            interval_s=float(automation.interval_minutes) * 60,
            start_time=start.timestamp() if isinstance(start, datetime) else None,
            **common,
        )
    if isinstance(automation, OnArtifact):
        raise ConfigError(
            f"{where} fires on artifact {automation.name!r}: this server publishes no artifact events, so only "
            "flyte.Cron and flyte.FixedRate triggers can be deployed"
        )
    raise ConfigError(f"{where} has no schedule: give it automation=flyte.Cron(...) or flyte.FixedRate(...)")


def _requests(
    envs: list[Environment], root: Path, bundle: str, project: str, domain: str
) -> list[wire.DeployTaskRequest]:
    """One registration per task of ``envs``, with the version still to be filled in."""
    from flyte._environment import TaskEnvironment
    from flyte._internal import wire
    from flyte._internal.imagebuild import environment_images
    from flyte._internal.remote_run import task_spec

    images = environment_images(root)
    requests = []
    for env in envs:
        if not isinstance(env, TaskEnvironment):
            raise ConfigError(f"environment {env.name!r} is not a TaskEnvironment: only task environments deploy")
        for task in env.tasks.values():
            cache_version = f"{task.interface.interface_hash}|{task.cache_version}" if task.cache_enabled else None
            requests.append(
                wire.DeployTaskRequest(
                    project=project,
                    domain=domain,
                    version="0",
                    environment=env.name,
                    task=task_spec(task, root),
                    interface=interface_spec(task),
                    bundle=bundle,
                    images=images,
                    cache_version=cache_version,
                    description=inspect.getdoc(task.func) or "",
                    triggers=[trigger_spec(t, task) for t in task.triggers],
                )
            )
    return requests


def _loaded_environments(root: Path) -> list[Environment]:
    """The task environments defined by the modules loaded from under ``root``, by name."""
    from flyte._environment import TaskEnvironment

    found: dict[str, Environment] = {}
    for module in list(sys.modules.values()):
        file = getattr(module, "__file__", None)
        if isinstance(file, str) and Path(file).resolve().is_relative_to(root.resolve()):
            for value in list(vars(module).values()):
                if isinstance(value, TaskEnvironment):
                    found.setdefault(value.name, value)
    return [found[name] for name in sorted(found)]


def _auto_version(bundle: str, root: Path, project: str, domain: str) -> str:
    """A digest of the code and of the registrations of every task it defines: the same code
    gives the same version, whichever of its environments are deployed."""
    from flyte._internal.serde import hash_bytes

    everything = _requests(_loaded_environments(root), root, bundle, project, domain)
    parts = [bundle, *(r.model_dump_json(exclude={"project", "domain"}) for r in everything)]
    return hash_bytes("\n".join(parts).encode())[:20]


def _deploy_sync(
    envs: tuple[Environment, ...], dry_run: bool, version: str | None, copy_style: CopyFiles
) -> list[Deployment]:
    from flyte._initialize import get_init_state
    from flyte._internal import wire
    from flyte._internal.bundle import build_bundle, project_files
    from flyte._internal.client import client_for

    if not envs:
        raise ConfigError("flyte.deploy needs at least one environment")
    if copy_style not in ("loaded_modules", "all"):
        raise ConfigError(
            f"flyte.deploy: copy_style={copy_style!r} is not supported: deployed tasks run from the code bundle "
            "they are deployed with ('loaded_modules' or 'all')"
        )
    state = get_init_state()
    if state.endpoint is None and not dry_run:
        raise ConfigError(
            "flyte.deploy needs a flyte server: call flyte.init(endpoint=...) or set admin.endpoint in the config"
        )
    root = state.root_dir
    bundle = build_bundle(root, project_files(root) if copy_style == "all" else ())
    ordered = _with_dependencies(envs)
    requests = _requests(ordered, root, bundle.hash, state.project, state.domain)
    chosen = version or _auto_version(bundle.hash, root, state.project, state.domain)
    requests = [r.model_copy(update={"version": chosen}) for r in requests]
    # Validated again with the version: a bad --version is refused before anything is uploaded.
    try:
        requests = [wire.DeployTaskRequest.model_validate(r.model_dump()) for r in requests]
    except ValueError as e:
        raise ConfigError(f"flyte.deploy: version {chosen!r} is not valid: {e}") from None
    deployed: dict[str, list[DeployedTask]] = {env.name: [] for env in ordered}
    if not dry_run:
        assert state.endpoint is not None
        client = client_for(state.endpoint)
        if not client.has_bundle(bundle.hash):
            client.put_bundle(bundle.hash, bundle.data)
    for request in requests:
        if not dry_run:
            client.deploy_task(request)
        names = tuple(t.name for t in request.triggers)
        deployed[request.environment].append(DeployedTask(request.task.name, chosen, names))
    envs_out = {name: DeployedEnvironment(name, tuple(tasks)) for name, tasks in deployed.items()}
    return [Deployment(envs_out)]


@syncify
async def deploy(
    *envs: Environment,
    dry_run: bool = False,
    version: str | None = None,
    interactive_mode: bool | None = None,
    copy_style: CopyFiles = "loaded_modules",
    dryrun: bool | None = None,
) -> list[Deployment]:
    """Registers the tasks of ``envs`` (and of the environments they depend on) on the server.

    ``version`` names the deployment (default: a digest of the code and the task specs, so
    deploying unchanged code again is a no-op); ``dry_run`` (or its old name ``dryrun``)
    computes everything and registers nothing. ``interactive_mode`` is accepted for
    compatibility: code is always bundled from its files.

    Raises:
        ConfigError: no server is configured, no environment is given, or an option is invalid.
        CodeBundleError: the code cannot be bundled.
        RuntimeUserError: the server refused a task (``Conflict``: that version exists with other code).
    """
    del interactive_mode
    return await asyncio.to_thread(_deploy_sync, envs, dry_run or bool(dryrun), version, copy_style)
