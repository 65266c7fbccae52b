"""Fan-out: start many task calls at once with ``asyncio.gather``, alone or in batches.

``parallel_processing`` runs one ``process_item`` per item; ``batched_fanout`` splits a large
dataset into batches of 100 and runs one ``process_batch`` per batch. Run it with
``flyte run --local examples/fanout.py main`` or ``python examples/fanout.py``.
"""

import asyncio
from typing import List

import flyte

env = flyte.TaskEnvironment(name="fanout")


@env.task
async def process_item(item: str) -> str:
    """Process one item."""
    return item.upper()


@env.task
async def process_batch(batch: List[dict]) -> List[dict]:
    """Process one batch of records: square each value."""
    return [{"id": record["id"], "value": record["value"] ** 2} for record in batch]


@env.task
async def parallel_processing(items: List[str]):
    """One ``process_item`` call per item, all at once."""
    # Create task invocations
    tasks = [process_item(item) for item in items]

    # Execute in parallel
    results = await asyncio.gather(*tasks)
    return results


@env.task
async def batched_fanout(large_dataset: List[dict]):
    """One ``process_batch`` call per 100 records, all at once."""
    batch_size = 100
    batches = [large_dataset[i : i + batch_size] for i in range(0, len(large_dataset), batch_size)]

    # Process batches in parallel
    batch_tasks = [process_batch(batch) for batch in batches]
    batch_results = await asyncio.gather(*batch_tasks)

    # Combine results
    return [item for batch in batch_results for item in batch]


@env.task
async def main(n: int = 250) -> dict:
    """Fan out over a few words and over ``n`` records (in batches of 100)."""
    words = await parallel_processing(["extract", "transform", "load"])
    records = await batched_fanout([{"id": i, "value": i} for i in range(n)])
    return {
        "words": words,
        "records": len(records),
        "sum_of_squares": sum(record["value"] for record in records),
    }


if __name__ == "__main__":
    flyte.init_from_config()
    print(flyte.with_runcontext(mode="local").run(main).outputs())
