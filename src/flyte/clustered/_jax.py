"""Starting ``jax.distributed`` in a process of a ``JaxRun`` clustered task."""

from __future__ import annotations

import os
from typing import Any


def _topology_value(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise RuntimeError(
            f"jax_initialize() needs the process topology of a clustered task ({name} is not set); run it inside a "
            "task of ClusteredTaskEnvironment(runtime=JaxRun())"
        )
    return value


def jax_initialize(**overrides: Any) -> None:
    """Calls ``jax.distributed.initialize`` with this process's place in the gang: the coordinator
    at ``MASTER_ADDR:MASTER_PORT`` (hosted by process 0), ``WORLD_SIZE`` processes, and this one's
    ``RANK``. JAX's own cluster detection is turned off (it would probe for Kubernetes or SLURM).
    Keyword arguments are passed on and win over these, e.g. ``local_device_ids=[0]``.

    Does nothing when JAX is already initialized.

    Raises:
        RuntimeError: outside a process of a ``JaxRun`` clustered task (no topology variables).
        ModuleNotFoundError: JAX is not installed.
    """
    import jax

    is_initialized = getattr(jax.distributed, "is_initialized", None)
    if is_initialized is not None and is_initialized():
        return
    params: dict[str, Any] = {
        "coordinator_address": f"{_topology_value('MASTER_ADDR')}:{_topology_value('MASTER_PORT')}",
        "num_processes": int(_topology_value("WORLD_SIZE")),
        "process_id": int(_topology_value("RANK")),
        "cluster_detection_method": "deactivate",
    }
    params.update(overrides)
    jax.distributed.initialize(**params)
