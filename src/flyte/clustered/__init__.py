"""Clustered tasks: one task run as a gang of cooperating processes (distributed training).

```python
env = ClusteredTaskEnvironment(name="ddp", replicas=2, nproc_per_node=4, runtime=TorchRun())

@env.task
def train(epochs: int) -> float:
    ...  # each process sees RANK, WORLD_SIZE, MASTER_ADDR, ... and rank 0's result is the task's
```
"""

from __future__ import annotations

from flyte.clustered._environment import (
    ClusteredTaskEnvironment,
    ClusterFailurePolicy,
    JaxRun,
    Runtime,
    TorchRun,
)
from flyte.clustered._jax import jax_initialize
from flyte.clustered._task import ClusteredTaskTemplate

__all__ = [
    "ClusterFailurePolicy",
    "ClusteredTaskEnvironment",
    "ClusteredTaskTemplate",
    "JaxRun",
    "Runtime",
    "TorchRun",
    "jax_initialize",
]
