"""TokenBatcher: a :class:`~flyte.extras.DynamicBatcher` whose cost is tokens, for batched LLM
inference (e.g. one model on a reusable container serving many concurrent tasks)."""

from __future__ import annotations

import asyncio

from flyte.extras._batch_types import CostEstimator, CostEstimatorFn, ProcessFn, RecordT, ResultT, TokenEstimator
from flyte.extras._dynamic_batcher import DynamicBatcher


class TokenBatcher(DynamicBatcher[RecordT, ResultT]):
    """A :class:`~flyte.extras.DynamicBatcher` speaking in tokens: ``inference_fn`` (or
    ``process_fn``) gets batches of about ``target_batch_tokens`` tokens, each record's count
    coming from ``estimated_tokens`` at :meth:`submit`, else ``token_estimator(record)``, else
    ``record.estimate_tokens()`` (:class:`~flyte.extras.TokenEstimator`, as
    :class:`~flyte.extras.Prompt` has), else ``record.estimate_cost()``, else
    ``default_token_estimate``. The base class's names (``cost_estimator``,
    ``target_batch_cost``, ``default_cost``) are accepted too; the token names win.

    Raises:
        TypeError: neither ``inference_fn`` nor ``process_fn`` is given.
        ValueError: a size, budget or timeout setting is out of range.
    """

    def __init__(
        self,
        inference_fn: ProcessFn[RecordT, ResultT] | None = None,
        *,
        process_fn: ProcessFn[RecordT, ResultT] | None = None,
        token_estimator: CostEstimatorFn[RecordT] | None = None,
        cost_estimator: CostEstimatorFn[RecordT] | None = None,
        target_batch_tokens: int | None = None,
        target_batch_cost: int = 32_000,
        default_token_estimate: int | None = None,
        default_cost: int = 1,
        max_batch_size: int = 256,
        min_batch_size: int = 1,
        batch_timeout_s: float = 0.05,
        max_queue_size: int = 5_000,
        prefetch_batches: int = 2,
    ) -> None:
        fn = inference_fn if inference_fn is not None else process_fn
        if fn is None:
            raise TypeError("TokenBatcher needs inference_fn (or process_fn): the async function run on each batch")
        super().__init__(
            fn,
            cost_estimator=token_estimator if token_estimator is not None else cost_estimator,
            target_batch_cost=target_batch_tokens if target_batch_tokens is not None else target_batch_cost,
            max_batch_size=max_batch_size,
            min_batch_size=min_batch_size,
            batch_timeout_s=batch_timeout_s,
            max_queue_size=max_queue_size,
            prefetch_batches=prefetch_batches,
            default_cost=default_token_estimate if default_token_estimate is not None else default_cost,
        )

    async def submit(
        self,
        record: RecordT,
        *,
        estimated_tokens: int | None = None,
        estimated_cost: int | None = None,
    ) -> asyncio.Future[ResultT]:
        """Queues ``record`` (its token count: ``estimated_tokens``, else ``estimated_cost``, else
        estimated) and returns the future of its result.

        Raises:
            RuntimeError: the batcher is not running.
            ValueError: the token count is not a non-negative integer.
        """
        tokens = estimated_tokens if estimated_tokens is not None else estimated_cost
        return await super().submit(record, estimated_cost=tokens)

    def _estimate_cost(self, record: RecordT, override: int | None) -> int:
        if override is not None:
            return override
        if self._cost_estimator is not None:
            return self._cost_estimator(record)
        if isinstance(record, TokenEstimator):
            return record.estimate_tokens()
        if isinstance(record, CostEstimator):
            return record.estimate_cost()
        return self._default_cost
