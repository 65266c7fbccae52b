"""Clustered environments: tasks that run as a gang of cooperating processes (distributed training).

A :class:`ClusteredTaskEnvironment` says how many machines (``replicas``) the task spans, how many
processes run on each (``nproc_per_node``), which launcher wires them together (:class:`TorchRun`
or :class:`JaxRun`) and how often the whole gang may start over (:class:`ClusterFailurePolicy`).
On a Kubernetes backend this is a JobSet; here the gang runs as local processes
(:mod:`flyte.clustered._launcher`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, Literal, Optional, Union

from flyte._environment import TaskEnvironment


@dataclass(frozen=True, kw_only=True)
class TorchRun:
    """The torchrun launcher: every process gets torch.distributed's variables (``RANK``,
    ``LOCAL_RANK``, ``WORLD_SIZE``, ``MASTER_ADDR``, ``MASTER_PORT``...).

    Args:
        rdzv_backend: How the processes meet: ``"static"`` (fixed ranks; recovery by restarting the
            whole gang) or ``"c10d"`` (elastic rendezvous hosted by rank 0).
        max_restarts: Restarts of the gang by the launcher itself before the attempt counts as a
            failure of the set (see :class:`ClusterFailurePolicy` for whole-set restarts).
    """

    rdzv_backend: Literal["static", "c10d"] = "static"
    max_restarts: int = 0

    def __post_init__(self) -> None:
        if self.rdzv_backend not in ("static", "c10d"):
            raise ValueError(f"TorchRun: rdzv_backend must be 'static' or 'c10d', got {self.rdzv_backend!r}")
        if self.max_restarts < 0:
            raise ValueError(f"TorchRun: max_restarts must be >= 0, got {self.max_restarts}")


@dataclass(frozen=True, kw_only=True)
class JaxRun:
    """The JAX multi-process layout: one process per machine (``nproc_per_node`` must be 1) owning
    all of its accelerators. Each process calls :func:`flyte.clustered.jax_initialize` before any
    JAX computation; process 0 hosts the coordinator at ``MASTER_ADDR:MASTER_PORT``."""


Runtime = Union[TorchRun, JaxRun]
"""A clustered task's launcher: :class:`TorchRun` or :class:`JaxRun`."""


def launcher_name(runtime: Runtime) -> str:
    """The launcher's name for ``runtime`` (``"torchrun"`` or ``"jax"``)."""
    return "jax" if isinstance(runtime, JaxRun) else "torchrun"


@dataclass(frozen=True, kw_only=True)
class ClusterFailurePolicy:
    """What happens when a process of the gang fails.

    Args:
        max_restarts: How many times the whole gang (every process) is started over before the
            attempt fails; these restarts do not use the task's ``retries``.
        restart_on_host_maintenance: Whether a node eviction restarts the gang without using up
            ``max_restarts`` (a cluster event: local gangs have no evictions).
    """

    max_restarts: int = 0
    restart_on_host_maintenance: bool = False

    def __post_init__(self) -> None:
        if self.max_restarts < 0:
            raise ValueError(f"ClusterFailurePolicy: max_restarts must be >= 0, got {self.max_restarts}")


@dataclass(frozen=True, kw_only=True)
class ClusteredSettings:
    """The clustered settings of an environment, carried by each of its tasks (a task copied by
    pickling loses its weak reference to the environment, not these)."""

    replicas: int
    nproc_per_node: int
    runtime: Runtime
    interconnect: Literal["tcp"]
    failure_policy: ClusterFailurePolicy
    ttl_seconds_after_finished: Optional[int]

    @property
    def world_size(self) -> int:
        """How many processes the gang has."""
        return self.replicas * self.nproc_per_node

    def to_custom_dict(self) -> Dict[str, Any]:
        """The settings in the JSON form of the backend's clustered task spec (camel-cased keys,
        enum names, default values left out)."""
        policy: Dict[str, Any] = {}
        if self.failure_policy.max_restarts:
            policy["maxRestarts"] = self.failure_policy.max_restarts
        if self.failure_policy.restart_on_host_maintenance:
            policy["restartOnHostMaintenance"] = True
        spec: Dict[str, Any] = {
            "replicas": self.replicas,
            "nprocPerNode": self.nproc_per_node,
            "interconnect": self.interconnect.upper(),
            "failurePolicy": policy,
        }
        if isinstance(self.runtime, TorchRun):
            torchrun: Dict[str, Any] = {"rdzvBackend": self.runtime.rdzv_backend.upper()}
            if self.runtime.max_restarts:
                torchrun["maxRestarts"] = self.runtime.max_restarts
            spec["runtime"] = {"torchrun": torchrun}
        if self.ttl_seconds_after_finished is not None:
            spec["ttlSecondsAfterFinished"] = self.ttl_seconds_after_finished
        return spec


_INTERCONNECTS = ("tcp",)


@dataclass(init=True, repr=True, eq=False, kw_only=True)
class ClusteredTaskEnvironment(TaskEnvironment):
    """A task environment whose tasks run as ``replicas * nproc_per_node`` cooperating processes.

    Every process runs the task's function with its own rank in its environment; the task's
    result is rank 0's. When a process fails, all are stopped and the gang starts over up to
    ``failure_policy.max_restarts`` times; then the attempt fails (and the task's ``retries``
    apply), naming the rank that failed.

    Args:
        replicas: How many machines (nodes) the gang spans; at least 1.
        nproc_per_node: Processes per node (typically one per GPU); at least 1, at most the GPUs
            of ``resources`` when it asks for some, and exactly 1 for :class:`JaxRun`.
        runtime: The launcher: :class:`TorchRun` (default) or :class:`JaxRun`.
        interconnect: The network between nodes; only ``"tcp"``.
        failure_policy: Whole-gang restarts (:class:`ClusterFailurePolicy`).
        ttl_seconds_after_finished: How long a cluster keeps the finished job around.

    Raises:
        ValueError: a setting out of range, a reusable environment, or an unknown interconnect.
        TypeError: a runtime that is neither :class:`TorchRun` nor :class:`JaxRun`.
    """

    replicas: int
    nproc_per_node: int
    runtime: Runtime = field(default_factory=TorchRun)
    interconnect: Literal["tcp"] = "tcp"
    failure_policy: ClusterFailurePolicy = field(default_factory=ClusterFailurePolicy)
    ttl_seconds_after_finished: Optional[int] = None

    def __post_init__(self) -> None:
        # Checked before the base class, which would blame plugin_config for a reusable policy.
        where = f"ClusteredTaskEnvironment '{self.name}'" if self.name else "ClusteredTaskEnvironment"
        if self.reusable is not None:
            raise ValueError(f"{where}: clustered environments cannot be reusable")
        super().__post_init__()
        where = f"ClusteredTaskEnvironment '{self.name}'"
        if not isinstance(self.replicas, int) or self.replicas < 1:
            raise ValueError(f"{where}: replicas must be an integer >= 1, got {self.replicas!r}")
        if not isinstance(self.nproc_per_node, int) or self.nproc_per_node < 1:
            raise ValueError(f"{where}: nproc_per_node must be an integer >= 1, got {self.nproc_per_node!r}")
        device = self.resources.get_device() if self.resources is not None else None
        if device is not None and device.quantity < self.nproc_per_node:
            raise ValueError(
                f"{where}: resources.gpu ({device.quantity}) must be >= nproc_per_node ({self.nproc_per_node})"
            )
        if not isinstance(self.runtime, (TorchRun, JaxRun)):
            raise TypeError(f"{where}: runtime must be TorchRun() or JaxRun(), got {type(self.runtime).__name__}")
        if isinstance(self.runtime, JaxRun) and self.nproc_per_node != 1:
            raise ValueError(
                f"{where}: JaxRun runs one process per node owning all its devices, so nproc_per_node must be 1 "
                f"(got {self.nproc_per_node}); pick devices with jax_initialize(local_device_ids=...) instead"
            )
        if self.interconnect not in _INTERCONNECTS:
            raise ValueError(f"{where}: interconnect must be one of {_INTERCONNECTS}, got {self.interconnect!r}")
        if self.ttl_seconds_after_finished is not None and self.ttl_seconds_after_finished < 0:
            raise ValueError(f"{where}: ttl_seconds_after_finished must be >= 0, got {self.ttl_seconds_after_finished}")
        # Imported here: the task module imports flyte.extend, which this module must not need at import.
        from flyte.clustered._task import _ClusteredPlugin

        self.plugin_config = _ClusteredPlugin(
            settings=ClusteredSettings(
                replicas=self.replicas,
                nproc_per_node=self.nproc_per_node,
                runtime=self.runtime,
                interconnect=self.interconnect,
                failure_policy=self.failure_policy,
                ttl_seconds_after_finished=self.ttl_seconds_after_finished,
            )
        )

    def to_custom_dict(self) -> Dict[str, Any]:
        """This environment's clustered settings in the backend's task-spec form."""
        from flyte.clustered._task import _ClusteredPlugin

        assert isinstance(self.plugin_config, _ClusteredPlugin) and self.plugin_config.settings is not None
        return self.plugin_config.settings.to_custom_dict()
