"""``flyte.run_python_script`` and ``flyte run python-script`` against a real server: the script
and its include files travel in the bundle, run from the bundle's folder, and their output
reaches the run's logs and result."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

import flyte
from flyte._python_script import PythonScriptOutput
from tests.fixtures.server import ServerHandle
from tests.integration.server._support import connect, finished, flyte_cli

SCRIPT = """
import json
import os
import sys
from pathlib import Path

settings = json.loads(Path("conf/settings.json").read_text())
print(f"args={sys.argv[1:]} greeting={settings['greeting']}")
Path("out").mkdir(exist_ok=True)
Path("out/result.txt").write_text("made by the script")
if "--fail" in sys.argv:
    print("failing now")
    sys.exit(4)
"""


@pytest.fixture
def script() -> Path:
    folder = Path.cwd() / "scripts"
    (folder / "conf").mkdir(parents=True)
    (folder / "conf" / "settings.json").write_text('{"greeting": "hi"}')
    (folder / "conf" / "unused.txt").write_text("not shipped")
    path = folder / "job.py"
    path.write_text(textwrap.dedent(SCRIPT))
    return path


def test_the_script_and_its_include_files_run_on_the_server(flyte_server: ServerHandle, script: Path) -> None:
    connect(flyte_server)
    run = flyte.run_python_script(
        script,
        extra_args=["--x", "1"],
        include_files=["conf/*.json"],
        output_dir="out",
        cpu=1,
        memory="1Gi",
        name="script-run",
        wait=True,
    )
    assert run.name == "script-run"
    assert run.phase == "SUCCEEDED"  # wait=True: the run had ended on return
    result = run.outputs()[0]
    assert isinstance(result, PythonScriptOutput)
    assert result.exit_code == 0
    assert result.stdout == "args=['--x', '1'] greeting=hi\n"
    assert Path(os.fspath(result.output_dir)).joinpath("result.txt").read_text() == "made by the script"
    assert "args=['--x', '1'] greeting=hi" in finished(run).download_logs()


def test_a_failing_script_fails_the_run(flyte_server: ServerHandle, script: Path) -> None:
    connect(flyte_server)
    run = flyte.run_python_script(script, extra_args=["--fail"], include_files=["conf"], cpu=1, memory="1Gi")
    remote = finished(run)
    assert remote.phase == "FAILED"
    assert remote.error is not None
    assert "exited with code 4" in remote.error.message
    assert "failing now" in remote.download_logs()


def test_the_cli_follows_the_script(flyte_server: ServerHandle, script: Path) -> None:
    done = flyte_cli(
        flyte_server,
        "run",
        "--follow",
        "--name",
        "cli-script",
        "python-script",
        str(script.relative_to(Path.cwd())),
        "--include-files",
        "conf/settings.json",
        "a",
        "--",
        "--timeout",
        "5",
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("Run:     cli-script (")
    assert "args=['a', '--timeout', '5'] greeting=hi" in lines
    assert "Run:     cli-script (SUCCEEDED)" in lines
    assert any(line.startswith("  o0 = PythonScriptOutput(exit_code=0,") for line in lines)


def test_without_the_include_files_the_script_does_not_find_them(flyte_server: ServerHandle, script: Path) -> None:
    done = flyte_cli(flyte_server, "run", "--follow", "python-script", str(script))
    assert done.returncode == 1
    assert "exited with code 1" in done.stderr
    assert "FileNotFoundError" in done.stdout  # the script's traceback, streamed from its logs
