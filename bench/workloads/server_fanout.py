"""Server fan-out workload: one async parent gathers N no-op children, each in a worker of its own.

Usage: ``python server_fanout.py ENDPOINT N``. Times one run on the server at ``ENDPOINT`` from
``flyte.run`` to its outputs (code bundling, scheduling, N worker processes, their reports and
the parent's collection included) and prints the JSON result line.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from pathlib import Path

from _common import emit, stdout_to_stderr

import flyte

env = flyte.TaskEnvironment(name="bench_server_fanout")


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
    """Run the fan-out once on the server, timed, and print the JSON result line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("endpoint", help="the server's URL, e.g. http://127.0.0.1:8080")
    parser.add_argument("n", type=int, help="number of child tasks")
    opts = parser.parse_args()
    with stdout_to_stderr():
        flyte.init(endpoint=opts.endpoint, root_dir=Path(__file__).resolve().parent)
        start = time.perf_counter()
        run = flyte.run(fanout, n=opts.n)
        value = run.outputs()[0]
        seconds = time.perf_counter() - start
    ok = value == opts.n * (opts.n - 1) // 2
    emit(f"server_fanout_{opts.n}", opts.n, seconds, ok, run=run.name)


if __name__ == "__main__":
    main()
