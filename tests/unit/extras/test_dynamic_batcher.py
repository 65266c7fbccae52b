"""DynamicBatcher and TokenBatcher under concurrent producers: every caller gets its own result,
batches respect the size and cost caps, a partial batch goes after the time window, and a
failed batch fails each of its callers."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import pytest

from flyte.extras import BatchStats, CostEstimator, DynamicBatcher, Prompt, TokenBatcher, TokenEstimator


class Recorder:
    """A processing function that records the batches it gets."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []

    async def __call__(self, batch: list[int]) -> list[str]:
        self.batches.append(list(batch))
        await asyncio.sleep(0)
        return [f"r{x}" for x in batch]


def test_concurrent_producers_each_get_their_own_result_within_size_caps() -> None:
    recorder = Recorder()

    async def main() -> tuple[list[str], BatchStats]:
        async with DynamicBatcher(recorder, max_batch_size=8, batch_timeout_s=0.02) as batcher:

            async def produce(x: int) -> str:
                return await (await batcher.submit(x))

            results = await asyncio.gather(*(produce(x) for x in range(100)))
        return list(results), batcher.stats

    results, stats = asyncio.run(main())
    assert results == [f"r{x}" for x in range(100)]
    assert all(1 <= len(b) <= 8 for b in recorder.batches)
    assert sorted(x for b in recorder.batches for x in b) == list(range(100))
    assert len(recorder.batches) < 100, "concurrent records must share batches"
    assert stats.total_submitted == stats.total_completed == 100
    assert stats.total_batches == len(recorder.batches)
    assert stats.avg_batch_size == pytest.approx(100 / len(recorder.batches))
    assert 0.0 <= stats.utilization <= 1.0


def test_records_keep_their_submission_order_across_batches() -> None:
    recorder = Recorder()

    async def main() -> list[str]:
        async with DynamicBatcher(recorder, max_batch_size=3, batch_timeout_s=0.02) as batcher:
            futures = await batcher.submit_batch(list(range(10)))
            return list(await asyncio.gather(*futures))

    assert asyncio.run(main()) == [f"r{x}" for x in range(10)]
    assert [x for b in recorder.batches for x in b] == list(range(10))
    assert [len(b) for b in recorder.batches][:3] == [3, 3, 3]


def test_a_partial_batch_is_flushed_after_the_timeout() -> None:
    recorder = Recorder()

    async def main() -> str:
        async with DynamicBatcher(recorder, max_batch_size=100, batch_timeout_s=0.05) as batcher:
            future = await batcher.submit(1)
            # Resolves while the batcher is still running: the time window, not stop(), sent it.
            result = await asyncio.wait_for(future, timeout=5)
            assert batcher.is_running
            return result

    assert asyncio.run(main()) == "r1"
    assert recorder.batches == [[1]]


def test_the_cost_budget_closes_a_batch() -> None:
    recorder = Recorder()

    async def main() -> None:
        async with DynamicBatcher(recorder, target_batch_cost=10, batch_timeout_s=1.0) as batcher:
            futures = await batcher.submit_batch([1, 2, 3, 4], estimated_cost=[5, 5, 5, 5])
            await asyncio.wait_for(asyncio.gather(*futures), timeout=5)

    asyncio.run(main())
    assert recorder.batches == [[1, 2], [3, 4]]


def test_a_failing_batch_fails_each_of_its_callers_and_later_batches_go_on() -> None:
    calls: list[list[int]] = []

    async def flaky(batch: list[int]) -> list[int]:
        calls.append(batch)
        if 13 in batch:
            raise RuntimeError("model crashed")
        return [x * 2 for x in batch]

    async def main() -> tuple[list[BaseException | int], int]:
        async with DynamicBatcher(flaky, max_batch_size=2, batch_timeout_s=0.02) as batcher:
            first = await batcher.submit_batch([12, 13])
            outcome = await asyncio.gather(*first, return_exceptions=True)
            later = await (await batcher.submit(5))
        return list(outcome), later

    outcome, later = asyncio.run(main())
    assert all(isinstance(o, RuntimeError) and "model crashed" in str(o) for o in outcome)
    assert later == 10


def test_a_wrong_number_of_results_is_an_error_for_every_caller() -> None:
    async def short(batch: list[int]) -> list[int]:
        return batch[:-1]

    async def main() -> list[BaseException | int]:
        async with DynamicBatcher(short, max_batch_size=3, batch_timeout_s=0.02) as batcher:
            futures = await batcher.submit_batch([1, 2, 3])
            return list(await asyncio.gather(*futures, return_exceptions=True))

    outcome = asyncio.run(main())
    assert all(isinstance(o, ValueError) and "2 results for a batch of 3" in str(o) for o in outcome)


def test_stop_processes_everything_submitted_and_min_batch_size_waits() -> None:
    recorder = Recorder()

    async def main() -> list[asyncio.Future[str]]:
        batcher = DynamicBatcher(recorder, min_batch_size=4, max_batch_size=4, batch_timeout_s=0.01)
        await batcher.start()
        futures = await batcher.submit_batch([1, 2, 3])
        await asyncio.sleep(0.05)
        assert not any(f.done() for f in futures), "three records are below min_batch_size"
        await batcher.stop()
        assert not batcher.is_running
        return futures

    futures = asyncio.run(main())
    assert [f.result() for f in futures] == ["r1", "r2", "r3"]


def test_cost_estimation_order_and_bad_settings() -> None:
    @dataclass
    class Job:
        size: int

        def estimate_cost(self) -> int:
            return self.size

    assert isinstance(Job(3), CostEstimator)
    batcher: DynamicBatcher[Job, int] = DynamicBatcher(Recorder(), default_cost=7)  # type: ignore[arg-type]
    assert batcher._estimate_cost(Job(3), None) == 3
    assert batcher._estimate_cost(Job(3), 9) == 9
    assert DynamicBatcher(Recorder(), default_cost=7)._estimate_cost(1, None) == 7
    assert DynamicBatcher(Recorder(), cost_estimator=lambda x: x * 10)._estimate_cost(2, None) == 20
    with pytest.raises(ValueError, match="max_batch_size must be an int >= 1"):
        DynamicBatcher(Recorder(), max_batch_size=0)
    with pytest.raises(ValueError, match=r"min_batch_size \(5\) exceeds max_batch_size \(2\)"):
        DynamicBatcher(Recorder(), min_batch_size=5, max_batch_size=2)
    with pytest.raises(ValueError, match="batch_timeout_s must be > 0"):
        DynamicBatcher(Recorder(), batch_timeout_s=0)


def test_submit_needs_a_running_batcher_and_a_valid_cost() -> None:
    async def main() -> None:
        batcher = DynamicBatcher(Recorder())
        with pytest.raises(RuntimeError, match="DynamicBatcher is not running"):
            await batcher.submit(1)
        async with batcher:
            with pytest.raises(RuntimeError, match="already running"):
                await batcher.start()
            with pytest.raises(ValueError, match="cost of 1 must be an int >= 0"):
                await batcher.submit(1, estimated_cost=-1)

    asyncio.run(main())


def test_token_batcher_budgets_prompts_by_their_tokens() -> None:
    seen: list[list[str]] = []

    async def infer(batch: list[Prompt]) -> list[str]:
        seen.append([p.text for p in batch])
        return [p.text.upper() for p in batch]

    prompt = Prompt(text="x" * 39)  # 39 // 4 + 1 = 10 tokens
    assert isinstance(prompt, TokenEstimator) and prompt.estimate_tokens() == 10

    async def main() -> list[str]:
        async with TokenBatcher(inference_fn=infer, target_batch_tokens=20, batch_timeout_s=1.0) as batcher:
            futures = [await batcher.submit(Prompt(text=c * 39)) for c in "abcd"]
            futures.append(await batcher.submit(Prompt(text="e"), estimated_tokens=20))
            return list(await asyncio.wait_for(asyncio.gather(*futures), timeout=5))

    results = asyncio.run(main())
    assert results == [c.upper() * 39 for c in "abcd"] + ["E"]
    assert [len(b) for b in seen] == [2, 2, 1]


def test_token_batcher_needs_a_function() -> None:
    with pytest.raises(TypeError, match="TokenBatcher needs inference_fn"):
        TokenBatcher()
    assert TokenBatcher(process_fn=Recorder(), default_token_estimate=4)._estimate_cost(1, None) == 4
