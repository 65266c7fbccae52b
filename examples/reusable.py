"""Reusable containers: an environment whose workers stay up and run many short tasks.

``flyte.ReusePolicy`` matters on a cluster, where it keeps two warm containers per environment
instead of starting one per task; a local run accepts it and runs the tasks in this process. Run
it with ``flyte run --local examples/reusable.py main`` or ``python examples/reusable.py``.
"""

import asyncio

import flyte

env = flyte.TaskEnvironment(
    reusable=flyte.ReusePolicy(
        replicas=2,  # Number of container instances
        idle_ttl=300,  # 5 minutes idle timeout
    )
)

# The driver runs in its own environment, so it does not hold one of the two warm replicas.
driver = flyte.TaskEnvironment(name="reusable_driver", depends_on=[env])


@env.task
async def score(x: int) -> int:
    """A short task of the kind reusable containers are for."""
    return x * x


@driver.task
async def main(n: int = 10) -> int:
    """Score ``0..n-1`` on the reusable environment and add the scores up."""
    scores = await asyncio.gather(*(score(i) for i in range(n)))
    return sum(scores)


if __name__ == "__main__":
    flyte.init_from_config()
    print(flyte.with_runcontext(mode="local").run(main).outputs())
