"""Images: describe the container a task runs in with ``flyte.Image``.

The image (Debian with Python and flyte, plus git, pandas and numpy) is only a recipe here:
nothing is built for a local run, and the task runs in this Python. On a cluster the image would
be built by the configured builder and the task would run in it. Run it with
``flyte run --local examples/images.py main`` or ``python examples/images.py``.
"""

from typing import List

import flyte

image = (
    flyte.Image.from_debian_base()
    .with_apt_packages(["git"])
    .with_pip_packages(["pandas", "numpy"])
    .with_env_vars({"MY_VAR": "value"})
)

env = flyte.TaskEnvironment(
    name="my_env",
    image=image,
)


@env.task
def summarize(values: List[float]) -> dict:
    """Mean and range of ``values`` (pure Python, so it also runs without pandas)."""
    return {"mean": sum(values) / len(values), "range": max(values) - min(values)}


@env.task
async def main() -> dict:
    """Summarise a few numbers in the image's environment."""
    return await summarize.aio([1.0, 2.0, 4.0, 9.0])


if __name__ == "__main__":
    flyte.init_from_config()
    print(flyte.with_runcontext(mode="local").run(main).outputs())
