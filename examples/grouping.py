"""Groups: ``flyte.group`` names a set of task calls so they are shown together.

``complex_workflow`` validates data in the ``data-validation`` group and trains and evaluates a
model in the ``model-training`` group; groups change nothing about how the tasks run. Run it with
``flyte run --local examples/grouping.py main`` or ``python examples/grouping.py``.
"""

from typing import List, Tuple

import flyte

env = flyte.TaskEnvironment(name="grouping")

raw_data = [3.0, 1.0, -2.0, 4.0, 2.0]


@env.task
async def validate_schema(data: List[float]) -> List[float]:
    """Keep the values that are numbers."""
    return [float(x) for x in data if isinstance(x, (int, float))]


@env.task
async def check_data_quality(data: List[float]) -> List[float]:
    """Drop negative values."""
    return [x for x in data if x >= 0]


@env.task
async def train_model(data: List[float]) -> dict:
    """Train a model that predicts the mean."""
    return {"kind": "mean", "value": sum(data) / len(data)}


@env.task
async def evaluate_model(model: dict) -> dict:
    """Mean absolute error of the model on the validated data."""
    data = [x for x in raw_data if x >= 0]
    error = sum(abs(x - model["value"]) for x in data) / len(data)
    return {"mae": error}


@env.task
async def complex_workflow():
    """Validate the raw data, then train and evaluate a model on it."""
    with flyte.group("data-validation"):
        validated_data = await validate_schema(raw_data)
        validated_data = await check_data_quality(validated_data)

    with flyte.group("model-training"):
        model = await train_model(validated_data)
        metrics = await evaluate_model(model)

    return model, metrics


@env.task
async def main() -> Tuple[dict, dict]:
    """Run ``complex_workflow`` and return its model and metrics."""
    model, metrics = await complex_workflow()
    return model, metrics


if __name__ == "__main__":
    flyte.init_from_config()
    print(flyte.with_runcontext(mode="local").run(main).outputs())
