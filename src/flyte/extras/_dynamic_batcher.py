"""DynamicBatcher: many concurrent producers submit records one by one; the batcher groups
them into batches bounded by a cost budget, a size cap and a time window, runs each batch
through one async processing function, and resolves every producer's future with its own
result (or the batch's error)."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Generic, Optional, Sequence

from typing_extensions import Self

from flyte.extras._batch_types import (
    BatchStats,
    CostEstimator,
    CostEstimatorFn,
    ProcessFn,
    RecordT,
    ResultT,
)

logger = logging.getLogger("flyte")


@dataclass
class _Pending(Generic[RecordT, ResultT]):
    """A submitted record, its estimated cost and the future its producer awaits."""

    record: RecordT
    cost: int
    future: asyncio.Future[ResultT] = field(default_factory=lambda: asyncio.get_running_loop().create_future())


#: Put on a queue to tell the loop reading it that no more work comes.
_DONE: Any = object()


class DynamicBatcher(Generic[RecordT, ResultT]):
    """Gathers records submitted concurrently into batches and feeds them, one batch at a time,
    to ``process_fn`` (``async def f(batch: list[RecordT]) -> list[ResultT]``, one result per
    record in the same order).

    A batch is sent once its estimated cost reaches ``target_batch_cost``, once it holds
    ``max_batch_size`` records, or ``batch_timeout_s`` after its first record arrived, and only
    once it holds ``min_batch_size`` records (unless the batcher is stopping). A record's cost is
    the ``estimated_cost`` given to :meth:`submit`, else ``cost_estimator(record)``, else
    ``record.estimate_cost()`` (:class:`~flyte.extras.CostEstimator`), else ``default_cost``.
    ``max_queue_size`` bounds the records waiting (``submit`` then waits: back-pressure) and
    ``prefetch_batches`` the batches assembled ahead of processing.

    When ``process_fn`` raises, or returns a list of the wrong length, every record of that
    batch gets the error; other batches go on. Use it as ``async with DynamicBatcher(f) as b:``
    or call :meth:`start` and :meth:`stop`.

    Raises:
        TypeError: ``process_fn`` or ``cost_estimator`` is not callable.
        ValueError: a size, cost or timeout setting is out of range (the error names it).
    """

    def __init__(
        self,
        process_fn: ProcessFn[RecordT, ResultT],
        *,
        cost_estimator: CostEstimatorFn[RecordT] | None = None,
        target_batch_cost: int = 32_000,
        max_batch_size: int = 256,
        min_batch_size: int = 1,
        batch_timeout_s: float = 0.05,
        max_queue_size: int = 5_000,
        prefetch_batches: int = 2,
        default_cost: int = 1,
    ) -> None:
        label = type(self).__name__
        if not callable(process_fn):
            raise TypeError(f"{label}: process_fn must be an async function, got {process_fn!r}")
        if cost_estimator is not None and not callable(cost_estimator):
            raise TypeError(f"{label}: cost_estimator must be callable, got {cost_estimator!r}")
        _at_least(label, "target_batch_cost", target_batch_cost, 1)
        _at_least(label, "max_batch_size", max_batch_size, 1)
        _at_least(label, "min_batch_size", min_batch_size, 1)
        if min_batch_size > max_batch_size:
            raise ValueError(f"{label}: min_batch_size ({min_batch_size}) exceeds max_batch_size ({max_batch_size})")
        if not batch_timeout_s > 0:
            raise ValueError(f"{label}: batch_timeout_s must be > 0, got {batch_timeout_s}")
        _at_least(label, "max_queue_size", max_queue_size, 0)
        _at_least(label, "prefetch_batches", prefetch_batches, 1)
        _at_least(label, "default_cost", default_cost, 0)
        self._process_fn = process_fn
        self._cost_estimator = cost_estimator
        self._target_batch_cost = target_batch_cost
        self._max_batch_size = max_batch_size
        self._min_batch_size = min_batch_size
        self._batch_timeout_s = batch_timeout_s
        self._max_queue_size = max_queue_size
        self._prefetch_batches = prefetch_batches
        self._default_cost = default_cost
        self._stats = BatchStats()
        self._running = False
        self._stopping = False
        self._loops: list[asyncio.Task[None]] = []
        self._records: asyncio.Queue[Any] = asyncio.Queue()
        self._batches: asyncio.Queue[Any] = asyncio.Queue()

    @property
    def stats(self) -> BatchStats:
        """What the batcher has done so far."""
        return self._stats

    @property
    def is_running(self) -> bool:
        """Whether the batcher accepts records (between :meth:`start` and :meth:`stop`)."""
        return self._running

    async def start(self) -> None:
        """Starts the loops assembling and processing batches on the running event loop.

        Raises:
            RuntimeError: the batcher is running already.
        """
        if self._running:
            raise RuntimeError(f"{type(self).__name__} is already running")
        # Queues made here belong to the loop the batcher runs on, so it can be restarted on another.
        self._records = asyncio.Queue(maxsize=self._max_queue_size)
        self._batches = asyncio.Queue(maxsize=self._prefetch_batches)
        self._stopping = False
        self._running = True
        self._loops = [
            asyncio.create_task(self._assemble(), name=f"{type(self).__name__}-assemble"),
            asyncio.create_task(self._process(), name=f"{type(self).__name__}-process"),
        ]

    async def stop(self) -> None:
        """Stops taking records, processes every record already submitted, then returns."""
        if not self._running:
            return
        self._running = False
        self._stopping = True
        await self._records.put(_DONE)
        try:
            await asyncio.gather(*self._loops)
        finally:
            self._loops = []
        logger.debug(
            "%s stopped after %d record(s) in %d batch(es)",
            type(self).__name__,
            self._stats.total_completed,
            self._stats.total_batches,
        )

    async def submit(self, record: RecordT, *, estimated_cost: int | None = None) -> asyncio.Future[ResultT]:
        """Queues ``record`` and returns the future of its result (waits while the queue is full).

        Raises:
            RuntimeError: the batcher is not running.
            ValueError: the record's cost is not a non-negative integer.
        """
        if not self._running:
            raise RuntimeError(f"{type(self).__name__} is not running: call start() or use 'async with'")
        cost = self._estimate_cost(record, estimated_cost)
        if isinstance(cost, bool) or not isinstance(cost, int) or cost < 0:
            raise ValueError(f"{type(self).__name__}.submit: the cost of {record!r} must be an int >= 0, got {cost!r}")
        pending: _Pending[RecordT, ResultT] = _Pending(record, cost)
        await self._records.put(pending)
        self._stats.total_submitted += 1
        return pending.future

    async def submit_batch(
        self, records: Sequence[RecordT], *, estimated_cost: Sequence[int] | None = None
    ) -> list[asyncio.Future[ResultT]]:
        """Submits each of ``records`` (with its cost from ``estimated_cost``, when given) and
        returns their futures in order.

        Raises:
            ValueError: ``estimated_cost`` does not have one cost per record.
        """
        if estimated_cost is not None and len(estimated_cost) != len(records):
            raise ValueError(
                f"{type(self).__name__}.submit_batch: {len(estimated_cost)} cost(s) for {len(records)} record(s)"
            )
        costs: Sequence[int | None] = estimated_cost if estimated_cost is not None else [None] * len(records)
        return [await self.submit(record, estimated_cost=cost) for record, cost in zip(records, costs, strict=True)]

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: Optional[type[BaseException]],
        exc_val: Optional[BaseException],
        exc_tb: Optional[TracebackType],
    ) -> None:
        await self.stop()

    def _estimate_cost(self, record: RecordT, override: int | None) -> int:
        """The cost of ``record``: the explicit one, the estimator's, the record's own, or the default."""
        if override is not None:
            return override
        if self._cost_estimator is not None:
            return self._cost_estimator(record)
        if isinstance(record, CostEstimator):
            return record.estimate_cost()
        return self._default_cost

    async def _assemble(self) -> None:
        """Groups queued records into batches until told that no more come."""
        finished = False
        while not finished:
            first = await self._records.get()
            if first is _DONE:
                break
            batch: list[_Pending[RecordT, ResultT]] = [first]
            cost = first.cost
            deadline = time.monotonic() + self._batch_timeout_s
            while len(batch) < self._max_batch_size and (
                cost < self._target_batch_cost or len(batch) < self._min_batch_size
            ):
                remaining = deadline - time.monotonic()
                if remaining <= 0 and len(batch) >= self._min_batch_size:
                    break
                try:
                    # Below min_batch_size the batch waits for more records past its window.
                    item = await (
                        self._records.get() if remaining <= 0 else asyncio.wait_for(self._records.get(), remaining)
                    )
                except asyncio.TimeoutError:
                    continue
                if item is _DONE:
                    finished = True
                    break
                batch.append(item)
                cost += item.cost
            await self._batches.put(batch)
        await self._batches.put(_DONE)

    async def _process(self) -> None:
        """Runs each assembled batch through ``process_fn`` and resolves its futures."""
        while True:
            waited = time.monotonic()
            batch = await self._batches.get()
            started = time.monotonic()
            self._stats.idle_time_s += started - waited
            if batch is _DONE:
                return
            await self._run_batch(batch)
            self._stats.record_batch(len(batch), sum(p.cost for p in batch), time.monotonic() - started)

    async def _run_batch(self, batch: list[_Pending[RecordT, ResultT]]) -> None:
        try:
            results = await self._process_fn([p.record for p in batch])
            if not isinstance(results, (list, tuple)) or len(results) != len(batch):
                got = f"{len(results)} results" if isinstance(results, (list, tuple)) else repr(type(results))
                raise ValueError(
                    f"{type(self).__name__}: process_fn returned {got} for a batch of {len(batch)} records"
                )
        except Exception as exc:
            logger.warning("%s: a batch of %d record(s) failed: %s", type(self).__name__, len(batch), exc)
            for pending in batch:
                if not pending.future.done():
                    pending.future.set_exception(exc)
            return
        for pending, result in zip(batch, results, strict=True):
            # A producer may have cancelled its future; the others still get their results.
            if not pending.future.done():
                pending.future.set_result(result)


def _at_least(label: str, name: str, value: int, low: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ValueError(f"{label}: {name} must be an int >= {low}, got {value!r}")
