"""Plain-Python baselines (no flyte imported): the floor for the fanout and chain workloads.

Usage: ``python plain.py fanout N`` | ``python plain.py chain [STEPS]`` |
``python plain.py chain_cached [STEPS]``. The same shapes as the flyte workloads, built from bare
coroutines; the cached chain memoises results in a dict, warmed by an untimed first run.
"""

from __future__ import annotations

import argparse
import asyncio
import time

from _common import emit

CACHE: dict[int, int] = {}


async def noop(x: int) -> int:
    """Return the input unchanged."""
    return x


async def step(x: int) -> int:
    """Add one."""
    return x + 1


async def cached_step(x: int) -> int:
    """Add one, memoised on the input."""
    if x not in CACHE:
        CACHE[x] = await step(x)
    return CACHE[x]


async def fanout(n: int) -> int:
    """Gather ``n`` no-op coroutines; return their sum, or -1 if any came back wrong."""
    results = await asyncio.gather(*[noop(i) for i in range(n)])
    if any(r != i for i, r in enumerate(results)):
        return -1
    return sum(results)


async def chain(n: int, cached: bool) -> int:
    """Await ``n`` steps in sequence."""
    x = 0
    for _ in range(n):
        x = await (cached_step(x) if cached else step(x))
    return x


def main() -> None:
    """Run one plain baseline, timed, and print the JSON result line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("shape", choices=["fanout", "chain", "chain_cached"])
    parser.add_argument("n", type=int, nargs="?", default=200, help="children (fanout) or steps (chain)")
    args = parser.parse_args()
    n = args.n
    if args.shape == "fanout":
        start = time.perf_counter()
        value = asyncio.run(fanout(n))
        seconds = time.perf_counter() - start
        emit(f"fanout_{n}", n, seconds, value == n * (n - 1) // 2, impl="plain")
        return
    cached = args.shape == "chain_cached"
    if cached:
        asyncio.run(chain(n, cached=True))
    start = time.perf_counter()
    value = asyncio.run(chain(n, cached=cached))
    seconds = time.perf_counter() - start
    emit(args.shape, n, seconds, value == n, impl="plain")


if __name__ == "__main__":
    main()
