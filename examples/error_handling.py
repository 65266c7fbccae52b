"""Error handling: catch a task's out-of-memory error and run it again with more memory.

``potentially_failing_task`` simulates a job that needs 3 GiB: it raises ``flyte.errors.OOMError``
whenever its memory limit is smaller. It starts with 1 GiB, so the first call fails;
``retry_with_more_memory`` runs it again with ``.override(resources=flyte.Resources(memory=...))``,
doubling the memory until it fits, and ``cleanup_task`` runs in every case. Run it with
``flyte run --local examples/error_handling.py main`` or ``python examples/error_handling.py``.
"""

import os

import flyte

# Memory the simulated job needs, in GiB.
PEAK_MEMORY_GI = 3
START_MEMORY = "1Gi"

# A local run does not limit memory, so the limit is also given to the task as a variable
# (on a cluster the container's limit itself would end the task).
env = flyte.TaskEnvironment(
    name="error_handling",
    resources=flyte.Resources(memory=START_MEMORY),
    env_vars={"MEMORY_LIMIT": START_MEMORY},
)


@env.task
async def potentially_failing_task() -> str:
    """Pretend to process data that needs ``PEAK_MEMORY_GI`` GiB of memory."""
    limit = os.environ["MEMORY_LIMIT"]
    if int(limit.removesuffix("Gi")) < PEAK_MEMORY_GI:
        raise flyte.errors.OOMError("OOMError", f"needed {PEAK_MEMORY_GI}Gi, limit is {limit}")
    return f"processed with {limit}"


@env.task
async def cleanup_task() -> None:
    """Release whatever the work held (nothing, here)."""


async def retry_with_more_memory() -> str:
    """Double the memory until ``potentially_failing_task`` fits (up to 8 GiB)."""
    for memory in ("2Gi", "4Gi", "8Gi"):
        bigger = potentially_failing_task.override(
            resources=flyte.Resources(memory=memory), env_vars={"MEMORY_LIMIT": memory}
        )
        try:
            return await bigger()
        except flyte.errors.OOMError:
            continue
    raise flyte.errors.OOMError("OOMError", "the task does not fit in 8Gi")


@env.task
async def resilient_workflow():
    """Run the task; on an out-of-memory error run it again with more memory."""
    try:
        result = await potentially_failing_task()
        return result
    except flyte.errors.OOMError:
        # Retry with more resources
        return await retry_with_more_memory()
    finally:
        # Cleanup tasks always run
        await cleanup_task()


@env.task
async def main() -> str:
    """Run the resilient workflow and return what it produced."""
    return await resilient_workflow()


if __name__ == "__main__":
    flyte.init_from_config()
    print(flyte.with_runcontext(mode="local").run(main).outputs())
