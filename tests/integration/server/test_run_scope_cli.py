"""``-p/-d`` on the commands that name a server run: accepted, and a run of another project or
domain is not found (nothing is done to it)."""

from __future__ import annotations

import flyte
from tests.fixtures.server import ServerHandle
from tests.integration.server._support import connect, finished, flyte_cli, load_workflow

WORKFLOW = """
import flyte

env = flyte.TaskEnvironment(name="scoped")


@env.task
async def hello(name: str) -> str:
    print(f"hello {name}")
    return f"hello {name}"
"""


def test_commands_naming_a_run_check_its_project_and_domain(flyte_server: ServerHandle) -> None:
    connect(flyte_server)
    wf = load_workflow(WORKFLOW)
    run = finished(flyte.with_runcontext(project="team-a").run(wf.hello, "ada"))
    assert run.phase == "SUCCEEDED"

    logs = flyte_cli(flyte_server, "get", "logs", run.name, "-p", "team-a", "-d", "development")
    assert logs.returncode == 0, logs.stderr
    assert "hello ada" in logs.stdout
    refusal = f"Error: No run named '{run.name}' in flytesnacks (it is in team-a/development)"
    for command in (("get", "logs"), ("get", "io"), ("abort", "run"), ("rerun",)):
        refused = flyte_cli(flyte_server, *command, run.name, "-p", "flytesnacks")
        assert refused.returncode == 1, refused.stdout
        assert refused.stderr.strip() == refusal
    # Nothing was rerun.
    assert [r.name for r in flyte.remote.Run.listall(project="team-a")] == [run.name]
