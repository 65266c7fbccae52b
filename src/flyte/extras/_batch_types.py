"""The records and statistics of the batchers: cost and token estimation protocols, the
``Prompt`` record, and :class:`BatchStats`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Awaitable, Callable, Protocol, TypeVar, runtime_checkable

RecordT = TypeVar("RecordT")
ResultT = TypeVar("ResultT")

#: ``async def f(batch: list[RecordT]) -> list[ResultT]``: one result per record, in order.
ProcessFn = Callable[[list[RecordT]], Awaitable[list[ResultT]]]
#: ``f(record) -> int``: the cost (or token count) of one record.
CostEstimatorFn = Callable[[RecordT], int]


@runtime_checkable
class CostEstimator(Protocol):
    """A record that knows its own processing cost; the batcher asks it through
    ``estimate_cost()`` when ``submit`` is given no explicit cost."""

    def estimate_cost(self) -> int:
        """The record's cost, in the unit of the batcher's ``target_batch_cost``."""
        ...


@runtime_checkable
class TokenEstimator(Protocol):
    """A record that knows how many tokens it holds; :class:`~flyte.extras.TokenBatcher` asks
    it through ``estimate_tokens()`` when ``submit`` is given no explicit count."""

    def estimate_tokens(self) -> int:
        """The record's approximate token count."""
        ...


@dataclass
class Prompt:
    """A text prompt for :class:`~flyte.extras.TokenBatcher`, estimating its tokens at about
    four characters each. Define a dataclass of your own with ``estimate_tokens()`` for richer
    prompts (system messages, metadata...)."""

    text: str

    def estimate_tokens(self) -> int:
        """About one token per four characters, at least one."""
        return len(self.text) // 4 + 1


@dataclass
class BatchStats:
    """What a batcher has done so far (``batcher.stats``).

    Attributes:
        total_submitted: records accepted by ``submit``.
        total_completed: records whose futures were resolved (with a result or an error).
        total_batches: batches handed to the processing function.
        total_batch_cost: the summed estimated cost of those batches.
        avg_batch_size: records per batch, on average.
        avg_batch_cost: estimated cost per batch, on average.
        busy_time_s: seconds spent inside the processing function.
        idle_time_s: seconds the processing loop waited for a batch.
    """

    total_submitted: int = 0
    total_completed: int = 0
    total_batches: int = 0
    total_batch_cost: int = 0
    avg_batch_size: float = 0.0
    avg_batch_cost: float = 0.0
    busy_time_s: float = 0.0
    idle_time_s: float = 0.0

    @property
    def utilization(self) -> float:
        """The share of the loop's time spent processing, from 0.0 to 1.0."""
        total = self.busy_time_s + self.idle_time_s
        return self.busy_time_s / total if total > 0 else 0.0

    def record_batch(self, size: int, cost: int, busy_s: float) -> None:
        """Counts one processed batch of ``size`` records costing ``cost``."""
        self.total_batches += 1
        self.total_completed += size
        self.total_batch_cost += cost
        self.busy_time_s += busy_s
        self.avg_batch_size = self.total_completed / self.total_batches
        self.avg_batch_cost = self.total_batch_cost / self.total_batches
