"""Server chain workload: a parent awaits N children one after the other (per-action latency).

Usage: ``python server_chain.py ENDPOINT N``. Prints the JSON result line with ``seconds``, the
time from ``flyte.run`` to the outputs, and ``chain_seconds``, the time the parent itself spent
on its N sequential child calls (so ``chain_seconds / N`` is the cost of one action: create,
dispatch, fork a worker, run, report, wake the parent).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from _common import emit, stdout_to_stderr

import flyte

env = flyte.TaskEnvironment(name="bench_server_chain")


@env.task
async def step(x: int) -> int:
    """Return the input plus one."""
    return x + 1


@env.task
async def chain(steps: int) -> dict[str, float]:
    """Call ``step`` ``steps`` times in sequence; the final value and the seconds it took."""
    start = time.perf_counter()
    x = 0
    for _ in range(steps):
        x = await step(x)
    return {"value": float(x), "seconds": time.perf_counter() - start}


def main() -> None:
    """Run the chain once on the server, timed, and print the JSON result line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("endpoint", help="the server's URL, e.g. http://127.0.0.1:8080")
    parser.add_argument("n", type=int, help="number of sequential child tasks")
    opts = parser.parse_args()
    with stdout_to_stderr():
        flyte.init(endpoint=opts.endpoint, root_dir=Path(__file__).resolve().parent)
        start = time.perf_counter()
        run = flyte.run(chain, steps=opts.n)
        result = run.outputs()[0]
        seconds = time.perf_counter() - start
    ok = result["value"] == opts.n
    emit(f"server_chain_{opts.n}", opts.n, seconds, ok, run=run.name, chain_seconds=result["seconds"])


if __name__ == "__main__":
    main()
