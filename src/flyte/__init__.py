"""flyte: author Flyte v2 workflows in pure, async Python and run them anywhere.

The public API lives here; everything else is private. Heavy parts (the store, the type engine,
the CLI) load on first use, so ``import flyte`` stays cheap.
"""

from flyte import durable, errors, report
from flyte._artifact_triggers import OnArtifact, TriggeredArtifact, TriggeredPartition
from flyte._build import ImageBuild, build, build_images
from flyte._cache import Cache, CachePolicy, CacheRequest
from flyte._checkpoint import Checkpoint, latest_checkpoint
from flyte._condition import ConditionWebhook, new_condition
from flyte._context import TaskContext, ctx
from flyte._custom_context import custom_context, get_custom_context
from flyte._deploy import deploy
from flyte._doc import Documentation
from flyte._environment import Environment, TaskEnvironment
from flyte._group import group
from flyte._image import Image
from flyte._initialize import (
    current_domain,
    current_project,
    init,
    init_from_api_key,
    init_from_config,
    init_in_cluster,
    init_passthrough,
    is_control_plane_available,
)
from flyte._link import Link
from flyte._logging import logger, system_logger
from flyte._map import map
from flyte._pod import PodTemplate
from flyte._python_script import run_python_script
from flyte._rerun import rerun
from flyte._resources import (
    AMD_GPU,
    APPLE_SILICON,
    GPU,
    HABANA_GAUDI,
    TPU,
    Device,
    DeviceClass,
    Neuron,
    Resources,
)
from flyte._retry import Backoff, RetryStrategy
from flyte._reusable import ReusePolicy
from flyte._run import Run, run, with_runcontext
from flyte._secret import Secret, SecretRequest
from flyte._serve import AppHandle, serve, with_servecontext
from flyte._task import AsyncFunctionTaskTemplate, TaskTemplate
from flyte._timeout import Timeout, TimeoutType
from flyte._trace import trace
from flyte._trigger import Cron, FixedRate, Trigger, TriggerTime
from flyte._version import __version__, version


def __getattr__(name: str) -> object:
    # PEP 562: flyte.io, flyte.remote and flyte.storage load on first access, so `import flyte`
    # stays light while `import flyte; flyte.io.File` or `flyte.remote()` work without importing them first.
    if name in ("io", "remote", "storage"):
        import importlib

        return importlib.import_module(f"flyte.{name}")
    raise AttributeError(f"module 'flyte' has no attribute '{name}'")


__all__ = [
    "AMD_GPU",
    "APPLE_SILICON",
    "GPU",
    "HABANA_GAUDI",
    "TPU",
    "AppHandle",
    "AsyncFunctionTaskTemplate",
    "Backoff",
    "Cache",
    "CachePolicy",
    "CacheRequest",
    "Checkpoint",
    "ConditionWebhook",
    "Cron",
    "Device",
    "DeviceClass",
    "Documentation",
    "Environment",
    "FixedRate",
    "Image",
    "ImageBuild",
    "Link",
    "Neuron",
    "OnArtifact",
    "PodTemplate",
    "Resources",
    "RetryStrategy",
    "ReusePolicy",
    "Run",
    "Secret",
    "SecretRequest",
    "TaskContext",
    "TaskEnvironment",
    "TaskTemplate",
    "Timeout",
    "TimeoutType",
    "Trigger",
    "TriggerTime",
    "TriggeredArtifact",
    "TriggeredPartition",
    "__version__",
    "build",
    "build_images",
    "ctx",
    "current_domain",
    "current_project",
    "custom_context",
    "deploy",
    "durable",
    "errors",
    "get_custom_context",
    "group",
    "init",
    "init_from_api_key",
    "init_from_config",
    "init_in_cluster",
    "init_passthrough",
    "is_control_plane_available",
    "latest_checkpoint",
    "logger",
    "map",
    "new_condition",
    "remote",
    "report",
    "rerun",
    "run",
    "run_python_script",
    "serve",
    "system_logger",
    "trace",
    "version",
    "with_runcontext",
    "with_servecontext",
]
