"""A basic pipeline: sync and async tasks in an environment with an image, composed by a workflow.

``data_pipeline`` preprocesses its inputs in parallel, then extracts features, trains and
evaluates a model in the ``model-training`` group. The image is only used on a cluster; locally
the tasks run in this Python. Run it with ``flyte run --local examples/pipeline.py main`` or
``python examples/pipeline.py``.
"""

import asyncio
from typing import List

import flyte

# Create environment
env = flyte.TaskEnvironment(
    name="my_environment",
    image="ghcr.io/unionai-oss/flyte:latest",
)


async def process_data_async(data: str) -> dict:
    """Count the words and characters of ``data``."""
    await asyncio.sleep(0)
    return {"words": len(data.split()), "characters": len(data)}


@env.task
def simple_task(x: int) -> int:
    """Double ``x``."""
    return x * 2


@env.task
async def async_task(data: str) -> dict:
    """Describe ``data``."""
    result = await process_data_async(data)
    return result


@env.task
async def preprocess_item(item: str) -> str:
    """Normalise one input."""
    return item.strip().lower()


@env.task
async def extract_features(items: List[str]) -> List[int]:
    """One feature per item: its length."""
    return [len(item) for item in items]


@env.task
async def train_model(features: List[int]) -> dict:
    """A model that predicts the mean feature."""
    return {"mean": sum(features) / len(features)}


@env.task
async def evaluate_model(model: dict) -> dict:
    """Score the model (a fixed rule, for the example)."""
    return {"score": round(1 / (1 + model["mean"]), 3)}


@env.task
async def data_pipeline(input_data: List[str]) -> dict:
    """Preprocess in parallel, then train and evaluate a model."""
    # Parallel preprocessing
    preprocessed = await asyncio.gather(*[preprocess_item(item) for item in input_data])

    # Sequential training steps
    with flyte.group("model-training"):
        features = await extract_features(preprocessed)
        model = await train_model(features)
        metrics = await evaluate_model(model)

    return {"model": model, "metrics": metrics}


@env.task
async def main() -> dict:
    """Run the three kinds of task and collect their results."""
    doubled = await simple_task.aio(21)
    described = await async_task("flyte runs python")
    pipeline = await data_pipeline(["  Alpha", "Beta ", "Gamma", "Pi"])
    return {"simple_task": doubled, "async_task": described, "data_pipeline": pipeline}


if __name__ == "__main__":
    flyte.init_from_config()
    print(flyte.with_runcontext(mode="local").run(main).outputs())
