"""Chain workload: a parent task awaits STEPS child tasks one after the other.

Usage: ``python chain.py [--steps 200] [--cached]``.

Without ``--cached`` it measures the latency of one sequential child action. With ``--cached``
the children use ``cache="auto"``: the workflow runs once to fill a (fresh) cache, untimed, and a
second, timed run then gets a cache hit for every step, which measures the cost of a cache lookup.
The parent itself is never cached, so the timed run really awaits every step.
"""

from __future__ import annotations

import argparse
import time

from _common import emit, init_flyte, run_local, sdk_version

import flyte

env = flyte.TaskEnvironment(name="bench_chain")

# Counts step bodies that actually executed in this process (cache hits do not execute them).
EXECUTED = [0]


@env.task
async def step(x: int) -> int:
    """Add one."""
    EXECUTED[0] += 1
    return x + 1


@env.task(cache="auto")
async def cached_step(x: int) -> int:
    """Add one; cached on its input."""
    EXECUTED[0] += 1
    return x + 1


@env.task
async def chain(n: int) -> int:
    """Await ``n`` uncached steps in sequence."""
    x = 0
    for _ in range(n):
        x = await step(x)
    return x


@env.task
async def chain_cached(n: int) -> int:
    """Await ``n`` cached steps in sequence."""
    x = 0
    for _ in range(n):
        x = await cached_step(x)
    return x


def main() -> None:
    """Run the chain (warming the cache first with ``--cached``) and print the JSON result line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=200, help="number of sequential steps")
    parser.add_argument("--cached", action="store_true", help="use cache='auto' and time a warm run")
    args = parser.parse_args()
    init_flyte()
    refs: list[str] = []
    extra: dict[str, object] = {}
    parent = chain_cached if args.cached else chain
    if args.cached:
        _, ref = run_local(parent, n=args.steps)
        refs.append(ref)
        extra["steps_executed_warm"] = EXECUTED[0]
        EXECUTED[0] = 0
    start = time.perf_counter()
    value, ref = run_local(parent, n=args.steps)
    seconds = time.perf_counter() - start
    refs.append(ref)
    if args.cached:
        # Only meaningful when steps run in this process (the warm run then counts them all).
        extra["steps_executed_timed"] = EXECUTED[0]
        extra["cache_hits_ok"] = EXECUTED[0] == 0 if extra["steps_executed_warm"] else None
    name = "chain_cached" if args.cached else "chain"
    emit(
        name,
        args.steps,
        seconds,
        value == args.steps,
        impl="flyte",
        version=sdk_version(),
        runs=refs,
        **extra,
    )


if __name__ == "__main__":
    main()
