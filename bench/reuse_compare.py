"""Benchmark reusable environments: the same 1,000-child fan-out of no-op tasks on the process
executor (a process per attempt) and on a reusable environment (2 replicas, concurrency 50).

Usage::

    python bench/reuse_compare.py [--python PATH] [--n 1000] [--repeat 3]

It starts a server (SQLite, a temporary home) and runs, from this process, a parent gathering
``--n`` children of each kind, after one untimed run of each (which starts the zygote and the
replicas). Each run is timed from ``flyte.run`` to its outputs; the table shows medians and the
ratio. The goal: under 3 s on a 2-core machine and at least 5x faster than the process
executor. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from server_compare import Server, sqlite_url

WORKFLOW = textwrap.dedent(
    """
    import asyncio

    import flyte

    fresh = flyte.TaskEnvironment(name="bench_fresh")
    pooled = flyte.TaskEnvironment(
        name="bench_pooled", reusable=flyte.ReusePolicy(replicas=2, idle_ttl=300, concurrency=50)
    )
    driver = flyte.TaskEnvironment(name="bench_driver")


    @fresh.task
    async def noop_fresh(x: int) -> int:
        return x


    @pooled.task
    async def noop_pooled(x: int) -> int:
        return x


    @driver.task
    async def fan_out_fresh(n: int) -> int:
        return sum(await asyncio.gather(*[noop_fresh(i) for i in range(n)]))


    @driver.task
    async def fan_out_pooled(n: int) -> int:
        return sum(await asyncio.gather(*[noop_pooled(i) for i in range(n)]))
    """
)


def main(argv: list[str] | None = None) -> int:
    """Runs the benchmark and prints the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--python", default=sys.executable, help="python of the server (default: this one)")
    parser.add_argument("--n", type=int, default=1000, help="children per fan-out")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per executor")
    opts = parser.parse_args(argv)

    import flyte
    from flyte._internal.module_loader import load_file

    folder = Path(tempfile.mkdtemp(prefix="flyte-bench-reuse-"))
    (folder / "bench_reuse_wf.py").write_text(WORKFLOW)
    expected = opts.n * (opts.n - 1) // 2
    times: dict[str, list[float]] = {"process": [], "reusable": []}
    with sqlite_url() as db_url:
        server = Server(opts.python, db_url)
        try:
            server.wait_ready()
            flyte.init(endpoint=server.endpoint, root_dir=folder)
            wf = load_file(folder / "bench_reuse_wf.py")
            tasks = {"process": wf.fan_out_fresh, "reusable": wf.fan_out_pooled}
            for task in tasks.values():
                assert flyte.run(task, 10).outputs()[0] == 45  # warm-up: untimed
            for _ in range(opts.repeat):
                for name, task in tasks.items():
                    start = time.perf_counter()
                    assert flyte.run(task, opts.n).outputs()[0] == expected
                    times[name].append(time.perf_counter() - start)
        finally:
            server.stop()
    process, reusable = statistics.median(times["process"]), statistics.median(times["reusable"])
    print("executor  | children | median s | min-max s     | ms/child")
    print("----------+----------+----------+---------------+---------")
    for name, median in (("process", process), ("reusable", reusable)):
        low, high = min(times[name]), max(times[name])
        print(f"{name:<9} | {opts.n:>8} | {median:8.2f} | {low:6.2f}-{high:<6.2f} | {median / opts.n * 1000:7.1f}")
    print(f"reusable is {process / reusable:.1f}x faster (goal: 5x, under 3 s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
