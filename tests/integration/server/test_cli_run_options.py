"""``flyte run``'s options against a real server: project, domain, the root folder and the copy
style reach the run; options the server cannot honour are one-line errors before any run."""

from __future__ import annotations

from pathlib import Path

import flyte
from tests.fixtures.server import ServerHandle
from tests.integration.server._support import connect, flyte_cli

WORKFLOW = """
from pathlib import Path

import flyte

env = flyte.TaskEnvironment(name="opts_remote")


@env.task
async def main() -> str:
    return Path("notes/data.txt").read_text()
"""


def _project() -> Path:
    root = Path.cwd() / "project"
    (root / "notes").mkdir(parents=True)
    (root / "notes" / "data.txt").write_text("shipped")
    (root / "wf_opts.py").write_text(WORKFLOW)
    return root


def test_project_domain_root_dir_and_copy_style_reach_the_run(flyte_server: ServerHandle) -> None:
    root = _project()
    done = flyte_cli(
        flyte_server,
        *("run", "--follow", "--name", "opts-run", "-p", "proj", "-d", "prod"),
        *("--root-dir", str(root), "--copy-style", "all", str(root / "wf_opts.py"), "main"),
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-2:] == ["Outputs:", "  o0 = 'shipped'"]
    connect(flyte_server)
    info = flyte.remote.Run.get("opts-run").info
    assert (info.project, info.domain) == ("proj", "prod")


def test_without_copy_style_all_the_data_file_stays_behind(flyte_server: ServerHandle) -> None:
    root = _project()
    done = flyte_cli(flyte_server, "run", "--follow", "--root-dir", str(root), str(root / "wf_opts.py"), "main")
    assert done.returncode == 1
    assert "FileNotFoundError" in done.stderr


def test_options_the_server_cannot_honour_are_one_line_errors(flyte_server: ServerHandle) -> None:
    root = _project()
    for option in (["--label", "team=ml"], ["--raw-data-path", "/tmp/raw"], ["--queue", "q"]):
        done = flyte_cli(flyte_server, "run", *option, str(root / "wf_opts.py"), "main")
        assert done.returncode == 1, done.stdout
        assert done.stderr.count("\n") == 1 and done.stderr.startswith("Error: flyte."), done.stderr
    connect(flyte_server)
    assert flyte.remote.Run.listall() == []
