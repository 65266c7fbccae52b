"""Run options and task plugins on a real server: ``copy_style="all"`` ships the project's other
files with the code, and a plugin task's hooks run in the worker."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from tests.fixtures.server import ServerHandle

PLUGIN = textwrap.dedent(
    """
    from dataclasses import dataclass
    from typing import Any

    from flyte.extend import AsyncFunctionTaskTemplate, TaskPluginRegistry


    @dataclass
    class Greeting:
        word: str


    @dataclass(kw_only=True)
    class GreetingTask(AsyncFunctionTaskTemplate):
        plugin_config: Greeting

        async def pre(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
            return {"word": self.plugin_config.word}


    TaskPluginRegistry.register(Greeting, GreetingTask)
    """
)

WORKFLOW = textwrap.dedent(
    """
    import sys
    from pathlib import Path

    import flyte
    from greeting_plugin import Greeting

    env = flyte.TaskEnvironment(name="options_wf", plugin_config=Greeting("hello"))


    @env.task
    async def main() -> str:
        data = Path(__file__).with_name("data.txt")
        text = data.read_text().strip() if data.exists() else "no data file"
        return f"{flyte.ctx().data['word']} {text}"


    if __name__ == "__main__":
        flyte.init(endpoint=sys.argv[1])
        run = flyte.with_runcontext(copy_style=sys.argv[2]).run(main)
        run.wait()
        print("OUTPUT", run.outputs()[0])
    """
)


def _run(tmp_path: Path, endpoint: str, copy_style: str) -> str:
    (tmp_path / "greeting_plugin.py").write_text(PLUGIN)
    (tmp_path / "data.txt").write_text("from the data file\n")
    (tmp_path / "wf.py").write_text(WORKFLOW)
    done = subprocess.run(
        [sys.executable, "wf.py", endpoint, copy_style], capture_output=True, text=True, cwd=tmp_path, timeout=180
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.split("OUTPUT ", 1)[1].strip()


def test_copy_style_all_ships_the_other_files(flyte_server: ServerHandle, tmp_path: Path) -> None:
    assert _run(tmp_path, flyte_server.endpoint, "all") == "hello from the data file"


def test_loaded_modules_ship_only_code(flyte_server: ServerHandle, tmp_path: Path) -> None:
    assert _run(tmp_path, flyte_server.endpoint, "loaded_modules") == "hello no data file"
