"""Remote runs end to end: a real server process, real workers, SQLite and PostgreSQL."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from tests.fixtures.server import ServerHandle

WORKFLOW = textwrap.dedent(
    """
    import asyncio
    import os
    import sys

    import flyte
    import flyte.errors

    env = flyte.TaskEnvironment(name="remote_wf", env_vars={"GREETING": "hi"})


    @env.task
    async def double(x: int) -> int:
        print(f"doubling {x}")
        return x * 2


    @env.task
    def sync_square(x: int) -> int:
        return x * x


    @env.task
    async def fails(x: int) -> int:
        raise ValueError(f"bad {x}")


    @env.task
    async def main(n: int) -> dict[str, object]:
        doubled = await asyncio.gather(*[double(i) for i in range(n)])
        square = await sync_square(3)
        try:
            await fails(1)
            caught = ""
        except flyte.errors.RuntimeUserError as e:
            caught = f"{e.code}: {e.message}"
        ctx = flyte.ctx()
        return {
            "sum": sum(doubled),
            "square": square,
            "caught": caught,
            "env": os.environ.get("GREETING"),
            "action": os.environ.get("ACTION_NAME"),
            "run_matches": os.environ.get("RUN_NAME") == ctx.action.run_name,
        }


    if __name__ == "__main__":
        flyte.init(endpoint=sys.argv[1])
        run = flyte.run(main, int(sys.argv[2]))
        run.wait()
        print("PHASE", run.phase)
        print("OUTPUT", run.outputs()[0])
    """
)


def _run_workflow(tmp_path: Path, endpoint: str, n: int) -> subprocess.CompletedProcess[str]:
    script = tmp_path / "wf.py"
    script.write_text(WORKFLOW)
    return subprocess.run(
        [sys.executable, str(script), endpoint, str(n)], capture_output=True, text=True, cwd=tmp_path, timeout=180
    )


def test_fan_out_with_sync_child_and_caught_error(flyte_server: ServerHandle, tmp_path: Path) -> None:
    done = _run_workflow(tmp_path, flyte_server.endpoint, 20)
    assert done.returncode == 0, done.stderr
    assert "PHASE SUCCEEDED" in done.stdout
    output = done.stdout.split("OUTPUT ", 1)[1]
    assert "'sum': 380" in output
    assert "'square': 9" in output
    assert "'caught': 'ValueError: bad 1'" in output
    assert "'env': 'hi'" in output
    assert "'action': 'a0'" in output
    assert "'run_matches': True" in output
