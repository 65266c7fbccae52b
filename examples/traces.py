"""Traces: ``@flyte.trace`` records a helper's calls (inputs, output, timing) inside a task.

``expensive_api_call`` talks to a stand-in API client; each call made from a task is recorded as
a trace action of the run, so on a cluster a resumed run can reuse its result instead of calling
the API again. Run it with ``flyte run --local examples/traces.py main`` or
``python examples/traces.py``.
"""

import asyncio

import flyte

env = flyte.TaskEnvironment(name="traces")


class FakeApiClient:
    """Stands in for a remote search API: answers after a short pause, always the same way."""

    async def query(self, query: str) -> dict:
        """Return the documents matching ``query``."""
        await asyncio.sleep(0.01)
        words = query.split()
        return {"query": query, "documents": [f"{word} overview" for word in words]}


api_client = FakeApiClient()


def process_data(data: dict) -> str:
    """Summarise an API answer."""
    return f"{len(data['documents'])} documents for {data['query']!r}"


@flyte.trace
async def expensive_api_call(query: str) -> dict:
    """External API call with tracing."""
    result = await api_client.query(query)
    return result


@env.task
async def main_task(topic: str):
    """Research ``topic`` through the traced API call."""
    # This call will be traced
    data = await expensive_api_call(f"research {topic}")
    return process_data(data)


@env.task
async def main(topic: str = "orchestration") -> str:
    """Run ``main_task`` for ``topic``."""
    return await main_task(topic)


if __name__ == "__main__":
    flyte.init_from_config()
    print(flyte.with_runcontext(mode="local").run(main).outputs())
