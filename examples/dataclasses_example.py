"""Dataclasses: tasks take and return dataclasses, lists of them and dicts.

Run it with ``flyte run --local examples/dataclasses_example.py main`` or
``python examples/dataclasses_example.py``.
"""

from dataclasses import dataclass
from typing import List

import flyte

env = flyte.TaskEnvironment(name="dataclasses_example")


@dataclass
class InferenceRequest:
    model_name: str
    input_data: List[str]
    batch_size: int = 32


def run_inference(model_name: str, input_data: List[str]) -> dict:
    """A stand-in model: labels each input by its length."""
    return {
        "model": model_name,
        "predictions": ["long" if len(text) > 5 else "short" for text in input_data],
    }


@env.task
def batch_inference(requests: List[InferenceRequest]) -> List[dict]:
    """Run every request and return one result per request."""
    results = []
    for request in requests:
        # Process each request
        result = run_inference(request.model_name, request.input_data)
        results.append(result)
    return results


@env.task
async def main() -> List[dict]:
    """Send two requests through ``batch_inference``."""
    requests = [
        InferenceRequest(model_name="sentiment", input_data=["great", "terrible movie"]),
        InferenceRequest(model_name="topic", input_data=["football"], batch_size=8),
    ]
    return await batch_inference.aio(requests)


if __name__ == "__main__":
    flyte.init_from_config()
    print(flyte.with_runcontext(mode="local").run(main).outputs())
