"""The surface for extending flyte: task plugins, image builders and the helpers they use.

A task plugin is a configuration class paired with a task class::

    @dataclass
    class Scratch:
        prefix: str = "scratch"

    @dataclass(kw_only=True)
    class ScratchTask(AsyncFunctionTaskTemplate):
        plugin_config: Scratch
        task_type: str = "scratch"

        async def pre(self, *args, **kwargs):          # its result is flyte.ctx().data
            return {"dir": tempfile.mkdtemp(prefix=self.plugin_config.prefix)}

    TaskPluginRegistry.register(Scratch, ScratchTask)

    env = flyte.TaskEnvironment("e", plugin_config=Scratch())   # @env.task -> ScratchTask

See :mod:`flyte._plugins` for the entry points installed packages use, and
:mod:`flyte._image_builders` for image builders.
"""

from __future__ import annotations

import asyncio
import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any, Optional

from flyte._image_builders import Architecture, ImageBuildEngine, ImageBuilder, ImageChecker
from flyte._initialize import is_initialized
from flyte._plugins import TaskPluginRegistry
from flyte._resources import Resources
from flyte._task import AsyncFunctionTaskTemplate, TaskTemplate
from flyte.models import CodeBundle

__all__ = [
    "PRIMARY_CONTAINER_DEFAULT_NAME",
    "Architecture",
    "AsyncFunctionTaskTemplate",
    "ImageBuildEngine",
    "ImageBuilder",
    "ImageChecker",
    "RuntimeTaskTemplate",
    "TaskPluginRegistry",
    "TaskTemplate",
    "download_code_bundle",
    "get_proto_extended_resources",
    "get_proto_resources",
    "is_initialized",
    "lazy_module",
    "pod_spec_from_resources",
]

#: The name of the container that runs the task in a multi-container pod.
PRIMARY_CONTAINER_DEFAULT_NAME = "primary"


class RuntimeTaskTemplate(AsyncFunctionTaskTemplate):  # type: ignore[type-arg]
    """A function task whose body is found at run time through its ``task_resolver``."""


async def download_code_bundle(code_bundle: CodeBundle) -> CodeBundle:
    """Fetches and unpacks ``code_bundle``'s tarball into its ``destination``; returns the bundle
    with ``downloaded_path`` set. A bundle already unpacked is returned as it is.

    Raises:
        ValueError: the bundle has no tarball (``tgz``).
    """
    if code_bundle.downloaded_path is not None:
        return code_bundle
    if not code_bundle.tgz:
        raise ValueError("download_code_bundle: the code bundle has no tarball (tgz) to download")
    from flyte._internal.bundle import extract_bundle
    from flyte._internal.store.blob import get_store

    store = get_store(code_bundle.tgz)
    data = await store.get_async(code_bundle.tgz)
    destination = Path(code_bundle.destination).absolute()
    await asyncio.to_thread(extract_bundle, data, destination)
    return code_bundle.with_downloaded_path(destination)


def _quantities(resources: Resources, *, request: bool) -> dict[str, str]:
    """The request (or limit) of each resource ``resources`` sets, as text."""
    found: dict[str, str] = {}
    cores = resources.cpu_cores(request=request)
    if cores is not None:
        found["cpu"] = f"{cores:g}"
    memory = resources.memory_bytes(request=request)
    if memory is not None:
        found["memory"] = str(memory)
    device = resources.get_device()
    if device is not None:
        found["gpu"] = str(device.quantity)
    if resources.disk:
        found["ephemeral_storage"] = resources.disk
    return found


def get_proto_resources(resources: Optional[Resources]) -> Optional[dict[str, dict[str, str]]]:
    """The requests and limits of ``resources`` as ``{"requests": {...}, "limits": {...}}``
    (cpu in cores, memory in bytes, gpu count, disk), the form a backend plugin's settings
    carry; None for None."""
    if resources is None:
        return None
    return {"requests": _quantities(resources, request=True), "limits": _quantities(resources, request=False)}


def get_proto_extended_resources(resources: Optional[Resources]) -> Optional[dict[str, Any]]:
    """The accelerator model and shared memory of ``resources``; None when there are neither."""
    if resources is None:
        return None
    device = resources.get_device()
    extended: dict[str, Any] = {}
    if device is not None and device.device:
        extended["gpu_accelerator"] = {"device": device.device, "partition": device.partition}
    if resources.shm is not None:
        extended["shared_memory"] = resources.get_shared_memory()
    return extended or None


def pod_spec_from_resources(
    primary_container_name: str = PRIMARY_CONTAINER_DEFAULT_NAME,
    requests: Optional[Resources] = None,
    limits: Optional[Resources] = None,
    k8s_gpu_resource_key: str = "nvidia.com/gpu",
) -> dict[str, Any]:
    """A Kubernetes pod spec (as a dict) with one container asking for ``requests``/``limits``."""
    container: dict[str, Any] = {"name": primary_container_name, "resources": {}}
    for key, res in (("requests", requests), ("limits", limits)):
        if res is None:
            continue
        wanted = _quantities(res, request=key == "requests")
        if "gpu" in wanted:
            wanted[k8s_gpu_resource_key] = wanted.pop("gpu")
        container["resources"][key] = wanted
    return {"containers": [container]}


def lazy_module(fullname: str) -> ModuleType:
    """The module ``fullname``, imported on first attribute access (an optional dependency of a
    plugin costs nothing until used).

    Raises:
        ModuleNotFoundError: no such module is installed.
    """
    if fullname in sys.modules:
        return sys.modules[fullname]
    spec = importlib.util.find_spec(fullname)
    if spec is None or spec.loader is None:
        raise ModuleNotFoundError(f"No module named '{fullname}'", name=fullname)
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[fullname] = module
    loader.exec_module(module)
    return module
