"""Memory limits on a server: a task over its memory is stopped, its parent catches OOMError,
and the spec's pattern of calling it again with more memory (``task.override``) works."""

from __future__ import annotations

import flyte
from tests.fixtures.server import ServerHandle
from tests.integration.server._support import connect, finished, load_workflow

WORKFLOW = """
import time

import flyte
import flyte.errors

env = flyte.TaskEnvironment(name="memory", resources=flyte.Resources(memory="200Mi"))
driver = flyte.TaskEnvironment(name="memory_driver")


@env.task
async def hungry(megabytes: int) -> int:
    # Touched pages (not calloc's lazy zeros), held long enough for the limit to be seen.
    blocks = [b"x" * (1 << 20) for _ in range(megabytes)]
    time.sleep(1.0)
    return len(blocks)


@driver.task
async def main(megabytes: int) -> str:
    try:
        return f"first try: {await hungry(megabytes)}"
    except flyte.errors.OOMError as e:
        caught = e.code
    more = await hungry.override(resources=flyte.Resources(memory="1Gi"))(megabytes)
    return f"{caught}, then {more} MB with 1Gi"
"""


def test_oom_is_caught_and_retried_with_more_memory(flyte_server: ServerHandle) -> None:
    connect(flyte_server)
    wf = load_workflow(WORKFLOW)
    remote = finished(flyte.run(wf.main, 600))
    assert remote.phase == "SUCCEEDED", remote.error
    assert remote.outputs()[0] == "OOMError, then 600 MB with 1Gi"
    children = sorted((a for a in remote.actions() if a.name != "a0"), key=lambda a: a.info.queued_at)
    assert [a.phase for a in children] == ["FAILED", "SUCCEEDED"]
    assert children[0].error is not None and children[0].error.code == "OOMError"
    assert children[0].attempts == 1
