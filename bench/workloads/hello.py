"""Hello-world workflow used to time the whole CLI: ``flyte run --local hello.py main``.

If the environment variable ``BENCH_HELLO_MARKER`` names a file, ``main`` writes its result there
so the harness can check that the workflow really ran, whatever the CLI prints.
"""

from __future__ import annotations

import os

import flyte

env = flyte.TaskEnvironment(name="bench_hello")


@env.task
async def say_hello(name: str) -> str:
    """Return a greeting."""
    return f"Hello, {name}!"


@env.task
async def main(name: str = "world") -> str:
    """Greet ``name`` through a child task."""
    greeting = await say_hello(name)
    marker = os.environ.get("BENCH_HELLO_MARKER")
    if marker:
        with open(marker, "w", encoding="utf-8") as f:
            f.write(greeting)
    return greeting


if __name__ == "__main__":
    flyte.init()
    print(flyte.with_runcontext(mode="local").run(main).outputs()[0])
