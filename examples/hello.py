"""Hello, world: one task calling another.

Run it with ``flyte run --local examples/hello.py main --name Ada`` or ``python examples/hello.py``.
"""

import flyte

env = flyte.TaskEnvironment(name="hello")


@env.task
async def say_hello(name: str) -> str:
    """Return a greeting for ``name``."""
    return f"Hello, {name}!"


@env.task
async def main(name: str = "world") -> str:
    """Greet ``name`` through the ``say_hello`` task."""
    return await say_hello(name)


if __name__ == "__main__":
    flyte.init_from_config()
    print(flyte.with_runcontext(mode="local").run(main).outputs())
