"""Fan-out workload: one async parent task gathers N no-op child tasks.

Usage: ``python fanout.py N``. Measures the per-action overhead of launching, running and
collecting many concurrent child tasks in local mode.
"""

from __future__ import annotations

import argparse
import asyncio
import time

from _common import emit, init_flyte, run_local, sdk_version

import flyte

env = flyte.TaskEnvironment(name="bench_fanout")


@env.task
async def noop(x: int) -> int:
    """Return the input unchanged."""
    return x


@env.task
async def fanout(n: int) -> int:
    """Run ``n`` no-op children concurrently; return their sum, or -1 if any came back wrong."""
    results = await asyncio.gather(*[noop(i) for i in range(n)])
    if any(r != i for i, r in enumerate(results)):
        return -1
    return sum(results)


def main() -> None:
    """Run the fan-out once, timed, and print the JSON result line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("n", type=int, help="number of child tasks")
    n = parser.parse_args().n
    init_flyte()
    start = time.perf_counter()
    value, ref = run_local(fanout, n=n)
    seconds = time.perf_counter() - start
    ok = value == n * (n - 1) // 2
    emit(f"fanout_{n}", n, seconds, ok, impl="flyte", version=sdk_version(), runs=[ref])


if __name__ == "__main__":
    main()
