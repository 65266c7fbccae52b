"""Starting a run on a server: the task's spec, its encoded inputs and its code bundle.

The root task's inputs are bound and encoded here, with the task's interface, exactly as a
local run encodes them; the server never needs the user's types to store them. The code goes
as a bundle of the loaded source files under the project root, uploaded only when the server
does not have it yet.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import ValidationError

from flyte._internal import wire
from flyte._internal.bundle import build_bundle, project_files, task_module_ref
from flyte._internal.client import client_for
from flyte._internal.imagebuild import environment_images, image_spec
from flyte._internal.model.naming import new_run_name
from flyte._internal.model.offload import offload_threshold, to_stored
from flyte._internal.serde import hash_bytes
from flyte._resources import Device
from flyte._retry import RetryStrategy
from flyte._reusable import ReusePolicy
from flyte.errors import RuntimeUserError

if TYPE_CHECKING:
    from flyte._secret import Secret
    from flyte._task import AsyncFunctionTaskTemplate
    from flyte.remote import Run

__all__ = ["submit_remote_run", "task_spec"]


def task_spec(task: AsyncFunctionTaskTemplate[Any, Any, Any], root: Path, *, with_image: bool = True) -> wire.TaskSpec:
    """What the server needs to know about ``task`` to schedule it and find its code.

    Without ``with_image`` the spec names the task's environment only, whose image the run
    recorded (workers, which lack the files an image reads, create children this way).
    """
    retries = task.retries
    assert isinstance(retries, RetryStrategy)  # TaskTemplate normalises an int count
    resources = task.resources
    device = resources.get_device() if resources is not None else None
    return wire.TaskSpec(
        name=task.name,
        module=task_module_ref(task, root),
        cpu=resources.cpu_cores() if resources is not None else None,
        memory_bytes=resources.memory_bytes() if resources is not None else None,
        gpu=device.quantity if device is not None else None,
        accelerator=_accelerator(device),
        retries=retries.count,
        backoff_seconds=[retries.delay_seconds(attempt) for attempt in range(1, retries.count + 1)],
        timeout_seconds=task.timeout_seconds,
        env_vars=dict(task.env_vars or {}),
        secrets=[_secret_spec(s) for s in task._secret_list],
        cacheable=task.cache_enabled,
        report=task.report,
        reusable=task.reusable is not None,
        reuse=_reuse_spec(task.reusable),
        environment=task.parent_env_name,
        image=image_spec(task.image) if with_image else None,
    )


def _secret_spec(secret: Secret) -> wire.SecretSpec:
    """A task's secret as the server receives it (a mounted one keeps its mount point)."""
    mount: Literal["/etc/flyte/secrets"] | None = "/etc/flyte/secrets" if secret.mount is not None else None
    return wire.SecretSpec(key=secret.key, group=secret.group, as_env_var=secret.as_env_var, mount=mount)


def _accelerator(device: Device | None) -> str | None:
    """The accelerator model a device names (``"A100"``), or its class beyond plain GPUs (``"TPU"``)."""
    if device is None:
        return None
    if device.device:
        return device.device.replace(" ", "_")
    return None if device.device_class == "GPU" else device.device_class


def _reuse_spec(policy: ReusePolicy | None) -> wire.ReuseSpec | None:
    if policy is None:
        return None
    idle = policy.idle_ttl
    seconds = idle.total_seconds() if isinstance(idle, timedelta) else float(idle)
    return wire.ReuseSpec(
        min_replicas=policy.min_replicas,
        max_replicas=max(policy.max_replicas, 1),
        concurrency=policy.concurrency,
        idle_ttl_s=seconds,
    )


def submit_remote_run(
    task: AsyncFunctionTaskTemplate[Any, Any, Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    *,
    name: str | None,
    project: str,
    domain: str,
    env_vars: dict[str, str],
    overwrite_cache: bool,
    disable_run_cache: bool,
    root: Path,
    endpoint: str,
    custom_context: dict[str, str] | None = None,
    max_action_concurrency: int | None = None,
    copy_style: str = "loaded_modules",
    module: str | None = None,
    images: dict[str, wire.ImageSpec] | None = None,
) -> Run:
    """Creates a run of ``task`` with the given inputs on the server at ``endpoint``.

    ``copy_style="all"`` ships every file under ``root`` with the code, not only the loaded modules.
    ``module`` names the file workers load the task from when it is not the task's own (a
    generated module), and ``images`` replaces the images found in the loaded modules.

    Returns as soon as the server has accepted the run; the handle's ``wait()`` and
    ``outputs()`` follow it from there.

    Raises:
        TypeError, RuntimeDataValidationError: the inputs do not fit the task's signature.
        CodeBundleError: the task's code cannot be bundled (e.g. it was defined in a notebook).
        RuntimeUserError: the server refused the run (e.g. ``Conflict``: the name is taken).
        RuntimeSystemError: the server could not be reached within the client's retry window.
    """
    from flyte.remote import Run

    values = task.interface.bind(args, kwargs)
    blob = task.interface.encode_inputs(values)
    spec = task_spec(task, root)
    if module is not None:
        spec = spec.model_copy(update={"module": module})
    cache_key = None
    if task.cache_enabled and not disable_run_cache:
        cache_key = task.cache_key(hash_bytes(blob), values)

    client = client_for(endpoint)
    # Named here, not by the server: a creation retried after a lost response is then known
    # to be this run rather than a clash with another one.
    run_name = name or new_run_name()
    prefix = ""  # only an offloaded payload needs a place, and only then is the server asked
    if len(blob) > offload_threshold():
        prefix = f"{client.info().store.rstrip('/')}/inputs/{run_name}"
    inputs = to_stored(blob, prefix, task.name, "inputs", task.max_inline_io_bytes)
    try:
        request = wire.CreateRunRequest(
            name=run_name,
            project=project,
            domain=domain,
            task=spec,
            inputs=inputs,
            cache_key=cache_key,
            env_vars=env_vars,
            overwrite_cache=overwrite_cache,
            disable_run_cache=disable_run_cache,
            max_action_concurrency=max_action_concurrency,
            custom_context=custom_context or {},
            images=environment_images(root) if images is None else images,
        )
    except ValidationError as e:
        problems = "; ".join(f"{'.'.join(map(str, err['loc']))}: {err['msg']}" for err in e.errors())
        raise RuntimeUserError("InvalidRunRequest", f"cannot start a run of {task.name}: {problems}") from None
    bundle = build_bundle(root, project_files(root) if copy_style == "all" else ())
    if not client.has_bundle(bundle.hash):
        client.put_bundle(bundle.hash, bundle.data)
    # Validated before the upload, so that a bad name costs no bundle.
    return Run(client.create_run(request.model_copy(update={"bundle": bundle.hash})), client, task)
