"""Ready-made task plugins and utilities for building workflows.

- :class:`Sleep`: an environment whose tasks wait for their ``duration`` input (a ``timedelta``)
  before their body runs, without holding a worker slot's CPU; the body usually does nothing.
- :class:`DynamicBatcher` / :class:`TokenBatcher`: gather records submitted by many concurrent
  producers into batches (bounded by cost or tokens, size and time) for one async processing
  function, e.g. a model on a reusable container; :class:`BatchStats` reports on them, and
  :class:`CostEstimator`, :class:`TokenEstimator` and :class:`Prompt` describe records.
- :func:`serialize` / :func:`serialize_env`: the specs a server schedules, made offline.

The SDK's ``ContainerTask``, ``shell``, ``model_streamer`` and ``webhooks`` are not provided here.
"""

from flyte.extras._batch_types import BatchStats, CostEstimator, Prompt, TokenEstimator
from flyte.extras._dynamic_batcher import DynamicBatcher
from flyte.extras._serialize import serialize, serialize_env
from flyte.extras._sleep import Sleep, SleepTask
from flyte.extras._token_batcher import TokenBatcher

__all__ = [
    "BatchStats",
    "CostEstimator",
    "DynamicBatcher",
    "Prompt",
    "Sleep",
    "SleepTask",
    "TokenBatcher",
    "TokenEstimator",
    "serialize",
    "serialize_env",
]
